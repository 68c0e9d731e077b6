package align

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// KindVidur marks a Python Vidur output directory.
const KindVidur = "vidur"

// Run is one side of a comparison: a run directory or a Python Vidur
// output directory, with its requests indexed by id.
type Run struct {
	Label string // unique within the comparison; names the run in tables
	Dir   string
	Kind  string // real | sim | vidur
	// Meta is nil for a Python Vidur directory.
	Meta     *artifacts.RunMeta
	Requests []artifacts.RequestRecord // sorted by id
	// Tokens maps a request id to its token rows in output order; nil
	// when the run has no token_metrics.csv.
	Tokens map[int][]artifacts.TokenRow
	// Batches are the run's iterations (batch_metrics.csv); nil when the
	// run has none (Python Vidur output, an external server).
	Batches []artifacts.BatchRow
	byID    map[int]int
}

// Request returns the record of request id.
func (r *Run) Request(id int) (*artifacts.RequestRecord, bool) {
	i, ok := r.byID[id]
	if !ok {
		return nil, false
	}
	return &r.Requests[i], true
}

// HasTokens reports whether the run recorded per-token times.
func (r *Run) HasTokens() bool { return r.Tokens != nil }

// WorkloadID is the workload the run replayed ("" when unknown).
func (r *Run) WorkloadID() string {
	if r.Meta == nil {
		return ""
	}
	return r.Meta.Workload.WorkloadID
}

// Source names the backend or simulator that produced the run.
func (r *Run) Source() string {
	if r.Meta == nil {
		return "python-vidur"
	}
	return r.Meta.Backend
}

// RunID is the run's id (the directory name for Vidur output).
func (r *Run) RunID() string {
	if r.Meta == nil {
		return filepath.Base(filepath.Clean(r.Dir))
	}
	return r.Meta.RunID
}

// Load reads dir as a run. allowVidur accepts a Python Vidur output
// directory (simulated side only).
func Load(dir string, allowVidur bool) (*Run, error) {
	st, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("run directory %s does not exist", dir)
		}
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", dir)
	}
	if exists(filepath.Join(dir, artifacts.RunMetaFile)) {
		return loadRunDir(dir)
	}
	if isVidurDir(dir) {
		if !allowVidur {
			return nil, fmt.Errorf("%s is a Python Vidur output directory, which can only be a simulated run (sim_run_dir)", dir)
		}
		return loadVidur(dir)
	}
	return nil, fmt.Errorf("%s is not a run directory: it has no %s (a run written by real-bench or vidur-sim) and is not a Python Vidur output directory (request_metrics.csv with a \"Request Id\" column, and config.json)",
		dir, artifacts.RunMetaFile)
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func loadRunDir(dir string) (*Run, error) {
	ar, err := artifacts.ReadRunDir(dir)
	if err != nil {
		return nil, err
	}
	r := &Run{Dir: dir, Kind: ar.Meta.Kind, Meta: &ar.Meta, Requests: ar.Requests, Batches: ar.Batches}
	r.index()
	if ar.Tokens != nil {
		if err := r.setTokens(filepath.Join(dir, artifacts.TokenMetricsFile), ar.Tokens); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (r *Run) index() {
	r.byID = make(map[int]int, len(r.Requests))
	for i, q := range r.Requests {
		r.byID[q.RequestID] = i
	}
}

// setTokens groups token rows by request and checks them against the
// requests: rows of an unknown or failed request, a repeated or skipped
// token index, or more tokens than the request produced are hand-editing
// mistakes the reader cannot see row by row.
func (r *Run) setTokens(path string, rows []artifacts.TokenRow) error {
	r.Tokens = map[int][]artifacts.TokenRow{}
	for _, t := range rows { // sorted by (request, index) by the reader
		q, ok := r.Request(t.RequestID)
		var problem error
		switch {
		case !ok:
			problem = fmt.Errorf("token row for request %d, which is not in %s", t.RequestID, artifacts.RequestMetricsFile)
		case q.Status != artifacts.StatusOK:
			problem = fmt.Errorf("token row for request %d, whose status is %s", t.RequestID, q.Status)
		case t.TokenIndex != len(r.Tokens[t.RequestID]):
			problem = fmt.Errorf("request %d: token_index %d follows %d rows (indexes must run 0, 1, 2, … once each)", t.RequestID, t.TokenIndex, len(r.Tokens[t.RequestID]))
		case t.TokenIndex >= q.NumDecodeTokensActual:
			problem = fmt.Errorf("request %d: token_index %d, but num_decode_tokens_actual is %d", t.RequestID, t.TokenIndex, q.NumDecodeTokensActual)
		}
		if problem != nil {
			return &artifacts.FileError{Path: path, Line: tokenLine(path, t.RequestID, t.TokenIndex), Err: problem}
		}
		r.Tokens[t.RequestID] = append(r.Tokens[t.RequestID], t)
	}
	return nil
}

// tokenLine finds the line of a token row again, for the error message
// (the reader sorts rows, so their lines are not kept). The last match
// is the one a duplicate makes.
func tokenLine(path string, req, idx int) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	t, err := artifacts.NewTable(path, f, "request_id", "token_index")
	if err != nil {
		return 0
	}
	line := 0
	for t.Next() {
		if t.Int("request_id") == req && t.Int("token_index") == idx {
			line = t.Line()
		}
	}
	return line
}
