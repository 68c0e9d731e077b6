package artifacts

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"time"
)

// JournalFile is the crash journal a real run appends to inside its
// temporary directory while it replays. A run that ends normally removes
// it before the directory is committed; one that crashed leaves it behind
// for recovery.
const JournalFile = "journal.jsonl"

// Journal record types: the value of every line's "type" field.
const (
	JournalTypeHeader  = "header"
	JournalTypeRequest = "request"
	JournalTypeBatch   = "batch"
)

// JournalHeader is the journal's first line: what recovery needs to
// rebuild run_meta.json and config.yaml without the process that wrote it.
type JournalHeader struct {
	RunID string
	// PID is the writing process; a journal whose process is gone belongs
	// to a crashed run.
	PID  int
	Host string
	// WorkDir is the writer's working directory: relative paths in the
	// configuration and Meta (the workload directory) are relative to it.
	WorkDir string
	// Batches says whether the backend knows its iterations, i.e. whether
	// the run has a batch_metrics.csv.
	Batches bool
	// ConfigYAML is the resolved configuration, config.yaml's bytes.
	ConfigYAML string
	// Meta is run_meta.json as known when the replay started: run id,
	// backend, workload (id, dir, file hashes), started_at, device, model,
	// scheduler. Status, counts and duration are left empty.
	Meta RunMeta
}

// JournalRequest is one request that ended (completed or failed), with the
// raw times its rows derive from.
type JournalRequest struct {
	RequestID        int
	ArrivedAt        float64 // s, arrival × time_scale
	ScheduledAt      float64 // s; NaN when unknown
	NumPrefillTokens int
	NumDecodeTokens  int // requested
	NumRestarts      int
	Status           string // StatusOK or StatusFailed
	FailureReason    string
	// TokenTimes holds each output token's completion time (s), in token
	// order; empty for a failed request.
	TokenTimes []float64
	// BatchSizes is the batch size of each token (0 = unknown); nil when
	// the backend knows none.
	BatchSizes []int
}

// Record returns the request_metrics.csv row of q: a completed request's
// prefill and completion times are its first and last token's.
func (q *JournalRequest) Record() RequestRecord {
	r := RequestRecord{RequestID: q.RequestID, ArrivedAt: q.ArrivedAt, ScheduledAt: q.ScheduledAt,
		PrefillCompletedAt: math.NaN(), CompletedAt: math.NaN(), NumPrefillTokens: q.NumPrefillTokens,
		NumDecodeTokens: q.NumDecodeTokens, NumRestarts: q.NumRestarts, Status: q.Status, FailureReason: q.FailureReason}
	if q.Status == StatusOK && len(q.TokenTimes) > 0 {
		r.PrefillCompletedAt, r.CompletedAt = q.TokenTimes[0], q.TokenTimes[len(q.TokenTimes)-1]
		r.NumDecodeTokensActual = len(q.TokenTimes)
	}
	return r
}

// Journal is a journal file read back.
type Journal struct {
	Header   JournalHeader
	Requests []JournalRequest // in the order they ended
	Batches  []BatchRow       // sorted by batch_id
	// TornLine is the number of the last line when it was cut short (the
	// writer died inside a write) and so dropped; 0 when none was.
	TornLine int
}

// The JSON forms. Every line carries its type; unknown fields are errors,
// as everywhere in the schema.

type journalHeaderJSON struct {
	Type          string  `json:"type"`
	SchemaVersion int     `json:"schema_version"`
	RunID         string  `json:"run_id"`
	PID           int     `json:"pid"`
	Host          string  `json:"host"`
	WorkDir       string  `json:"work_dir"`
	Batches       bool    `json:"batches"`
	ConfigYAML    string  `json:"config_yaml"`
	Meta          RunMeta `json:"meta"`
}

type journalRequestJSON struct {
	Type             string    `json:"type"`
	RequestID        int       `json:"request_id"`
	ArrivedAt        float64   `json:"arrived_at"`
	ScheduledAt      *float64  `json:"scheduled_at"` // null when unknown
	NumPrefillTokens int       `json:"num_prefill_tokens"`
	NumDecodeTokens  int       `json:"num_decode_tokens"`
	NumRestarts      int       `json:"num_restarts"`
	Status           string    `json:"status"`
	FailureReason    string    `json:"failure_reason,omitempty"`
	TokenTimes       []float64 `json:"token_times"`
	BatchSizes       []int     `json:"batch_sizes,omitempty"`
}

type journalBatchJSON struct {
	Type             string  `json:"type"`
	BatchID          int     `json:"batch_id"`
	ScheduledAt      float64 `json:"scheduled_at"`
	CompletedAt      float64 `json:"completed_at"`
	BatchSize        int     `json:"batch_size"`
	NumPrefillTokens int     `json:"num_prefill_tokens"`
	NumDecodeTokens  int     `json:"num_decode_tokens"`
}

// ReadJournalFile reads a journal file.
func ReadJournalFile(path string) (*Journal, error) {
	return ReadFile(path, ReadJournal)
}

// ReadJournal reads a journal. The first line must be the header. A last
// line without its newline is what a crash inside a write leaves: it is
// dropped and reported in TornLine, never an error. Any other line that
// does not parse, or breaks a rule, is an error naming path and line.
func ReadJournal(path string, r io.Reader) (*Journal, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	j := &Journal{}
	lines := bytes.Split(data, []byte("\n"))
	// Split leaves "" after a final newline; anything else there is a
	// line the writer did not finish.
	last := lines[len(lines)-1]
	lines = lines[:len(lines)-1]
	if len(last) > 0 {
		j.TornLine = len(lines) + 1
	}
	p := journalParser{path: path, j: j, requests: map[int]bool{}, batches: map[int]bool{}}
	for i, b := range lines {
		if err := p.line(i+1, b); err != nil {
			return nil, err
		}
	}
	if !p.sawHeader {
		what := "it is empty"
		if j.TornLine > 0 {
			what = "its only line was cut short"
		}
		return nil, &FileError{Path: path, Err: fmt.Errorf("no header record: %s (the run stopped before its replay started)", what)}
	}
	sort.SliceStable(j.Batches, func(a, b int) bool { return j.Batches[a].BatchID < j.Batches[b].BatchID })
	return j, nil
}

// ReadJournalHeader reads only a journal's header line: enough to tell
// whose journal it is without reading a long run's records.
func ReadJournalHeader(path string) (*JournalHeader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := bufio.NewReader(f).ReadBytes('\n')
	if errors.Is(err, io.EOF) {
		return nil, &FileError{Path: path, Err: errors.New("no header record: the first line is missing or cut short")}
	}
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	p := journalParser{path: path, j: &Journal{}}
	if err := p.line(1, b[:len(b)-1]); err != nil {
		return nil, err
	}
	if !p.sawHeader {
		return nil, &FileError{Path: path, Err: errors.New("no header record")}
	}
	return &p.j.Header, nil
}

type journalParser struct {
	path      string
	j         *Journal
	sawHeader bool
	requests  map[int]bool
	batches   map[int]bool
}

func (p *journalParser) fail(line int, field string, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if field != "" {
		msg = fmt.Sprintf("field %q: %s", field, msg)
	}
	return &FileError{Path: p.path, Line: line, Err: errors.New(msg)}
}

// line parses one line; n is its 1-based number.
func (p *journalParser) line(n int, b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	var probe struct {
		Type string `json:"type"`
	}
	// The probe is lenient (other fields are the record's); the strict
	// decode of the record itself follows.
	if err := json.Unmarshal(b, &probe); err != nil {
		return jsonError(p.path, b, err, n)
	}
	if !p.sawHeader {
		if probe.Type != JournalTypeHeader {
			return p.fail(n, "type", "the first record is %q, want %q", probe.Type, JournalTypeHeader)
		}
		return p.header(n, b)
	}
	switch probe.Type {
	case JournalTypeRequest:
		return p.request(n, b)
	case JournalTypeBatch:
		return p.batch(n, b)
	case JournalTypeHeader:
		return p.fail(n, "type", "a second header record")
	}
	return p.fail(n, "type", "%q is not %s, %s or %s", probe.Type, JournalTypeHeader, JournalTypeRequest, JournalTypeBatch)
}

func (p *journalParser) header(n int, b []byte) error {
	var h journalHeaderJSON
	if err := decodeJSON(p.path, b, &h, n); err != nil {
		return err
	}
	if h.SchemaVersion != SchemaVersion {
		return p.fail(n, "schema_version", "%d is not the version this build reads (%d); use tools of the matching version", h.SchemaVersion, SchemaVersion)
	}
	switch {
	case h.RunID == "":
		return p.fail(n, "run_id", "empty")
	case h.PID <= 0:
		return p.fail(n, "pid", "%d must be > 0", h.PID)
	case h.Meta.RunID != h.RunID:
		return p.fail(n, "meta", "run_id %q differs from the header's %q", h.Meta.RunID, h.RunID)
	}
	if _, err := time.Parse(time.RFC3339Nano, h.Meta.StartedAt); err != nil {
		return p.fail(n, "meta", "started_at %q is not an RFC 3339 time", h.Meta.StartedAt)
	}
	p.j.Header = JournalHeader{RunID: h.RunID, PID: h.PID, Host: h.Host, WorkDir: h.WorkDir, Batches: h.Batches, ConfigYAML: h.ConfigYAML, Meta: h.Meta}
	p.sawHeader = true
	return nil
}

func (p *journalParser) request(n int, b []byte) error {
	var q journalRequestJSON
	if err := decodeJSON(p.path, b, &q, n); err != nil {
		return err
	}
	if err := p.checkRequest(n, &q); err != nil {
		return err
	}
	p.requests[q.RequestID] = true
	r := JournalRequest{RequestID: q.RequestID, ArrivedAt: q.ArrivedAt, ScheduledAt: math.NaN(),
		NumPrefillTokens: q.NumPrefillTokens, NumDecodeTokens: q.NumDecodeTokens, NumRestarts: q.NumRestarts,
		Status: q.Status, FailureReason: q.FailureReason, TokenTimes: q.TokenTimes, BatchSizes: q.BatchSizes}
	if q.ScheduledAt != nil {
		r.ScheduledAt = *q.ScheduledAt
	}
	p.j.Requests = append(p.j.Requests, r)
	return nil
}

// checkRequest holds a request record to the rules request_metrics.csv
// and token_metrics.csv are read with, so that a journal that reads
// becomes a run directory that reads.
func (p *journalParser) checkRequest(n int, q *journalRequestJSON) error {
	for _, c := range []struct {
		name string
		v    int
	}{{"request_id", q.RequestID}, {"num_prefill_tokens", q.NumPrefillTokens}, {"num_decode_tokens", q.NumDecodeTokens}, {"num_restarts", q.NumRestarts}} {
		if c.v < 0 {
			return p.fail(n, c.name, "%d is negative", c.v)
		}
	}
	if p.requests[q.RequestID] {
		return p.fail(n, "request_id", "request %d appears twice", q.RequestID)
	}
	if q.ScheduledAt != nil && *q.ScheduledAt < q.ArrivedAt {
		return p.fail(n, "scheduled_at", "%g is before arrived_at %g", *q.ScheduledAt, q.ArrivedAt)
	}
	switch q.Status {
	case StatusOK:
		if len(q.TokenTimes) == 0 {
			return p.fail(n, "token_times", "empty for a request with status ok")
		}
	case StatusFailed:
		if len(q.TokenTimes) > 0 {
			return p.fail(n, "token_times", "a failed request keeps no tokens, got %d", len(q.TokenTimes))
		}
	default:
		return p.fail(n, "status", "%q must be %q or %q", q.Status, StatusOK, StatusFailed)
	}
	if len(q.TokenTimes) > q.NumDecodeTokens {
		return p.fail(n, "token_times", "%d tokens, more than the %d requested", len(q.TokenTimes), q.NumDecodeTokens)
	}
	prev := q.ArrivedAt
	for i, t := range q.TokenTimes {
		if t < prev {
			return p.fail(n, "token_times", "token %d at %g is before %g (arrival or the previous token)", i, t, prev)
		}
		prev = t
	}
	if q.BatchSizes != nil && len(q.BatchSizes) != len(q.TokenTimes) {
		return p.fail(n, "batch_sizes", "%d sizes for %d tokens", len(q.BatchSizes), len(q.TokenTimes))
	}
	for i, s := range q.BatchSizes {
		if s < 0 {
			return p.fail(n, "batch_sizes", "token %d: %d is negative (0 = unknown)", i, s)
		}
	}
	return nil
}

func (p *journalParser) batch(n int, b []byte) error {
	var q journalBatchJSON
	if err := decodeJSON(p.path, b, &q, n); err != nil {
		return err
	}
	for _, c := range []struct {
		name string
		v    int
	}{{"batch_id", q.BatchID}, {"batch_size", q.BatchSize}, {"num_prefill_tokens", q.NumPrefillTokens}, {"num_decode_tokens", q.NumDecodeTokens}} {
		if c.v < 0 {
			return p.fail(n, c.name, "%d is negative", c.v)
		}
	}
	switch {
	case p.batches[q.BatchID]:
		return p.fail(n, "batch_id", "batch %d appears twice", q.BatchID)
	case q.CompletedAt < q.ScheduledAt:
		return p.fail(n, "completed_at", "%g is before scheduled_at %g", q.CompletedAt, q.ScheduledAt)
	}
	p.batches[q.BatchID] = true
	p.j.Batches = append(p.j.Batches, BatchRow{BatchID: q.BatchID, ScheduledAt: q.ScheduledAt, CompletedAt: q.CompletedAt,
		BatchSize: q.BatchSize, NumPrefillTokens: q.NumPrefillTokens, NumDecodeTokens: q.NumDecodeTokens})
	return nil
}
