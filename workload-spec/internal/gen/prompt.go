package gen

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"unicode"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// Tokenizer is what prompt cutting needs of a tokenizer.
type Tokenizer interface {
	Encode(text string) []int
	Decode(ids []int) (string, error)
}

// Prompter makes prompt texts of an exact token count.
type Prompter struct {
	tok     Tokenizer
	corpus  []string // nil: the built-in generator
	fillers []string // words that encode to exactly one token after a space
	seed    uint64
}

// NewPrompter prepares prompts from the built-in generator or a corpus.
func NewPrompter(tok Tokenizer, s *Settings) (*Prompter, error) {
	p := &Prompter{tok: tok, seed: s.Seed}
	if s.Prompt.Source == "corpus" {
		docs, err := readCorpus(s.Prompt.CorpusFile)
		if err != nil {
			return nil, err
		}
		p.corpus = docs
	}
	for _, w := range words {
		if len(tok.Encode(" "+w)) == 1 {
			p.fillers = append(p.fillers, w)
		}
	}
	if len(p.fillers) == 0 {
		return nil, errors.New("tokenizer: none of the built-in words is a single token; is this a byte-level BPE tokenizer?")
	}
	return p, nil
}

// readCorpus reads plain text (one document) or JSONL whose objects carry
// a "text" field (or ShareGPT's "conversations" list of {"value"}).
func readCorpus(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("workload.prompt.corpus_file: %w", err)
	}
	if !strings.HasSuffix(path, ".jsonl") && !strings.HasSuffix(path, ".json") {
		if len(bytes.TrimSpace(data)) == 0 {
			return nil, fmt.Errorf("%s: empty corpus", path)
		}
		return []string{string(data)}, nil
	}
	var docs []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<16), 1<<28)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var obj struct {
			Text          *string `json:"text"`
			Conversations []struct {
				Value string `json:"value"`
			} `json:"conversations"`
		}
		if err := json.Unmarshal(b, &obj); err != nil {
			return nil, fmt.Errorf("%s:%d: invalid JSON: %v", path, line, err)
		}
		switch {
		case obj.Text != nil:
			docs = append(docs, *obj.Text)
		case len(obj.Conversations) > 0:
			var parts []string
			for _, c := range obj.Conversations {
				parts = append(parts, c.Value)
			}
			docs = append(docs, strings.Join(parts, "\n\n"))
		default:
			return nil, fmt.Errorf("%s:%d: object has no \"text\" field (nor ShareGPT \"conversations\")", path, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", path, line+1, err)
	}
	var nonEmpty []string
	for _, d := range docs {
		if strings.TrimSpace(d) != "" {
			nonEmpty = append(nonEmpty, d)
		}
	}
	if len(nonEmpty) == 0 {
		return nil, fmt.Errorf("%s: no non-empty documents", path)
	}
	return nonEmpty, nil
}

// Prompt returns request id's prompt text and its token ids, exactly n of
// them, verified by re-encoding. Cutting a token list at n and decoding is
// not enough: BPE merges across the cut can change the ids, so the cut is
// moved back to a word start and the rest filled with single-token words.
func (p *Prompter) Prompt(id, n int) (artifacts.Prompt, error) {
	r := rand.New(rand.NewPCG(p.seed, streamPrompt<<32|uint64(id)))
	text := p.source(r, n)
	ids := p.tok.Encode(text)
	for len(ids) <= n {
		text += " " + p.source(r, n)
		ids = p.tok.Encode(text)
	}
	m := n
	for m > 0 && !p.wordStart(ids[m]) {
		m--
	}
	var b strings.Builder
	if m > 0 {
		prefix, err := p.tok.Decode(ids[:m])
		if err != nil {
			return artifacts.Prompt{}, fmt.Errorf("request %d: %w", id, err)
		}
		b.WriteString(prefix)
	}
	for i := m; i < n; i++ {
		w := p.fillers[r.IntN(len(p.fillers))]
		if i == 0 {
			// A prompt that starts with a filler has no leading space.
			if one := p.tok.Encode(w); len(one) == 1 {
				b.WriteString(w)
				continue
			}
		}
		b.WriteString(" " + w)
	}
	out := b.String()
	got := p.tok.Encode(out)
	if len(got) != n {
		return artifacts.Prompt{}, fmt.Errorf("request %d: prompt re-encodes to %d tokens, wanted %d (tokenizer boundary case; please report)", id, len(got), n)
	}
	return artifacts.Prompt{RequestID: id, Prompt: out, PromptTokenIDs: got, NumPrefillTokens: n}, nil
}

// wordStart reports whether a token begins with a space and a letter:
// the pre-tokenizer always splits before such a token, so a cut there is
// stable under re-encoding.
func (p *Prompter) wordStart(id int) bool {
	s, err := p.tok.Decode([]int{id})
	if err != nil || len(s) < 2 || s[0] != ' ' {
		return false
	}
	for _, c := range s[1:] {
		return unicode.IsLetter(c)
	}
	return false
}

// source returns text with at least about n tokens of material.
func (p *Prompter) source(r *rand.Rand, n int) string {
	if p.corpus == nil {
		return builtinText(r, n+16)
	}
	doc := p.corpus[r.IntN(len(p.corpus))]
	// Start at a word boundary somewhere in the document, wrapping around.
	start := r.IntN(len(doc))
	for start > 0 && start < len(doc) && doc[start-1] != ' ' && doc[start-1] != '\n' {
		start--
	}
	return strings.TrimLeft(doc[start:]+" "+doc[:start], " \n")
}
