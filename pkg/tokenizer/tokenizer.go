package tokenizer

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/dlclark/regexp2"
)

// Tokenizer encodes and decodes text. It is safe for concurrent use.
type Tokenizer struct {
	path    string
	sha     string
	vocab   map[string]int
	tokens  []string // id → token string (byte-level alphabet), "" if unused
	merges  map[uint64]merge
	added   []addedToken // longest content first
	addedID map[int]string
	split   *regexp2.Regexp
	nfc     bool
	byteID  [256]int // id of each single byte's token

	mu    sync.RWMutex
	cache map[string][]int
}

type merge struct {
	rank int
	id   int
}

type addedToken struct {
	ID      int    `json:"id"`
	Content string `json:"content"`
	Special bool   `json:"special"`
}

// maxCache bounds the word cache; past it, the cache is dropped and
// refilled (a workload's vocabulary of words is far smaller).
const maxCache = 1 << 16

type fileJSON struct {
	AddedTokens []addedToken `json:"added_tokens"`
	Normalizer  *struct {
		Type string `json:"type"`
	} `json:"normalizer"`
	PreTokenizer json.RawMessage `json:"pre_tokenizer"`
	Model        struct {
		Type   string            `json:"type"`
		Vocab  map[string]int    `json:"vocab"`
		Merges []json.RawMessage `json:"merges"`
	} `json:"model"`
}

type preTok struct {
	Type          string   `json:"type"`
	Pretokenizers []preTok `json:"pretokenizers"`
	Pattern       *struct {
		Regex  string `json:"Regex"`
		String string `json:"String"`
	} `json:"pattern"`
	UseRegex *bool `json:"use_regex"`
}

// gpt2Pattern is what a ByteLevel pre-tokenizer with use_regex splits by.
const gpt2Pattern = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`

// Load reads a tokenizer.json.
func Load(path string) (*Tokenizer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	t.path = path
	sum := sha256.Sum256(data)
	t.sha = hex.EncodeToString(sum[:])
	return t, nil
}

func parse(data []byte) (*Tokenizer, error) {
	var f fileJSON
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("not a valid tokenizer.json: %w", err)
	}
	if f.Model.Type != "BPE" {
		return nil, fmt.Errorf("model.type is %q, this tokenizer reads BPE only", f.Model.Type)
	}
	if len(f.Model.Vocab) == 0 {
		return nil, errors.New("model.vocab is missing or empty")
	}
	t := &Tokenizer{vocab: f.Model.Vocab, merges: map[uint64]merge{}, addedID: map[int]string{}, cache: map[string][]int{}}
	maxID := 0
	for s, id := range t.vocab {
		if id < 0 || id > 1<<24 {
			return nil, fmt.Errorf("model.vocab: token %q has id %d out of range", s, id)
		}
		maxID = max(maxID, id)
	}
	for _, a := range f.AddedTokens {
		if a.ID < 0 || a.ID > 1<<24 || a.Content == "" {
			return nil, fmt.Errorf("added_tokens: bad entry id %d content %q", a.ID, a.Content)
		}
		maxID = max(maxID, a.ID)
	}
	t.tokens = make([]string, maxID+1)
	for s, id := range t.vocab {
		t.tokens[id] = s
	}
	for i, b := range byteToRune {
		id, ok := t.vocab[string(b)]
		if !ok {
			return nil, fmt.Errorf("model.vocab lacks the byte-level token %q for byte 0x%02x: not a byte-level BPE", string(b), i)
		}
		t.byteID[i] = id
	}
	for i, raw := range f.Model.Merges {
		a, b, err := mergePair(raw)
		if err != nil {
			return nil, fmt.Errorf("model.merges[%d]: %w", i, err)
		}
		ia, oka := t.vocab[a]
		ib, okb := t.vocab[b]
		im, okm := t.vocab[a+b]
		if !oka || !okb || !okm {
			return nil, fmt.Errorf("model.merges[%d]: %q + %q uses a token missing from the vocab", i, a, b)
		}
		key := uint64(ia)<<32 | uint64(ib)
		if _, dup := t.merges[key]; !dup {
			t.merges[key] = merge{rank: i, id: im}
		}
	}
	t.added = append(t.added, f.AddedTokens...)
	sort.SliceStable(t.added, func(i, j int) bool { return len(t.added[i].Content) > len(t.added[j].Content) })
	for _, a := range t.added {
		t.addedID[a.ID] = a.Content
	}
	t.nfc = f.Normalizer != nil && f.Normalizer.Type == "NFC"
	if f.Normalizer != nil && f.Normalizer.Type != "NFC" {
		return nil, fmt.Errorf("normalizer %q is not supported (NFC or none)", f.Normalizer.Type)
	}
	pattern, err := splitPattern(f.PreTokenizer)
	if err != nil {
		return nil, err
	}
	if t.split, err = regexp2.Compile(pattern, regexp2.None); err != nil {
		return nil, fmt.Errorf("pre_tokenizer regex: %w", err)
	}
	return t, nil
}

// mergePair accepts both merge formats: "a b" and ["a", "b"].
func mergePair(raw json.RawMessage) (string, string, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		a, b, ok := strings.Cut(s, " ")
		if !ok {
			return "", "", fmt.Errorf("%q is not a pair", s)
		}
		return a, b, nil
	}
	var p []string
	if err := json.Unmarshal(raw, &p); err != nil || len(p) != 2 {
		return "", "", errors.New("neither \"a b\" nor [a, b]")
	}
	return p[0], p[1], nil
}

// splitPattern finds the regex of a Split pre-tokenizer (alone or in a
// Sequence with ByteLevel), or the GPT-2 pattern of a ByteLevel that
// splits by itself.
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
	for _, q := range list {
		switch q.Type {
		case "Split":
			if q.Pattern == nil {
				return "", errors.New("pre_tokenizer Split has no pattern")
			}
			if q.Pattern.Regex != "" {
				return q.Pattern.Regex, nil
			}
			return regexp2.Escape(q.Pattern.String), nil
		case "ByteLevel":
			if q.UseRegex == nil || *q.UseRegex {
				return gpt2Pattern, nil
			}
		}
	}
	return "", fmt.Errorf("pre_tokenizer %q: no Split regex found", p.Type)
}

// SHA256 returns the hex sha256 of the tokenizer.json bytes.
func (t *Tokenizer) SHA256() string { return t.sha }

// Path returns the file the tokenizer was loaded from.
func (t *Tokenizer) Path() string { return t.path }

// VocabSize returns the number of ids (the largest id + 1).
func (t *Tokenizer) VocabSize() int { return len(t.tokens) }

// TokenID returns the id of a vocabulary or added token.
func (t *Tokenizer) TokenID(s string) (int, bool) {
	if id, ok := t.vocab[s]; ok {
		return id, true
	}
	for _, a := range t.added {
		if a.Content == s {
			return a.ID, true
		}
	}
	return 0, false
}
