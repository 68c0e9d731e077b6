package artifacts

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
)

// File names inside a run directory.
const (
	RequestMetricsFile = "request_metrics.csv"
	TokenMetricsFile   = "token_metrics.csv"
	BatchMetricsFile   = "batch_metrics.csv"
	RunMetaFile        = "run_meta.json"
)

// Run kinds.
const (
	KindReal = "real"
	KindSim  = "sim"
)

// Run status values.
const (
	RunComplete    = "complete"
	RunInterrupted = "interrupted"
	RunFailed      = "failed"
	// RunCrashed is a run rebuilt from its journal after the process died:
	// what ended before the crash, the rest failed.
	RunCrashed = "crashed"
)

// RequestColumns is the header of request_metrics.csv: the raw columns,
// then the derived ones (recomputed on read, never trusted from the file),
// then failure_reason.
var RequestColumns = []string{
	"request_id", "arrived_at", "scheduled_at", "prefill_completed_at", "completed_at",
	"num_prefill_tokens", "num_decode_tokens", "num_decode_tokens_actual", "num_restarts", "status",
	"request_e2e_time", "prefill_e2e_time", "request_scheduling_delay",
	"decode_time_execution_plus_preemption_normalized", "tpot", "request_e2e_time_normalized",
	"failure_reason",
}

// requiredRequestColumns are the raw columns a reader needs.
var requiredRequestColumns = RequestColumns[:10]

// TokenColumns is the header of token_metrics.csv.
var TokenColumns = []string{"request_id", "token_index", "completed_at", "latency", "batch_size"}

// BatchColumns is the header of batch_metrics.csv.
var BatchColumns = []string{"batch_id", "scheduled_at", "completed_at", "batch_size", "num_prefill_tokens", "num_decode_tokens"}

// TokenRow is one output token.
type TokenRow struct {
	RequestID   int
	TokenIndex  int     // 0 = the token produced by the prefill
	CompletedAt float64 // s
	Latency     float64 // s; token 0: since arrival, token k: since token k−1
	BatchSize   int     // requests in the iteration that made it; 0 = unknown
	Line        int     // file line, for messages; 0 for a row not read from a file
}

// BatchRow is one engine or simulator iteration.
type BatchRow struct {
	BatchID          int
	ScheduledAt      float64
	CompletedAt      float64
	BatchSize        int
	NumPrefillTokens int
	NumDecodeTokens  int
}

// DeviceInfo describes where a run executed (or which hardware a
// simulation modelled).
type DeviceInfo struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Host        string `json:"host,omitempty"`
	Threads     int    `json:"threads,omitempty"`
}

// RunModel describes the model of a run.
type RunModel struct {
	Name         string `json:"name"`
	ConfigSHA256 string `json:"config_sha256,omitempty"`
	Weights      string `json:"weights"` // safetensors | synthetic | external (a server) | none (a simulation)
	// DType is how the engine stored the weights (bf16, fp32); empty for
	// servers and simulations.
	DType string `json:"dtype,omitempty"`
}

// RunWorkload ties a run to the workload it replayed.
type RunWorkload struct {
	WorkloadID string `json:"workload_id"`
	Dir        string `json:"dir,omitempty"`
	// Artifacts maps a workload file name to its sha256.
	Artifacts map[string]string `json:"artifacts,omitempty"`
}

// RunCounts summarises a run.
type RunCounts struct {
	Requests  int `json:"requests"`
	Completed int `json:"completed"`
	Failed    int `json:"failed"`
	Tokens    int `json:"tokens"`
	Batches   int `json:"batches"`
}

// RunMeta is run_meta.json, the same for real and simulated runs.
type RunMeta struct {
	SchemaVersion int    `json:"schema_version"`
	RunID         string `json:"run_id"`
	Kind          string `json:"kind"`
	Backend       string `json:"backend"`
	// Hardware is the hardware group the run was configured with (cpu,
	// a100, ...); empty in runs written before it was recorded.
	Hardware string      `json:"hardware,omitempty"`
	Device   DeviceInfo  `json:"device"`
	Model    RunModel    `json:"model"`
	Workload RunWorkload `json:"workload"`
	// Scheduler holds the scheduler settings the run used, under the
	// shared scheduler.* key names (SchedulerKeys) plus producer-specific
	// ones; num_kv_blocks is the KV capacity actually allocated.
	Scheduler   map[string]any `json:"scheduler"`
	StartedAt   string         `json:"started_at"` // wall clock, RFC 3339
	Duration    float64        `json:"duration"`   // s of run time (sim: simulated)
	Status      string         `json:"status"`
	Counts      RunCounts      `json:"counts"`
	Warnings    []string       `json:"warnings"`
	ToolVersion string         `json:"tool_version"`
	// Extra holds producer-specific facts (a predictor's hold-out error,
	// the client's measured overhead) under documented keys.
	Extra map[string]any `json:"extra,omitempty"`
	// Serving is the run's summary as `vllm bench serve` reports it
	// (ComputeServing); left out by producers that do not write it.
	// Readers that compare runs recompute it from the CSVs.
	Serving *ServingMetrics `json:"serving,omitempty"`
}

// Validate checks the fields every consumer relies on.
func (m *RunMeta) Validate() error {
	switch {
	case m.RunID == "":
		return errors.New("run_id is empty")
	case m.Kind != KindReal && m.Kind != KindSim:
		return fmt.Errorf("kind %q must be %q or %q", m.Kind, KindReal, KindSim)
	case m.Status != RunComplete && m.Status != RunInterrupted && m.Status != RunFailed && m.Status != RunCrashed:
		return fmt.Errorf("status %q must be complete, interrupted, failed or crashed", m.Status)
	}
	return nil
}

// RunWriter streams a run directory's CSVs, so a simulation of a million
// requests never holds them all. Call Close last, with the metadata.
type RunWriter struct {
	dir                *Dir
	files              []*os.File
	bufs               []*bufio.Writer
	req, tok, batch    *CSVWriter
	nReq, nTok, nBatch int
	nOK, nFailed       int
}

// NewRunWriter opens request_metrics.csv and, when asked,
// token_metrics.csv and batch_metrics.csv inside d.
func NewRunWriter(d *Dir, tokens, batches bool) (*RunWriter, error) {
	w := &RunWriter{dir: d}
	open := func(name string, cols []string) (*CSVWriter, error) {
		f, err := os.Create(d.Path(name))
		if err != nil {
			return nil, err
		}
		w.files = append(w.files, f)
		// A large buffer: a simulation writes millions of token rows.
		bw := bufio.NewWriterSize(f, 1<<20)
		w.bufs = append(w.bufs, bw)
		return NewCSVWriter(bw, cols...), nil
	}
	var err error
	if w.req, err = open(RequestMetricsFile, RequestColumns); err != nil {
		w.closeFiles()
		return nil, err
	}
	if tokens {
		if w.tok, err = open(TokenMetricsFile, TokenColumns); err != nil {
			w.closeFiles()
			return nil, err
		}
	}
	if batches {
		if w.batch, err = open(BatchMetricsFile, BatchColumns); err != nil {
			w.closeFiles()
			return nil, err
		}
	}
	return w, nil
}

func (w *RunWriter) closeFiles() {
	for _, f := range w.files {
		f.Close()
	}
	w.files = nil
}

// Request writes one request row with its derived metrics.
func (w *RunWriter) Request(r *RequestRecord) {
	w.nReq++
	if r.Status == StatusOK {
		w.nOK++
	} else {
		w.nFailed++
	}
	w.req.Write(requestFields(r)...)
}

func requestFields(r *RequestRecord) []string {
	m := r.Metrics()
	return []string{
		Int(r.RequestID), Float(r.ArrivedAt), Float(r.ScheduledAt), Float(r.PrefillCompletedAt), Float(r.CompletedAt),
		Int(r.NumPrefillTokens), Int(r.NumDecodeTokens), Int(r.NumDecodeTokensActual), Int(r.NumRestarts), r.Status,
		Float(m.E2E), Float(m.TTFT), Float(m.SchedulingDelay), Float(m.DecodeNormalized), Float(m.TPOT), Float(m.E2ENormalized),
		r.FailureReason,
	}
}

// Tokens writes the token rows of one request from its tokens' completion
// times; latencies are derived here. batchSizes may be nil (unknown).
func (w *RunWriter) Tokens(requestID int, arrivedAt float64, times []float64, batchSizes []int) {
	if w.tok == nil {
		return
	}
	lat := TokenLatencies(arrivedAt, times)
	for i, t := range times {
		bs := ""
		if i < len(batchSizes) && batchSizes[i] > 0 {
			bs = Int(batchSizes[i])
		}
		w.tok.Write(Int(requestID), Int(i), Float(t), Float(lat[i]), bs)
		w.nTok++
	}
}

// Batch writes one batch row.
func (w *RunWriter) Batch(b BatchRow) {
	if w.batch == nil {
		return
	}
	w.nBatch++
	w.batch.Write(Int(b.BatchID), Float(b.ScheduledAt), Float(b.CompletedAt), Int(b.BatchSize),
		Int(b.NumPrefillTokens), Int(b.NumDecodeTokens))
}

// Close flushes the CSVs, fills meta's counts and writes run_meta.json.
// It does not commit the directory.
func (w *RunWriter) Close(meta *RunMeta) error {
	var errs []error
	for _, cw := range []*CSVWriter{w.req, w.tok, w.batch} {
		if cw != nil {
			errs = append(errs, cw.Flush())
		}
	}
	for _, b := range w.bufs {
		errs = append(errs, b.Flush())
	}
	for _, f := range w.files {
		errs = append(errs, f.Close())
	}
	w.files, w.bufs = nil, nil
	// The first error only: on a full disk every file fails the same way,
	// and the message stays one line.
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	meta.SchemaVersion = SchemaVersion
	meta.Counts = RunCounts{Requests: w.nReq, Completed: w.nOK, Failed: w.nFailed, Tokens: w.nTok, Batches: w.nBatch}
	if meta.Warnings == nil {
		meta.Warnings = []string{}
	}
	if meta.ToolVersion == "" {
		meta.ToolVersion = ToolVersion
	}
	if err := meta.Validate(); err != nil {
		return err
	}
	return w.dir.WriteFile(RunMetaFile, func(out io.Writer) error { return writeJSON(out, meta) })
}

// Run is a run directory in memory.
type Run struct {
	Dir      string
	Meta     RunMeta
	Requests []RequestRecord // sorted by request id
	Tokens   []TokenRow      // nil when the run has no token_metrics.csv
	Batches  []BatchRow      // nil when the run has no batch_metrics.csv
}

// ReadRunDir reads a run directory. token_metrics.csv and
// batch_metrics.csv are optional.
func ReadRunDir(dir string) (*Run, error) {
	meta, err := ReadRunMeta(dir)
	if err != nil {
		return nil, err
	}
	run := &Run{Dir: dir, Meta: *meta}
	if run.Requests, err = ReadFile(filepath.Join(dir, RequestMetricsFile), ReadRequestMetrics); err != nil {
		return nil, err
	}
	if run.Tokens, err = readOptional(filepath.Join(dir, TokenMetricsFile), ReadTokenMetrics); err != nil {
		return nil, err
	}
	if err := checkTokens(filepath.Join(dir, TokenMetricsFile), run.Requests, run.Tokens); err != nil {
		return nil, err
	}
	if run.Batches, err = readOptional(filepath.Join(dir, BatchMetricsFile), ReadBatchMetrics); err != nil {
		return nil, err
	}
	return run, nil
}

// checkTokens holds the run directory's own invariant: token rows agree
// with request rows. A row of an unknown or failed request, a repeated or
// skipped token index, or more tokens than the request produced are
// hand-editing mistakes no single file shows. tokens are sorted by
// (request, index), as ReadTokenMetrics returns them.
func checkTokens(path string, reqs []RequestRecord, tokens []TokenRow) error {
	byID := make(map[int]*RequestRecord, len(reqs))
	for i := range reqs {
		byID[reqs[i].RequestID] = &reqs[i]
	}
	next := map[int]int{} // the token index each request expects next
	for _, t := range tokens {
		q, ok := byID[t.RequestID]
		var problem error
		switch {
		case !ok:
			problem = fmt.Errorf("token row for request %d, which is not in %s", t.RequestID, RequestMetricsFile)
		case q.Status != StatusOK:
			problem = fmt.Errorf("token row for request %d, whose status is %s", t.RequestID, q.Status)
		case t.TokenIndex != next[t.RequestID]:
			problem = fmt.Errorf("request %d: token_index %d follows %d rows (indexes must run 0, 1, 2, … once each)", t.RequestID, t.TokenIndex, next[t.RequestID])
		case t.TokenIndex >= q.NumDecodeTokensActual:
			problem = fmt.Errorf("request %d: token_index %d, but num_decode_tokens_actual is %d", t.RequestID, t.TokenIndex, q.NumDecodeTokensActual)
		}
		if problem != nil {
			return &FileError{Path: path, Line: t.Line, Err: problem}
		}
		next[t.RequestID]++
	}
	return nil
}

// ReadRunMeta reads and checks a run directory's run_meta.json.
func ReadRunMeta(dir string) (*RunMeta, error) {
	var m RunMeta
	path := filepath.Join(dir, RunMetaFile)
	if err := readJSONFile(path, &m); err != nil {
		return nil, err
	}
	if err := checkSchemaVersion(path, m.SchemaVersion); err != nil {
		return nil, err
	}
	if err := m.Validate(); err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	return &m, nil
}

func readOptional[T any](path string, read func(string, io.Reader) ([]T, error)) ([]T, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return ReadFile(path, read)
}

// ReadRequestMetrics reads request_metrics.csv, sorted by request id.
// Derived columns in the file are ignored: they are recomputed from the
// raw timestamps by [RequestRecord.Metrics].
func ReadRequestMetrics(path string, r io.Reader) ([]RequestRecord, error) {
	t, err := NewTable(path, r, requiredRequestColumns...)
	if err != nil {
		return nil, err
	}
	var out []RequestRecord
	seen := map[int]bool{}
	for t.Next() {
		q := RequestRecord{
			RequestID:             t.NonNegInt("request_id"),
			ArrivedAt:             t.Float("arrived_at"),
			ScheduledAt:           t.OptFloat("scheduled_at"),
			PrefillCompletedAt:    t.OptFloat("prefill_completed_at"),
			CompletedAt:           t.OptFloat("completed_at"),
			NumPrefillTokens:      t.NonNegInt("num_prefill_tokens"),
			NumDecodeTokens:       t.NonNegInt("num_decode_tokens"),
			NumDecodeTokensActual: t.NonNegInt("num_decode_tokens_actual"),
			NumRestarts:           t.NonNegInt("num_restarts"),
			Status:                t.String("status"),
			FailureReason:         t.String("failure_reason"),
		}
		switch {
		case t.Err() != nil:
		case q.Status != StatusOK && q.Status != StatusFailed:
			t.Fail("status", fmt.Errorf("%q must be %q or %q", q.Status, StatusOK, StatusFailed))
		case seen[q.RequestID]:
			t.Fail("request_id", fmt.Errorf("request %d appears twice", q.RequestID))
		case q.Status == StatusOK:
			checkOKTimes(t, &q)
		}
		if t.Err() != nil {
			break
		}
		seen[q.RequestID] = true
		out = append(out, q)
	}
	if t.Err() != nil {
		return nil, t.Err()
	}
	sort.Slice(out, func(i, j int) bool { return out[i].RequestID < out[j].RequestID })
	return out, nil
}

// checkOKTimes checks that a completed request's timestamps are present
// and in order.
func checkOKTimes(t *Table, q *RequestRecord) {
	if math.IsNaN(q.PrefillCompletedAt) {
		t.Fail("prefill_completed_at", errors.New("empty for a request with status ok"))
		return
	}
	if math.IsNaN(q.CompletedAt) {
		t.Fail("completed_at", errors.New("empty for a request with status ok"))
		return
	}
	if !math.IsNaN(q.ScheduledAt) && q.ScheduledAt < q.ArrivedAt {
		t.Fail("scheduled_at", fmt.Errorf("%g is before arrived_at %g", q.ScheduledAt, q.ArrivedAt))
	} else if q.PrefillCompletedAt < q.ArrivedAt {
		t.Fail("prefill_completed_at", fmt.Errorf("%g is before arrived_at %g", q.PrefillCompletedAt, q.ArrivedAt))
	} else if q.CompletedAt < q.PrefillCompletedAt {
		t.Fail("completed_at", fmt.Errorf("%g is before prefill_completed_at %g", q.CompletedAt, q.PrefillCompletedAt))
	} else if q.NumDecodeTokensActual > q.NumDecodeTokens {
		t.Fail("num_decode_tokens_actual", fmt.Errorf("%d is more than the %d requested", q.NumDecodeTokensActual, q.NumDecodeTokens))
	}
}

// ReadTokenMetrics reads token_metrics.csv.
func ReadTokenMetrics(path string, r io.Reader) ([]TokenRow, error) {
	t, err := NewTable(path, r, "request_id", "token_index", "completed_at", "latency")
	if err != nil {
		return nil, err
	}
	var out []TokenRow
	for t.Next() {
		row := TokenRow{
			RequestID:   t.NonNegInt("request_id"),
			TokenIndex:  t.NonNegInt("token_index"),
			CompletedAt: t.Float("completed_at"),
			Latency:     t.Float("latency"),
			Line:        t.Line(),
		}
		if bs, ok := t.OptInt("batch_size"); ok {
			row.BatchSize = bs
			if bs < 1 {
				t.Fail("batch_size", fmt.Errorf("%d must be at least 1 (leave the cell empty when unknown)", bs))
			}
		}
		if row.Latency < 0 && t.Err() == nil {
			t.Fail("latency", fmt.Errorf("%g is negative", row.Latency))
		}
		if t.Err() != nil {
			return nil, t.Err()
		}
		out = append(out, row)
	}
	if t.Err() != nil {
		return nil, t.Err()
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].RequestID != out[j].RequestID {
			return out[i].RequestID < out[j].RequestID
		}
		return out[i].TokenIndex < out[j].TokenIndex
	})
	return out, nil
}

// ReadBatchMetrics reads batch_metrics.csv.
func ReadBatchMetrics(path string, r io.Reader) ([]BatchRow, error) {
	t, err := NewTable(path, r, BatchColumns...)
	if err != nil {
		return nil, err
	}
	var out []BatchRow
	for t.Next() {
		b := BatchRow{
			BatchID:          t.NonNegInt("batch_id"),
			ScheduledAt:      t.Float("scheduled_at"),
			CompletedAt:      t.Float("completed_at"),
			BatchSize:        t.NonNegInt("batch_size"),
			NumPrefillTokens: t.NonNegInt("num_prefill_tokens"),
			NumDecodeTokens:  t.NonNegInt("num_decode_tokens"),
		}
		if b.CompletedAt < b.ScheduledAt && t.Err() == nil {
			t.Fail("completed_at", fmt.Errorf("%g is before scheduled_at %g", b.CompletedAt, b.ScheduledAt))
		}
		if t.Err() != nil {
			return nil, t.Err()
		}
		out = append(out, b)
	}
	return out, t.Err()
}

// SchedulerKeys are the scheduler settings every scheduling tool records in
// run_meta.json's scheduler object, named as the shared scheduler.* keys,
// so that a real run and a simulation can be compared key by key.
var SchedulerKeys = []string{"kind", "max_batch_size", "chunk_size", "num_kv_blocks", "block_size",
	"max_tokens_in_batch", "watermark_blocks_fraction"}

// WriteServing computes the serving metrics of the run being written in d
// (after RunWriter.Close, from the files themselves, so real and simulated
// runs are summarised by the same code from the same rows), records them
// in meta and rewrites run_meta.json.
func WriteServing(d *Dir, meta *RunMeta, slo SLO) error {
	reqs, err := ReadFile(d.Path(RequestMetricsFile), ReadRequestMetrics)
	if err != nil {
		return err
	}
	toks, err := readOptional(d.Path(TokenMetricsFile), ReadTokenMetrics)
	if err != nil {
		return err
	}
	s := ComputeServing(reqs, toks, meta.Duration, slo)
	meta.Serving = &s
	return d.WriteFile(RunMetaFile, func(out io.Writer) error { return writeJSON(out, meta) })
}
