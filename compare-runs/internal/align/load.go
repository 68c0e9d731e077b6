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
	if artifacts.IsVidurRunDir(dir) {
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
		r.setTokens(ar.Tokens)
	}
	return r, nil
}

func (r *Run) index() {
	r.byID = make(map[int]int, len(r.Requests))
	for i, q := range r.Requests {
		r.byID[q.RequestID] = i
	}
}

// setTokens groups token rows by request. artifacts.ReadRunDir has
// checked them against the requests (known, ok, indexes 0, 1, 2, … up to
// num_decode_tokens_actual).
func (r *Run) setTokens(rows []artifacts.TokenRow) {
	r.Tokens = map[int][]artifacts.TokenRow{}
	for _, t := range rows { // sorted by (request, index) by the reader
		r.Tokens[t.RequestID] = append(r.Tokens[t.RequestID], t)
	}
}
