package tokenizer

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"sync"

	"github.com/dlclark/regexp2"
)

// Tokenizer encodes and decodes text. It is safe for concurrent use.
type Tokenizer struct {
	path string
	sha  string

	vocab  map[string]int
	tokens []string // id → token in the byte-level alphabet; "" if the id is unused
	byteID [256]int // id of each single byte's token

	// merges maps a pair of ids (a<<32 | b) to its merge rank. The merged
	// id is mergeID[rank], or 256+rank when mergeID is nil: the loader
	// checks whether merge i yields id 256+i (true for Qwen2/3), which
	// saves a table and a lookup.
	merges  map[uint64]int32
	mergeID []int32

	// Added tokens are split out before anything else. raw ones are matched
	// in the input as given, normed ones after NFC, as Hugging Face does.
	raw, normed   []addedToken // longest content first
	addedByID     map[int]string
	addedByString map[string]int

	nfc   bool
	split *regexp2.Regexp

	mu    sync.RWMutex
	cache map[string][]int // pre-token word → ids, bounded by maxCache
}

type addedToken struct {
	ID         int    `json:"id"`
	Content    string `json:"content"`
	Special    bool   `json:"special"`
	SingleWord bool   `json:"single_word"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	Normalized bool   `json:"normalized"`
}

// Load reads a Hugging Face tokenizer.json. Errors name the path and,
// for a file that is not a usable byte-level BPE, the field at fault.
func Load(path string) (*Tokenizer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	t, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %s: %w", path, err)
	}
	t.path = path
	sum := sha256.Sum256(data)
	t.sha = hex.EncodeToString(sum[:])
	return t, nil
}

// SHA256 returns the hex sha256 of the tokenizer.json bytes, so that
// artifacts can record exactly which tokenizer made their ids.
func (t *Tokenizer) SHA256() string { return t.sha }

// Path returns the file the tokenizer was loaded from.
func (t *Tokenizer) Path() string { return t.path }

// VocabSize returns the number of ids: the largest vocabulary or added
// token id plus one (151,669 for Qwen3; the model's embedding table is
// padded further, to config.json's vocab_size of 151,936).
func (t *Tokenizer) VocabSize() int { return len(t.tokens) }

// TokenID returns the id of an added token ("<|im_start|>") or of a
// vocabulary entry, spelled in the byte-level alphabet ("Ġworld" for
// " world").
func (t *Tokenizer) TokenID(s string) (int, bool) {
	if id, ok := t.addedByString[s]; ok {
		return id, true
	}
	id, ok := t.vocab[s]
	return id, ok
}
