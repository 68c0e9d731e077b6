package predict

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"strings"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// ModelDims are the columns a bundle's rows are filtered by (spec §4.2).
type ModelDims struct {
	NumQHeads, NumKVHeads, EmbeddingDim, MLPHiddenDim int
	TP, BlockSize                                     int
	ModelID                                           string // cpu_overheads.csv model_name
	// StrictBlockSize refuses attention rows of another block size, as
	// Vidur does (compat).
	StrictBlockSize bool
}

func hasValue(r *rows, col string, v float64) bool {
	for _, x := range r.cols[col] {
		if x == v {
			return true
		}
	}
	return false
}

// rows is a CSV read by column: keys (required, non-empty numbers) and
// values (required or optional columns, empty cells NaN).
type rows struct {
	path  string
	cols  map[string][]float64
	text  map[string][]string
	lines []int
	n     int
}

// readRows reads path. keys must be present and numeric in every row;
// vals must be present (cells may be empty); opt may be absent; text
// columns are kept as strings.
func readRows(path string, keys, vals, opt, text []string) (*rows, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := artifacts.NewTable(path, f, append(append([]string(nil), keys...), vals...)...)
	if err != nil {
		return nil, err
	}
	r := &rows{path: path, cols: map[string][]float64{}, text: map[string][]string{}}
	var present []string
	for _, c := range opt {
		if t.Has(c) {
			present = append(present, c)
		}
	}
	for t.Next() {
		for _, c := range keys {
			r.cols[c] = append(r.cols[c], keyFloat(t, c))
		}
		for _, c := range vals {
			r.cols[c] = append(r.cols[c], optFloat(t, c))
		}
		for _, c := range present {
			r.cols[c] = append(r.cols[c], optFloat(t, c))
		}
		for _, c := range text {
			r.text[c] = append(r.text[c], t.String(c))
		}
		if t.Err() != nil {
			return nil, t.Err()
		}
		r.lines = append(r.lines, t.Line())
		r.n++
	}
	if t.Err() != nil {
		return nil, t.Err()
	}
	return r, nil
}

// keyFloat reads a required number; pandas booleans count as 0/1.
func keyFloat(t *artifacts.Table, c string) float64 {
	switch strings.ToLower(t.String(c)) {
	case "true":
		return 1
	case "false":
		return 0
	}
	return t.Float(c)
}

// optFloat reads a number or an empty cell (NaN); pandas booleans count
// as 0/1.
func optFloat(t *artifacts.Table, c string) float64 {
	switch strings.ToLower(t.String(c)) {
	case "true":
		return 1
	case "false":
		return 0
	}
	return t.OptFloat(c)
}

// has reports whether column c was read.
func (r *rows) has(c string) bool { _, ok := r.cols[c]; return ok }

// filter keeps rows where every column equals its value; it returns how
// many rows were dropped.
func (r *rows) filter(eq map[string]float64) int {
	keep := make([]bool, r.n)
	n := 0
	for i := range r.n {
		ok := true
		for c, v := range eq {
			if col, has := r.cols[c]; has && col[i] != v {
				ok = false
				break
			}
		}
		keep[i] = ok
		if ok {
			n++
		}
	}
	r.select_(keep, n)
	return len(keep) - n
}

func (r *rows) select_(keep []bool, n int) {
	for c, col := range r.cols {
		out := make([]float64, 0, n)
		for i, v := range col {
			if keep[i] {
				out = append(out, v)
			}
		}
		r.cols[c] = out
	}
	for c, col := range r.text {
		out := make([]string, 0, n)
		for i, v := range col {
			if keep[i] {
				out = append(out, v)
			}
		}
		r.text[c] = out
	}
	lines := make([]int, 0, n)
	for i, l := range r.lines {
		if keep[i] {
			lines = append(lines, l)
		}
	}
	r.lines, r.n = lines, n
}

// dedupe drops rows identical in every column read (Vidur's
// drop_duplicates); it returns how many were dropped.
func (r *rows) dedupe() int {
	seen := map[string]bool{}
	keep := make([]bool, r.n)
	n := 0
	var b strings.Builder
	for i := range r.n {
		b.Reset()
		for _, c := range sortedKeys(r.cols) {
			fmt.Fprintf(&b, "%v,", math.Float64bits(r.cols[c][i]))
		}
		for _, c := range sortedKeys(r.text) {
			b.WriteString(r.text[c][i] + ",")
		}
		if k := b.String(); !seen[k] {
			seen[k] = true
			keep[i] = true
			n++
		}
	}
	r.select_(keep, n)
	return len(keep) - n
}

// Bundle is a profiling bundle read and filtered to one model and TP.
type Bundle struct {
	Paths               artifacts.ProfilePaths
	MLP, Attn           *rows
	AllReduce, SendRecv *rows // nil unless needed and present
	CPU                 *rows // nil when absent
	Notes               []string
}

// Core ops every mlp.csv must time (Vidur fails without them).
var mlpCore = []string{"attn_pre_proj", "attn_post_proj", "attn_rope", "mlp_up_proj", "mlp_down_proj", "mlp_act"}

// Ops Vidur fills with 0 when their column is absent, and extras.
var mlpOptional = []string{"input_layernorm", "post_attention_layernorm", "add", "emb", "attn_qk_norm", "norm", "lm_head", "sample"}

func median(op string) string { return "time_stats." + op + ".median" }

// LoadBundle reads a bundle's CSVs for the model d. needTP and needPP make
// the network files required. Every missing required file is listed in
// one [MissingError].
func LoadBundle(p artifacts.ProfilePaths, d ModelDims, needTP, needPP bool) (*Bundle, error) {
	req := []string{p.MLP, p.Attention}
	if needTP {
		req = append(req, p.AllReduce)
	}
	if needPP {
		req = append(req, p.SendRecv)
	}
	var missing []string
	for _, f := range req {
		if _, err := os.Stat(f); errors.Is(err, fs.ErrNotExist) {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return nil, &MissingError{Paths: missing}
	}
	b := &Bundle{Paths: p}
	var vals, opt []string
	for _, op := range mlpCore {
		vals = append(vals, median(op))
	}
	for _, op := range mlpOptional {
		opt = append(opt, median(op))
	}
	var err error
	b.MLP, err = readRows(p.MLP, []string{"num_tokens", "n_head", "n_kv_head", "n_embd", "n_expanded_embd", "num_tensor_parallel_workers"},
		vals, append(opt, "use_gated_mlp"), nil)
	if err != nil {
		return nil, err
	}
	if err := b.pick(b.MLP, map[string]float64{"n_head": float64(d.NumQHeads), "n_kv_head": float64(d.NumKVHeads),
		"n_embd": float64(d.EmbeddingDim), "n_expanded_embd": float64(d.MLPHiddenDim), "num_tensor_parallel_workers": float64(d.TP)}); err != nil {
		return nil, err
	}
	b.Attn, err = readRows(p.Attention, []string{"n_embd", "n_q_head", "n_kv_head", "block_size", "num_tensor_parallel_workers",
		"batch_size", "prefill_chunk_size", "kv_cache_size"}, []string{median("attn_prefill"), median("attn_decode")},
		[]string{median("attn_kv_cache_save")}, nil)
	if err != nil {
		return nil, err
	}
	attnEq := map[string]float64{"n_embd": float64(d.EmbeddingDim), "n_q_head": float64(d.NumQHeads),
		"n_kv_head": float64(d.NumKVHeads), "block_size": float64(d.BlockSize), "num_tensor_parallel_workers": float64(d.TP)}
	if !d.StrictBlockSize && !hasValue(b.Attn, "block_size", float64(d.BlockSize)) {
		// Vidur refuses a block size the bundle lacks (lightllm's 1 with
		// the usual 16-token profiles, spec §10.6). The attention kernels'
		// time hardly depends on the paging granularity, so use the rows
		// profiled with other block sizes, and say so.
		delete(attnEq, "block_size")
		b.Notes = append(b.Notes, fmt.Sprintf("%s: no rows with block_size=%d; using the rows of other block sizes", p.Attention, d.BlockSize))
	}
	if err := b.pick(b.Attn, attnEq); err != nil {
		return nil, err
	}
	if needTP {
		if b.AllReduce, err = b.network(p.AllReduce, "all_reduce", d.TP, d.TP); err != nil {
			return nil, err
		}
	}
	if needPP {
		if b.SendRecv, err = b.network(p.SendRecv, "send_recv", 2, 0); err != nil {
			return nil, err
		}
	}
	if _, err := os.Stat(p.CPUOverheads); err == nil {
		var cv []string
		for _, op := range []string{"schedule", "sampler_e2e", "prepare_inputs_e2e", "process_model_outputs"} {
			cv = append(cv, op+"_median")
		}
		b.CPU, err = readRows(p.CPUOverheads, []string{"batch_size", "tensor_parallel_degree"}, cv, []string{"ray_comm_time_mean"}, []string{"model_name"})
		if err != nil {
			return nil, err
		}
		keep := make([]bool, b.CPU.n)
		n := 0
		for i := range b.CPU.n {
			if b.CPU.cols["tensor_parallel_degree"][i] == float64(d.TP) && (d.ModelID == "" || b.CPU.text["model_name"][i] == d.ModelID) {
				keep[i] = true
				n++
			}
		}
		b.CPU.select_(keep, n)
		if n == 0 {
			b.Notes = append(b.Notes, fmt.Sprintf("%s has no rows for model_name %q and tensor_parallel_degree %d; CPU overheads not modelled", p.CPUOverheads, d.ModelID, d.TP))
			b.CPU = nil
		}
	}
	return b, nil
}

// pick filters rows to the model and drops whole-row duplicates.
func (b *Bundle) pick(r *rows, eq map[string]float64) error {
	all := r.n
	dropped := r.filter(eq)
	if r.n == 0 {
		var want []string
		for _, c := range sortedKeys(eq) {
			want = append(want, fmt.Sprintf("%s=%g", c, eq[c]))
		}
		return &artifacts.FileError{Path: r.path, Err: fmt.Errorf("none of its %d rows matches the model and parallelism (%s); profile this model with vidur-profile or pick the matching model= and parallel.tensor=",
			all, strings.Join(want, ", "))}
	}
	if dropped > 0 {
		b.Notes = append(b.Notes, fmt.Sprintf("%s: %d rows for other models or TP ignored", r.path, dropped))
	}
	if d := r.dedupe(); d > 0 {
		b.Notes = append(b.Notes, fmt.Sprintf("%s: %d exact duplicate rows dropped", r.path, d))
	}
	return nil
}

// network reads a collective's CSV for workers workers; devicesPerNode 0
// accepts any. Vidur wants devices_per_node == TP for all-reduce; a bundle
// measured otherwise (the shared one-GPU-per-node A30 data) is used with
// a note rather than refused.
func (b *Bundle) network(path, coll string, workers, devicesPerNode int) (*rows, error) {
	r, err := readRows(path, []string{"num_workers", "size", "devices_per_node"}, []string{median(coll)}, nil, []string{"collective"})
	if err != nil {
		return nil, err
	}
	keep := make([]bool, r.n)
	n := 0
	for i := range r.n {
		if r.text["collective"][i] == coll && r.cols["num_workers"][i] == float64(workers) {
			keep[i] = true
			n++
		}
	}
	r.select_(keep, n)
	if n == 0 {
		return nil, &artifacts.FileError{Path: path, Err: fmt.Errorf("no %s rows with num_workers=%d", coll, workers)}
	}
	if devicesPerNode > 0 {
		exact := r.filter(map[string]float64{"devices_per_node": float64(devicesPerNode)})
		if r.n == 0 {
			// Undo: re-read without the node filter, and say so.
			r, _ = readRows(path, []string{"num_workers", "size", "devices_per_node"}, []string{median(coll)}, nil, []string{"collective"})
			keep = make([]bool, r.n)
			n = 0
			for i := range r.n {
				if r.text["collective"][i] == coll && r.cols["num_workers"][i] == float64(workers) {
					keep[i] = true
					n++
				}
			}
			r.select_(keep, n)
			b.Notes = append(b.Notes, fmt.Sprintf("%s: no rows with devices_per_node=%d (Vidur's filter); using the %d rows measured with other node layouts", path, devicesPerNode, n))
		} else if exact > 0 {
			b.Notes = append(b.Notes, fmt.Sprintf("%s: %d rows for other node layouts ignored", path, exact))
		}
	}
	if d := r.dedupe(); d > 0 {
		b.Notes = append(b.Notes, fmt.Sprintf("%s: %d exact duplicate rows dropped", path, d))
	}
	return r, nil
}
