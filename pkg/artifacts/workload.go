package artifacts

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
)

// File names inside a workload directory.
const (
	PromptsFile        = "prompts.jsonl"
	TraceLengthsFile   = "trace_lengths.csv"
	TraceIntervalsFile = "trace_intervals.csv"
	TraceReplayFile    = "trace_replay.csv"
	WorkloadMetaFile   = "workload_meta.json"
	ConfigFile         = "config.yaml"
)

// Prompt is one line of prompts.jsonl.
type Prompt struct {
	RequestID        int    `json:"request_id"`
	Prompt           string `json:"prompt"`
	PromptTokenIDs   []int  `json:"prompt_token_ids"`
	NumPrefillTokens int    `json:"num_prefill_tokens"`
	NumDecodeTokens  int    `json:"num_decode_tokens"`
}

// Request is one request of a trace: when it arrives and how many tokens
// it prefills and decodes. It is the row of trace_replay.csv, and the join
// of trace_lengths.csv and trace_intervals.csv.
type Request struct {
	RequestID        int
	ArrivedAt        float64 // s since the trace's time 0
	NumPrefillTokens int
	NumDecodeTokens  int
}

// TokenizerRef identifies the tokenizer a workload was encoded with.
type TokenizerRef struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

// ModelRef identifies the model a workload or run is for.
type ModelRef struct {
	Name      string       `json:"name"`
	Tokenizer TokenizerRef `json:"tokenizer"`
}

// WorkloadCounts summarises a workload.
type WorkloadCounts struct {
	NumRequests        int     `json:"num_requests"`
	TotalPrefillTokens int     `json:"total_prefill_tokens"`
	TotalDecodeTokens  int     `json:"total_decode_tokens"`
	LastArrivalS       float64 `json:"last_arrival_s"`
}

// WorkloadMeta is workload_meta.json.
type WorkloadMeta struct {
	SchemaVersion int            `json:"schema_version"`
	WorkloadID    string         `json:"workload_id"`
	Generator     map[string]any `json:"generator"`
	Seed          uint64         `json:"seed"`
	Model         ModelRef       `json:"model"`
	Counts        WorkloadCounts `json:"counts"`
	ToolVersion   string         `json:"tool_version"`
}

// Workload is a whole workload directory in memory.
type Workload struct {
	Meta     WorkloadMeta
	Prompts  []Prompt
	Requests []Request
}

// Validate checks the workload's internal consistency.
func (w *Workload) Validate() error {
	if w.Meta.WorkloadID == "" {
		return errors.New("workload_id is empty")
	}
	if len(w.Prompts) != len(w.Requests) {
		return fmt.Errorf("%d prompts but %d trace rows", len(w.Prompts), len(w.Requests))
	}
	prev := 0.0
	for i, r := range w.Requests {
		p := w.Prompts[i]
		switch {
		case r.RequestID != i || p.RequestID != i:
			return fmt.Errorf("request %d: ids must be 0..N-1 in order", i)
		case p.NumPrefillTokens != r.NumPrefillTokens || p.NumDecodeTokens != r.NumDecodeTokens:
			return fmt.Errorf("request %d: prompts.jsonl has %d prefill and %d decode tokens, trace_lengths.csv %d and %d",
				i, p.NumPrefillTokens, p.NumDecodeTokens, r.NumPrefillTokens, r.NumDecodeTokens)
		case len(p.PromptTokenIDs) != p.NumPrefillTokens:
			return fmt.Errorf("request %d: %d prompt_token_ids but num_prefill_tokens %d", i, len(p.PromptTokenIDs), p.NumPrefillTokens)
		case r.ArrivedAt < prev:
			return fmt.Errorf("request %d: arrived_at %g is before the previous request's %g", i, r.ArrivedAt, prev)
		}
		prev = r.ArrivedAt
	}
	return nil
}

// WriteWorkload writes the five workload files into d.
func WriteWorkload(d *Dir, w *Workload) error {
	if err := w.Validate(); err != nil {
		return err
	}
	if err := d.WriteFile(PromptsFile, func(out io.Writer) error { return WritePrompts(out, w.Prompts) }); err != nil {
		return err
	}
	if err := d.WriteFile(TraceLengthsFile, func(out io.Writer) error {
		cw := NewCSVWriter(out, "request_id", "num_prefill_tokens", "num_decode_tokens")
		for _, r := range w.Requests {
			cw.Write(Int(r.RequestID), Int(r.NumPrefillTokens), Int(r.NumDecodeTokens))
		}
		return cw.Flush()
	}); err != nil {
		return err
	}
	if err := d.WriteFile(TraceIntervalsFile, func(out io.Writer) error {
		cw := NewCSVWriter(out, "request_id", "arrived_at", "inter_arrival_time")
		prev := 0.0
		for _, r := range w.Requests {
			cw.Write(Int(r.RequestID), Float(r.ArrivedAt), Float(r.ArrivedAt-prev))
			prev = r.ArrivedAt
		}
		return cw.Flush()
	}); err != nil {
		return err
	}
	if err := d.WriteFile(TraceReplayFile, func(out io.Writer) error { return WriteTraceReplay(out, w.Requests) }); err != nil {
		return err
	}
	return d.WriteFile(WorkloadMetaFile, func(out io.Writer) error { return writeJSON(out, w.Meta) })
}

// WritePrompts writes prompts.jsonl, one compact object per line.
func WritePrompts(w io.Writer, prompts []Prompt) error {
	for i := range prompts {
		var buf bytes.Buffer
		if err := encodeCompact(&buf, &prompts[i]); err != nil {
			return err
		}
		if _, err := w.Write(buf.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// WriteTraceReplay writes the CSV that Vidur's trace_replay request
// generator reads.
func WriteTraceReplay(w io.Writer, reqs []Request) error {
	cw := NewCSVWriter(w, "arrived_at", "num_prefill_tokens", "num_decode_tokens")
	for _, r := range reqs {
		cw.Write(Float(r.ArrivedAt), Int(r.NumPrefillTokens), Int(r.NumDecodeTokens))
	}
	return cw.Flush()
}

// ReadPrompts reads prompts.jsonl.
func ReadPrompts(path string, r io.Reader) ([]Prompt, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<30)
	var out []Prompt
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var p Prompt
		if err := decodeJSON(path, b, &p, line); err != nil {
			return nil, err
		}
		// Field stays empty: FileError names it a CSV column.
		if p.NumPrefillTokens < 0 {
			return nil, &FileError{Path: path, Line: line, Err: fmt.Errorf("field \"num_prefill_tokens\": %d is negative", p.NumPrefillTokens)}
		}
		if p.NumDecodeTokens < 0 {
			return nil, &FileError{Path: path, Line: line, Err: fmt.Errorf("field \"num_decode_tokens\": %d is negative", p.NumDecodeTokens)}
		}
		if len(p.PromptTokenIDs) != p.NumPrefillTokens {
			return nil, &FileError{Path: path, Line: line,
				Err: fmt.Errorf("field \"prompt_token_ids\": has %d ids but num_prefill_tokens is %d", len(p.PromptTokenIDs), p.NumPrefillTokens)}
		}
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		return nil, &FileError{Path: path, Line: line + 1, Err: err}
	}
	return out, nil
}

// ReadTraceReplay reads a Vidur trace-replay CSV (arrived_at,
// num_prefill_tokens, num_decode_tokens; extra columns ignored). Request
// ids are the row order. Arrivals must not go back in time.
func ReadTraceReplay(path string, r io.Reader) ([]Request, error) {
	return readTraceReplay(path, r, 0)
}

// readTraceReplay reads a trace into a slice sized for rows requests.
func readTraceReplay(path string, r io.Reader, rows int) ([]Request, error) {
	t, err := NewTable(path, r, "arrived_at", "num_prefill_tokens", "num_decode_tokens")
	if err != nil {
		return nil, err
	}
	out := make([]Request, 0, rows)
	prev := math.Inf(-1)
	for t.Next() {
		q := Request{
			RequestID:        len(out),
			ArrivedAt:        t.Float("arrived_at"),
			NumPrefillTokens: t.NonNegInt("num_prefill_tokens"),
			NumDecodeTokens:  t.NonNegInt("num_decode_tokens"),
		}
		if q.ArrivedAt < 0 {
			t.Fail("arrived_at", fmt.Errorf("%g is negative", q.ArrivedAt))
		} else if q.ArrivedAt < prev {
			t.Fail("arrived_at", fmt.Errorf("%g is before the previous row's %g (rows must be sorted by arrival)", q.ArrivedAt, prev))
		}
		if q.NumPrefillTokens == 0 {
			t.Fail("num_prefill_tokens", errors.New("must be at least 1"))
		}
		if t.Err() != nil {
			break
		}
		prev = q.ArrivedAt
		out = append(out, q)
	}
	return out, t.Err()
}

// ReadTraceReplayFile opens and reads a trace-replay CSV. It counts the
// file's lines first, so that the requests are read into one array of the
// right size rather than copied into ever larger ones, whose fresh pages
// each cost a page fault.
func ReadTraceReplayFile(path string) ([]Request, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	lines, err := countLines(f)
	if err != nil {
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return readTraceReplay(path, f, lines)
}

// countLines counts the newlines r holds.
func countLines(r io.Reader) (int, error) {
	buf := make([]byte, 32<<10)
	n := 0
	for {
		k, err := r.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// ReadWorkloadDir reads and cross-checks a workload directory.
func ReadWorkloadDir(dir string) (*Workload, error) {
	meta, err := ReadWorkloadMeta(dir)
	if err != nil {
		return nil, err
	}
	w := &Workload{Meta: *meta}
	if w.Prompts, err = ReadFile(filepath.Join(dir, PromptsFile), ReadPrompts); err != nil {
		return nil, err
	}
	lengths, err := ReadFile(filepath.Join(dir, TraceLengthsFile), readTraceLengths)
	if err != nil {
		return nil, err
	}
	arrivals, err := ReadFile(filepath.Join(dir, TraceIntervalsFile), readTraceIntervals)
	if err != nil {
		return nil, err
	}
	if len(lengths) != len(arrivals) {
		return nil, errorf(dir, "%s has %d rows but %s has %d", TraceLengthsFile, len(lengths), TraceIntervalsFile, len(arrivals))
	}
	for i := range lengths {
		lengths[i].ArrivedAt = arrivals[i]
	}
	w.Requests = lengths
	if err := w.Validate(); err != nil {
		return nil, errorf(dir, "inconsistent workload: %v", err)
	}
	return w, nil
}

// ReadFile opens path and reads it with one of the package's readers,
// which name path in their errors.
func ReadFile[T any](path string, read func(string, io.Reader) (T, error)) (T, error) {
	f, err := os.Open(path)
	if err != nil {
		var zero T
		return zero, err
	}
	defer f.Close()
	return read(path, f)
}

func readTraceLengths(path string, r io.Reader) ([]Request, error) {
	t, err := NewTable(path, r, "request_id", "num_prefill_tokens", "num_decode_tokens")
	if err != nil {
		return nil, err
	}
	var out []Request
	for t.Next() {
		q := Request{
			RequestID:        t.Int("request_id"),
			NumPrefillTokens: t.NonNegInt("num_prefill_tokens"),
			NumDecodeTokens:  t.NonNegInt("num_decode_tokens"),
		}
		if q.RequestID != len(out) && t.Err() == nil {
			t.Fail("request_id", fmt.Errorf("expected %d (ids run 0..N-1 in order)", len(out)))
		}
		if t.Err() != nil {
			break
		}
		out = append(out, q)
	}
	return out, t.Err()
}

func readTraceIntervals(path string, r io.Reader) ([]float64, error) {
	t, err := NewTable(path, r, "request_id", "arrived_at")
	if err != nil {
		return nil, err
	}
	var out []float64
	prev := 0.0
	for t.Next() {
		id := t.Int("request_id")
		at := t.Float("arrived_at")
		if id != len(out) && t.Err() == nil {
			t.Fail("request_id", fmt.Errorf("expected %d (ids run 0..N-1 in order)", len(out)))
		}
		if at < 0 {
			t.Fail("arrived_at", fmt.Errorf("%g is negative", at))
		} else if at < prev {
			t.Fail("arrived_at", fmt.Errorf("%g is before the previous row's %g (rows must be sorted by arrival)", at, prev))
		}
		prev = at
		if t.Err() != nil {
			break
		}
		out = append(out, at)
	}
	return out, t.Err()
}
