package tokenizer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// tiny describes a small synthetic tokenizer.json: the 256 byte tokens,
// the given extra tokens (ids from 256 on, in order) and merges.
type tiny struct {
	extra  []string
	merges any // []string "a b" or [][2]string
	added  []addedToken
	pre    any
}

func (c tiny) json() []byte {
	vocab := map[string]int{}
	for i, r := range byteToRune {
		vocab[string(r)] = i
	}
	for i, s := range c.extra {
		vocab[s] = 256 + i
	}
	pre := c.pre
	if pre == nil {
		pre = map[string]any{"type": "ByteLevel", "add_prefix_space": false, "use_regex": true}
	}
	merges := c.merges
	if merges == nil {
		merges = []string{}
	}
	b, err := json.Marshal(map[string]any{
		"added_tokens":  c.added,
		"normalizer":    map[string]string{"type": "NFC"},
		"pre_tokenizer": pre,
		"model":         map[string]any{"type": "BPE", "vocab": vocab, "merges": merges},
	})
	if err != nil {
		panic(err)
	}
	return b
}

func mustParse(t testing.TB, data []byte) *Tokenizer {
	t.Helper()
	tok, err := parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestTinyTokenizer(t *testing.T) {
	for _, merges := range []any{[]string{"a b", "ab c"}, [][2]string{{"a", "b"}, {"ab", "c"}}} {
		tok := mustParse(t, tiny{extra: []string{"ab", "abc"}, merges: merges,
			added: []addedToken{{ID: 300, Content: "<s>"}, {ID: 301, Content: "<s>x"}}}.json())
		if tok.mergeID != nil {
			t.Error("merges yielding 256+i not recognised as id-ordered")
		}
		// "<s>x" wins over "<s>" at the same position (longest).
		if got, want := tok.Encode("abc<s>b<s>xab"), []int{257, 300, 98, 301, 256}; !reflect.DeepEqual(got, want) {
			t.Errorf("%T merges: got %v, want %v", merges, got, want)
		}
	}
}

// Merges whose ids are not 256+i take the merged-id table; the rank, not
// the id, decides which pair merges first.
func TestUnorderedMerges(t *testing.T) {
	extra := []string{"bc", "ab"} // ids 256, 257
	ordered := mustParse(t, tiny{extra: extra, merges: []string{"b c", "a b"}}.json())
	if ordered.mergeID != nil {
		t.Error("merges yielding 256+i not recognised as id-ordered")
	}
	if got, want := ordered.Encode("abc"), []int{ordered.byteID['a'], 256}; !reflect.DeepEqual(got, want) {
		t.Errorf("b c ranked first: got %v, want %v", got, want)
	}
	unordered := mustParse(t, tiny{extra: extra, merges: []string{"a b", "b c"}}.json())
	if unordered.mergeID == nil {
		t.Fatal("merges not yielding 256+i taken as id-ordered")
	}
	if got, want := unordered.Encode("abc"), []int{257, unordered.byteID['c']}; !reflect.DeepEqual(got, want) {
		t.Errorf("a b ranked first: got %v, want %v", got, want)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, body []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, body, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	missing := filepath.Join(dir, "missing.json")
	splitPre := func(behavior string) any {
		return map[string]any{"type": "Sequence", "pretokenizers": []any{
			map[string]any{"type": "Split", "pattern": map[string]string{"Regex": `\s+`}, "behavior": behavior},
			map[string]any{"type": "ByteLevel", "use_regex": false}}}
	}
	cases := []struct{ path, want string }{
		{missing, missing + ": no such file"},
		{write("trunc.json", []byte(`{"model": {"type": "BPE", "vocab": `)), "trunc.json: not a valid tokenizer.json"},
		{write("array.json", []byte(`[1, 2]`)), "array.json: not a valid tokenizer.json"},
		{write("wp.json", []byte(`{"model": {"type": "WordPiece", "vocab": {"a": 0}}}`)), `wp.json: model.type is "WordPiece"`},
		{write("notype.json", []byte(`{"model": {"vocab": {"a": 0}}}`)), `notype.json: model.type is ""`},
		{write("empty.json", []byte(`{"model": {"type": "BPE", "vocab": {}}}`)), "empty.json: model.vocab is missing or empty"},
		{write("novocab.json", []byte(`{"model": {"type": "BPE"}}`)), "novocab.json: model.vocab is missing or empty"},
		{write("nobytes.json", []byte(`{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}`)), "not a byte-level BPE"},
		{write("bigid.json", []byte(`{"model": {"type": "BPE", "vocab": {"a": 99999999}}}`)), `token "a" has id 99999999`},
		{write("dupid.json", []byte(`{"model": {"type": "BPE", "vocab": {"a": 0, "b": 0}}}`)), "id 0 is used by both"},
		{write("badmerge.json", tiny{merges: []string{"abc"}}.json()), `model.merges[0]: "abc" is not two tokens`},
		{write("badpair.json", tiny{merges: [][]string{{"a", "b", "c"}}}.json()), `model.merges[0]: ["a","b","c"] is neither`},
		{write("oov.json", tiny{merges: []string{"a b"}}.json()), `model.merges[0]: "a" + "b" uses a token missing from model.vocab`},
		{write("lstrip.json", tiny{added: []addedToken{{ID: 1, Content: "<x>", LStrip: true}}}.json()), `added_tokens[0] "<x>": single_word, lstrip and rstrip are not supported`},
		{write("nopre.json", tiny{pre: map[string]any{"type": "Whitespace"}}.json()), `pre_tokenizer 0: type "Whitespace" is not supported`},
		{write("merged.json", tiny{pre: splitPre("MergedWithPrevious")}.json()), `Split behavior "MergedWithPrevious"`},
		{write("badre.json", tiny{pre: map[string]any{"type": "Sequence", "pretokenizers": []any{
			map[string]any{"type": "Split", "pattern": map[string]string{"Regex": `(`}, "behavior": "Isolated"},
			map[string]any{"type": "ByteLevel", "use_regex": false}}}}.json()), "pre_tokenizer regex \"(\""},
	}
	for _, tc := range cases {
		_, err := Load(tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Load(%s): %v\nwant an error containing %q", filepath.Base(tc.path), err, tc.want)
		}
	}
	if _, err := Load(write("ok.json", tiny{pre: splitPre("Isolated")}.json())); err != nil {
		t.Errorf("Split+ByteLevel: %v", err)
	}
}
