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

// qwen3 loads the real Qwen3 tokenizer that scripts/bootstrap_model.sh
// fetches. The tests need it: without it they fail, saying how to get it.
func qwen3(t testing.TB) *Tokenizer {
	t.Helper()
	p := os.Getenv("SIMCHECK_TOKENIZER")
	if p == "" {
		dir, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
				break
			}
			if filepath.Dir(dir) == dir {
				t.Fatal("no go.work above the test directory")
			}
			dir = filepath.Dir(dir)
		}
		p = filepath.Join(dir, "tmp", "models", "qwen3-0.6b", "source-data", "tokenizer.json")
	}
	tok, err := loadOnce(p)
	if err != nil {
		t.Fatalf("%v (run scripts/bootstrap_model.sh, or set SIMCHECK_TOKENIZER)", err)
	}
	return tok
}

var (
	onceMu  sync.Mutex
	onceTok = map[string]*Tokenizer{}
)

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

// The ids go-libraries.md recorded for JS, tiktoken-go and a hand BPE.
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
	f, err := os.Open("testdata/parity.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	n, bad := 0, 0
	for sc.Scan() {
		var c struct {
			Text string `json:"text"`
			IDs  []int  `json:"ids"`
		}
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		n++
		got := tok.Encode(c.Text)
		if len(got) == 0 && len(c.IDs) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, c.IDs) {
			bad++
			if bad <= 5 {
				t.Errorf("line %d %q:\n got  %v\n want %v", n, c.Text, got, c.IDs)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 2000 {
		t.Fatalf("fixture has %d strings, want at least 2000", n)
	}
	if bad > 0 {
		t.Fatalf("%d of %d strings differ from the JS reference", bad, n)
	}
	t.Logf("%d strings, 0 mismatches", n)
}

func TestDecodeRoundTrip(t *testing.T) {
	tok := qwen3(t)
	for _, s := range []string{"Hello world", "cafe\u0301 ☕ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "  \t\n\r\n x", "<|im_start|>a<|im_end|>", "日本語のテキスト 🦙"} {
		got, err := tok.Decode(tok.Encode(s))
		if err != nil {
			t.Fatal(err)
		}
		if want := norm.NFC.String(s); got != want {
			t.Errorf("Decode(Encode(%q)) = %q, want %q", s, got, want)
		}
	}
	if _, err := tok.Decode([]int{9707, 10_000_000}); err == nil || !strings.Contains(err.Error(), "not in the vocabulary") {
		t.Errorf("unknown id: %v", err)
	}
}

func TestConcurrentEncode(t *testing.T) {
	tok := qwen3(t)
	want := tok.Encode("The quick brown fox jumps over the lazy dog.")
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				if got := tok.Encode("The quick brown fox jumps over the lazy dog."); !reflect.DeepEqual(got, want) {
					t.Error("concurrent encode differs")
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct{ path, want string }{
		{filepath.Join(dir, "missing.json"), "no such file"},
		{write("trunc.json", `{"model": {"type": "BPE", "vocab": `), "trunc.json: not a valid tokenizer.json"},
		{write("wp.json", `{"model": {"type": "WordPiece", "vocab": {"a": 0}}}`), `model.type is "WordPiece"`},
		{write("empty.json", `{"model": {"type": "BPE", "vocab": {}}}`), "model.vocab is missing or empty"},
		{write("nobytes.json", `{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "pre_tokenizer": {"type": "ByteLevel"}}`), "not a byte-level BPE"},
	}
	for _, tc := range cases {
		_, err := Load(tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Load(%s): %v, want %q", filepath.Base(tc.path), err, tc.want)
		}
	}
}

// tinyJSON is a minimal byte-level tokenizer: the 256 byte tokens, one
// merge and one added token.
func tinyJSON() string {
	var b strings.Builder
	b.WriteString(`{"added_tokens":[{"id":300,"content":"<s>","special":true}],"normalizer":{"type":"NFC"},`)
	b.WriteString(`"pre_tokenizer":{"type":"ByteLevel","use_regex":true},"model":{"type":"BPE","vocab":{`)
	for i, r := range byteToRune {
		v, _ := json.Marshal(string(r))
		b.WriteString(string(v) + ":" + itoa(i) + ",")
	}
	b.WriteString(`"ab":256},"merges":["a b"]}}`)
	return b.String()
}

func itoa(i int) string { v, _ := json.Marshal(i); return string(v) }

func TestTinyTokenizer(t *testing.T) {
	tok, err := parse([]byte(tinyJSON()))
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.Encode("ab<s>b"); !reflect.DeepEqual(got, []int{256, 300, 98}) {
		t.Errorf("got %v", got)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(tinyJSON()))
	f.Add([]byte(`{"model":{"type":"BPE","vocab":{"a":-1}}}`))
	f.Add([]byte(`{"model":{"type":"BPE","vocab":{"a":0},"merges":[["a"]]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := parse(data)
		if err != nil {
			return
		}
		ids := tok.Encode(string(data[:min(len(data), 64)]))
		_, _ = tok.Decode(ids)
	})
}

func FuzzEncode(f *testing.F) {
	tok, err := parse([]byte(tinyJSON()))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"ab", "<s>", "  x\n", "é", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ids := tok.Encode(s)
		if _, err := tok.Decode(ids); err != nil {
			t.Fatalf("decode of encode(%q): %v", s, err)
		}
	})
}

// BenchmarkEncode measures tokens/s on ~100 KB of mixed text (the parity
// fixture's strings, joined), with a cold word cache each iteration.
func BenchmarkEncode(b *testing.B) {
	tok := qwen3(b)
	data, err := os.ReadFile("testdata/parity.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	var sb strings.Builder
	for _, line := range strings.Split(string(data), "\n") {
		var c struct{ Text string }
		if json.Unmarshal([]byte(line), &c) == nil {
			sb.WriteString(c.Text)
			sb.WriteString("\n")
		}
		if sb.Len() > 100_000 {
			break
		}
	}
	text := sb.String()
	n := len(tok.Encode(text))
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tok.mu.Lock()
		tok.cache = map[string][]int{}
		tok.mu.Unlock()
		tok.Encode(text)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}
