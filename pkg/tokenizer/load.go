package tokenizer

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/dlclark/regexp2"
)

type fileJSON struct {
	AddedTokens []addedToken `json:"added_tokens"`
	Normalizer  *struct {
		Type string `json:"type"`
	} `json:"normalizer"`
	PreTokenizer json.RawMessage `json:"pre_tokenizer"`
	Model        struct {
		Type                    string            `json:"type"`
		Vocab                   map[string]int    `json:"vocab"`
		Merges                  []json.RawMessage `json:"merges"`
		Dropout                 *float64          `json:"dropout"`
		ContinuingSubwordPrefix string            `json:"continuing_subword_prefix"`
		EndOfWordSuffix         string            `json:"end_of_word_suffix"`
		IgnoreMerges            bool              `json:"ignore_merges"`
	} `json:"model"`
}

type preTok struct {
	Type          string   `json:"type"`
	Pretokenizers []preTok `json:"pretokenizers"`
	Pattern       *struct {
		Regex  *string `json:"Regex"`
		String *string `json:"String"`
	} `json:"pattern"`
	Behavior       string `json:"behavior"`
	Invert         bool   `json:"invert"`
	UseRegex       *bool  `json:"use_regex"`
	AddPrefixSpace bool   `json:"add_prefix_space"`
}

// matchTimeout bounds one regex match. Real split patterns (GPT-2's,
// Qwen's) match in microseconds; a catastrophically backtracking one in a
// broken file would otherwise hang Encode (the fuzzer found such
// patterns). On a timeout the rest of the text is encoded as one word.
const matchTimeout = 5 * time.Second

// gpt2Pattern is what a ByteLevel pre-tokenizer with use_regex splits by.
const gpt2Pattern = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`

func parse(data []byte) (*Tokenizer, error) {
	var f fileJSON
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("not a valid tokenizer.json: %w", err)
	}
	m := &f.Model
	switch {
	case m.Type != "BPE":
		return nil, fmt.Errorf("model.type is %q; only BPE is supported", m.Type)
	case len(m.Vocab) == 0:
		return nil, errors.New("model.vocab is missing or empty")
	case m.Dropout != nil && *m.Dropout != 0:
		return nil, fmt.Errorf("model.dropout is %g; only deterministic BPE is supported", *m.Dropout)
	case m.ContinuingSubwordPrefix != "" || m.EndOfWordSuffix != "":
		return nil, errors.New("model.continuing_subword_prefix/end_of_word_suffix are not supported (not a byte-level BPE)")
	case m.IgnoreMerges:
		return nil, errors.New("model.ignore_merges is not supported")
	}
	t := &Tokenizer{vocab: m.Vocab, cache: map[string][]int{}}
	if err := t.buildIDs(f.AddedTokens); err != nil {
		return nil, err
	}
	if err := t.buildMerges(m.Merges); err != nil {
		return nil, err
	}
	switch {
	case f.Normalizer == nil:
	case f.Normalizer.Type == "NFC":
		t.nfc = true
	default:
		return nil, fmt.Errorf("normalizer %q is not supported (NFC or none)", f.Normalizer.Type)
	}
	pattern, err := splitPattern(f.PreTokenizer)
	if err != nil {
		return nil, err
	}
	if t.split, err = compile(pattern); err != nil {
		return nil, fmt.Errorf("pre_tokenizer regex %q: %w", pattern, err)
	}
	t.split.MatchTimeout = matchTimeout
	return t, nil
}

// buildIDs fills the id → token table and the added tokens. Ids must be
// dense enough for a table: a real vocabulary uses 0..n-1.
func (t *Tokenizer) buildIDs(added []addedToken) error {
	limit := 2*(len(t.vocab)+len(added)) + 1024
	maxID := 0
	for s, id := range t.vocab {
		if id < 0 || id >= limit {
			return fmt.Errorf("model.vocab: token %q has id %d, outside 0..%d", s, id, limit-1)
		}
		maxID = max(maxID, id)
	}
	for i, a := range added {
		if a.ID < 0 || a.ID >= limit || a.Content == "" {
			return fmt.Errorf("added_tokens[%d]: id %d, content %q: want a non-empty content and an id in 0..%d", i, a.ID, a.Content, limit-1)
		}
		if a.SingleWord || a.LStrip || a.RStrip {
			return fmt.Errorf("added_tokens[%d] %q: single_word, lstrip and rstrip are not supported", i, a.Content)
		}
		maxID = max(maxID, a.ID)
	}
	t.tokens = make([]string, maxID+1)
	for s, id := range t.vocab {
		if s == "" {
			return errors.New("model.vocab has an empty token")
		}
		if prev := t.tokens[id]; prev != "" {
			return fmt.Errorf("model.vocab: id %d is used by both %q and %q", id, prev, s)
		}
		t.tokens[id] = s
	}
	for i, b := range byteToRune {
		id, ok := t.vocab[string(b)]
		if !ok {
			return fmt.Errorf("model.vocab lacks the byte-level token %q for byte 0x%02x: not a byte-level BPE", string(b), i)
		}
		t.byteID[i] = id
	}
	t.addedByID = map[int]string{}
	t.addedByString = map[string]int{}
	for _, a := range added {
		t.addedByID[a.ID] = a.Content
		t.addedByString[a.Content] = a.ID
		if a.Normalized {
			t.normed = append(t.normed, a)
		} else {
			t.raw = append(t.raw, a)
		}
	}
	// Longest first, so that at equal positions the longest token wins.
	for _, l := range [][]addedToken{t.raw, t.normed} {
		sort.SliceStable(l, func(i, j int) bool { return len(l[i].Content) > len(l[j].Content) })
	}
	return nil
}

// buildMerges reads the merges in either format and checks whether merge
// i yields id 256+i, in which case the rank alone gives the merged id.
func (t *Tokenizer) buildMerges(merges []json.RawMessage) error {
	t.merges = make(map[uint64]int32, len(merges))
	ids := make([]int32, len(merges))
	ordered := true
	for i, raw := range merges {
		a, b, err := mergePair(raw)
		if err != nil {
			return fmt.Errorf("model.merges[%d]: %w", i, err)
		}
		ia, oka := t.vocab[a]
		ib, okb := t.vocab[b]
		im, okm := t.vocab[a+b]
		if !oka || !okb || !okm {
			return fmt.Errorf("model.merges[%d]: %q + %q uses a token missing from model.vocab", i, a, b)
		}
		// A repeated pair takes its last rank, as the Rust library's
		// HashMap collect does.
		t.merges[uint64(ia)<<32|uint64(ib)] = int32(i)
		ids[i] = int32(im)
		ordered = ordered && im == 256+i
	}
	if !ordered {
		t.mergeID = ids
	}
	return nil
}

// mergePair accepts both merge formats: "a b" and ["a", "b"].
func mergePair(raw json.RawMessage) (string, string, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		parts := strings.Split(s, " ")
		if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
			return "", "", fmt.Errorf("%q is not two tokens separated by one space", s)
		}
		return parts[0], parts[1], nil
	}
	var p []string
	if err := json.Unmarshal(raw, &p); err != nil || len(p) != 2 || p[0] == "" || p[1] == "" {
		return "", "", fmt.Errorf("%s is neither \"a b\" nor [\"a\", \"b\"]", truncate(string(raw), 40))
	}
	return p[0], p[1], nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// splitPattern finds the one regex the words are split by: a Split
// pre-tokenizer's (alone or in a Sequence with a non-splitting
// ByteLevel, as Qwen2/3 have it), or the GPT-2 pattern of a ByteLevel
// that splits by itself.
func splitPattern(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", errors.New("pre_tokenizer is missing")
	}
	var p preTok
	if err := json.Unmarshal(raw, &p); err != nil {
		return "", fmt.Errorf("pre_tokenizer: %w", err)
	}
	list := []preTok{p}
	if p.Type == "Sequence" {
		list = p.Pretokenizers
	}
	var patterns []string
	byteLevel := false
	for i, q := range list {
		switch q.Type {
		case "Split":
			if q.Pattern == nil || (q.Pattern.Regex == nil) == (q.Pattern.String == nil) {
				return "", fmt.Errorf("pre_tokenizer %d: Split needs a pattern with Regex or String", i)
			}
			if q.Behavior != "Isolated" || q.Invert {
				return "", fmt.Errorf("pre_tokenizer %d: Split behavior %q invert %v is not supported (Isolated only)", i, q.Behavior, q.Invert)
			}
			if q.Pattern.Regex != nil {
				patterns = append(patterns, *q.Pattern.Regex)
			} else {
				patterns = append(patterns, regexp2.Escape(*q.Pattern.String))
			}
		case "ByteLevel":
			if q.AddPrefixSpace {
				return "", fmt.Errorf("pre_tokenizer %d: ByteLevel add_prefix_space is not supported", i)
			}
			byteLevel = true
			if q.UseRegex == nil || *q.UseRegex {
				patterns = append(patterns, gpt2Pattern)
			}
		default:
			return "", fmt.Errorf("pre_tokenizer %d: type %q is not supported (Split, ByteLevel)", i, q.Type)
		}
	}
	switch {
	case !byteLevel:
		return "", errors.New("pre_tokenizer has no ByteLevel step: not a byte-level BPE")
	case len(patterns) != 1:
		return "", fmt.Errorf("pre_tokenizer splits by %d regexes; exactly one is supported", len(patterns))
	}
	return patterns[0], nil
}

// compile turns regexp2's panics on odd patterns (it has had some) into
// errors: Load must not panic on any file.
func compile(pattern string) (re *regexp2.Regexp, err error) {
	defer func() {
		if r := recover(); r != nil {
			re, err = nil, fmt.Errorf("%v", r)
		}
	}()
	return regexp2.Compile(pattern, regexp2.None)
}
