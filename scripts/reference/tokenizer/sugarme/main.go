// Command sugarme checks whether github.com/sugarme/tokenizer's BPE model,
// fed words pre-tokenized the Qwen3 way (added tokens split out, NFC,
// Qwen's split regex through regexp2, byte-to-unicode mapping), gives
// the JS reference's ids, and how fast it is. Evidence for
// docs/tokenizer.md; not part of the build (its own module, off go.work).
//
//	cd scripts/reference/tokenizer/sugarme
//	GOWORK=off go run . [tokenizer.json] [parity.jsonl]
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/dlclark/regexp2"
	"github.com/sugarme/tokenizer/model"
	"github.com/sugarme/tokenizer/model/bpe"
	"golang.org/x/text/unicode/norm"
)

func main() {
	tokPath, fixPath := "../../../../tmp/models/qwen3-0.6b/source-data/tokenizer.json", "../../../../pkg/tokenizer/testdata/parity.jsonl"
	if len(os.Args) > 2 {
		tokPath, fixPath = os.Args[1], os.Args[2]
	}
	if err := run(tokPath, fixPath); err != nil {
		fmt.Fprintln(os.Stderr, "sugarme:", err)
		os.Exit(1)
	}
}

type tokenizerJSON struct {
	AddedTokens []struct {
		ID      int    `json:"id"`
		Content string `json:"content"`
	} `json:"added_tokens"`
	Model struct {
		Vocab  map[string]int `json:"vocab"`
		Merges [][2]string    `json:"merges"`
	} `json:"model"`
}

const qwenPattern = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`

func run(tokPath, fixPath string) error {
	data, err := os.ReadFile(tokPath)
	if err != nil {
		return err
	}
	var tj tokenizerJSON
	if err := json.Unmarshal(data, &tj); err != nil {
		return err
	}
	merges := make([]string, len(tj.Model.Merges))
	for i, m := range tj.Model.Merges {
		merges[i] = m[0] + " " + m[1]
	}
	start := time.Now()
	model, err := bpe.New(model.Vocab(tj.Model.Vocab), merges, nil, nil, nil, nil)
	if err != nil {
		return err
	}
	fmt.Printf("sugarme bpe.New: %v\n", time.Since(start).Round(time.Millisecond))
	pre := newPreTokenizer(tj)

	texts, want, err := readFixture(fixPath)
	if err != nil {
		return err
	}
	encode := func(s string) []int {
		var ids []int
		for _, w := range pre.words(s) {
			if w.added >= 0 {
				ids = append(ids, w.added)
				continue
			}
			toks, err := model.Tokenize(w.text)
			if err != nil {
				panic(err)
			}
			for _, t := range toks {
				ids = append(ids, t.Id)
			}
		}
		return ids
	}
	bad := 0
	for i, s := range texts {
		got := encode(s)
		if len(got) == 0 && len(want[i]) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, want[i]) {
			bad++
			if bad <= 3 {
				fmt.Printf("mismatch %q\n  got  %v\n  want %v\n", s, got, want[i])
			}
		}
	}
	fmt.Printf("parity: %d of %d strings differ from the JS reference\n", bad, len(texts))

	var sb strings.Builder
	for _, s := range texts {
		if sb.Len() > 100_000 {
			break
		}
		sb.WriteString(s + "\n")
	}
	text := sb.String()
	n := len(encode(text))
	for round := 0; round < 3; round++ {
		model.ClearCache()
		start = time.Now()
		encode(text)
		cold := time.Since(start)
		start = time.Now()
		encode(text)
		warm := time.Since(start)
		start = time.Now()
		pre.words(text)
		preOnly := time.Since(start)
		fmt.Printf("speed (%d bytes, %d tokens): cold cache %.2f M tok/s, warm %.2f M tok/s (pre-tokenizing alone: %v)\n",
			len(text), n, float64(n)/cold.Seconds()/1e6, float64(n)/warm.Seconds()/1e6, preOnly.Round(time.Millisecond))
	}
	return nil
}

type word struct {
	text  string // in the byte-level alphabet
	added int    // the id of an added token, or -1
}

type preTokenizer struct {
	added []struct {
		ID      int
		Content string
	}
	re   *regexp2.Regexp
	b2r  [256]rune
	once map[string]string
}

func newPreTokenizer(tj tokenizerJSON) *preTokenizer {
	p := &preTokenizer{re: regexp2.MustCompile(qwenPattern, regexp2.None)}
	for _, a := range tj.AddedTokens {
		p.added = append(p.added, struct {
			ID      int
			Content string
		}{a.ID, a.Content})
	}
	sort.SliceStable(p.added, func(i, j int) bool { return len(p.added[i].Content) > len(p.added[j].Content) })
	n := 0
	for b := 0; b < 256; b++ {
		if (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF) {
			p.b2r[b] = rune(b)
		} else {
			p.b2r[b] = rune(256 + n)
			n++
		}
	}
	return p
}

// words splits s as Hugging Face does for Qwen3 (leftmost-longest added
// tokens, then NFC, the split regex and the byte mapping).
func (p *preTokenizer) words(s string) []word {
	var out []word
	for len(s) > 0 {
		best, bi := -1, -1
		for i, a := range p.added {
			if j := strings.Index(s, a.Content); j >= 0 && (best < 0 || j < best) {
				best, bi = j, i
			}
		}
		seg := s
		if best >= 0 {
			seg = s[:best]
		}
		seg = norm.NFC.String(seg)
		m, _ := p.re.FindStringMatch(seg)
		for m != nil {
			var b strings.Builder
			for _, c := range []byte(m.String()) {
				b.WriteRune(p.b2r[c])
			}
			out = append(out, word{text: b.String(), added: -1})
			m, _ = p.re.FindNextMatch(m)
		}
		if best < 0 {
			break
		}
		out = append(out, word{added: p.added[bi].ID})
		s = s[best+len(p.added[bi].Content):]
	}
	return out
}

func readFixture(path string) ([]string, [][]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	var texts []string
	var ids [][]int
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	for sc.Scan() {
		var c struct {
			Text string `json:"text"`
			IDs  []int  `json:"ids"`
		}
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			return nil, nil, err
		}
		texts, ids = append(texts, c.Text), append(ids, c.IDs)
	}
	return texts, ids, sc.Err()
}
