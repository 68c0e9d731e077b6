package bundle

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// ModelDims are the model and parallelism a bundle's rows are filtered
// by.
type ModelDims struct {
	NumQHeads, NumKVHeads, EmbeddingDim, MLPHiddenDim int
	TP, BlockSize                                     int
	ModelID                                           string // cpu_overheads.csv model_name
	// StrictBlockSize refuses attention rows of another block size, as
	// Vidur does (compat).
	StrictBlockSize bool
}

// Bundle is a profiling bundle read and filtered to one model and TP.
type Bundle struct {
	Paths               artifacts.ProfilePaths
	MLP, Attn           *Rows
	AllReduce, SendRecv *Rows // nil unless needed and present
	CPU                 *Rows // nil when absent
	Notes               []string
}

// Load reads a bundle's CSVs for the model d. needTP and needPP make
// the network files required. Every missing required file is listed in
// one [MissingError].
func Load(p artifacts.ProfilePaths, d ModelDims, needTP, needPP bool) (*Bundle, error) {
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
	mlp, err := artifacts.ReadFile(p.MLP, artifacts.ReadMLP)
	if err != nil {
		return nil, err
	}
	b.MLP = mlpRows(mlp)
	if err := b.pick(b.MLP, map[string]float64{artifacts.ColNHead: float64(d.NumQHeads), artifacts.ColNKVHead: float64(d.NumKVHeads),
		artifacts.ColNEmbd: float64(d.EmbeddingDim), artifacts.ColNExpandedEmbd: float64(d.MLPHiddenDim), artifacts.ColTPWorkers: float64(d.TP)}); err != nil {
		return nil, err
	}
	attn, err := artifacts.ReadFile(p.Attention, artifacts.ReadAttention)
	if err != nil {
		return nil, err
	}
	b.Attn = attentionRows(attn)
	attnEq := map[string]float64{artifacts.ColNEmbd: float64(d.EmbeddingDim), artifacts.ColNQHead: float64(d.NumQHeads),
		artifacts.ColNKVHead: float64(d.NumKVHeads), artifacts.ColBlockSize: float64(d.BlockSize), artifacts.ColTPWorkers: float64(d.TP)}
	if !d.StrictBlockSize && !slices.Contains(b.Attn.Cols[artifacts.ColBlockSize], float64(d.BlockSize)) {
		// Vidur refuses a block size the bundle lacks (lightllm's 1 with
		// the usual 16-token profiles). The attention kernels' time hardly
		// depends on the paging granularity, so use the rows profiled
		// with other block sizes, and say so.
		delete(attnEq, artifacts.ColBlockSize)
		b.Notes = append(b.Notes, fmt.Sprintf("%s: no Rows with block_size=%d; using the Rows of other block sizes", p.Attention, d.BlockSize))
	}
	if err := b.pick(b.Attn, attnEq); err != nil {
		return nil, err
	}
	if needTP {
		if b.AllReduce, err = b.network(p.AllReduce, artifacts.OpAllReduce, d.TP, d.TP); err != nil {
			return nil, err
		}
	}
	if needPP {
		if b.SendRecv, err = b.network(p.SendRecv, artifacts.OpSendRecv, 2, 0); err != nil {
			return nil, err
		}
	}
	if _, err := os.Stat(p.CPUOverheads); err == nil {
		if b.CPU, err = b.cpuOverheads(p.CPUOverheads, d); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// cpuOverheads keeps the rows of the model and TP; none is a note, not an
// error (CPU overheads are then not modelled).
func (b *Bundle) cpuOverheads(path string, d ModelDims) (*Rows, error) {
	t, err := artifacts.ReadFile(path, artifacts.ReadCPUOverheads)
	if err != nil {
		return nil, err
	}
	r := cpuRows(t)
	keep := make([]bool, r.N)
	n := 0
	for i := range r.N {
		if r.Cols[artifacts.ColTPDegree][i] == float64(d.TP) && (d.ModelID == "" || r.Text[artifacts.ColModelName][i] == d.ModelID) {
			keep[i] = true
			n++
		}
	}
	r.select_(keep, n)
	if n == 0 {
		b.Notes = append(b.Notes, fmt.Sprintf("%s has no Rows for model_name %q and tensor_parallel_degree %d; CPU overheads not modelled", path, d.ModelID, d.TP))
		return nil, nil
	}
	return r, nil
}

// pick filters rows to the model and drops whole-row duplicates.
func (b *Bundle) pick(r *Rows, eq map[string]float64) error {
	all := r.N
	dropped := r.filter(eq)
	if r.N == 0 {
		var want []string
		for _, c := range slices.Sorted(maps.Keys(eq)) {
			want = append(want, fmt.Sprintf("%s=%g", c, eq[c]))
		}
		return &artifacts.FileError{Path: r.Path, Err: fmt.Errorf("none of its %d Rows matches the model and parallelism (%s); profile this model with vidur-profile or pick the matching model= and parallel.tensor=",
			all, strings.Join(want, ", "))}
	}
	if dropped > 0 {
		b.Notes = append(b.Notes, fmt.Sprintf("%s: %d Rows for other models or TP ignored", r.Path, dropped))
	}
	if d := r.dedupe(); d > 0 {
		b.Notes = append(b.Notes, fmt.Sprintf("%s: %d exact duplicate Rows dropped", r.Path, d))
	}
	return nil
}

// network reads a collective's CSV for workers workers; devicesPerNode 0
// accepts any. Vidur wants devices_per_node == TP for all-reduce; a bundle
// measured otherwise (such as one-GPU-per-node A30 data) is used with a
// note rather than refused.
func (b *Bundle) network(path, coll string, workers, devicesPerNode int) (*Rows, error) {
	t, err := artifacts.ReadFile(path, func(p string, r io.Reader) (*artifacts.NetworkTable, error) { return artifacts.ReadNetwork(p, r, coll) })
	if err != nil {
		return nil, err
	}
	r := networkRows(t, coll, workers)
	if r.N == 0 {
		return nil, &artifacts.FileError{Path: path, Err: fmt.Errorf("no %s Rows with num_workers=%d", coll, workers)}
	}
	if devicesPerNode > 0 {
		exact := r.filter(map[string]float64{artifacts.ColDevicesPerNode: float64(devicesPerNode)})
		if r.N == 0 {
			r = networkRows(t, coll, workers)
			b.Notes = append(b.Notes, fmt.Sprintf("%s: no Rows with devices_per_node=%d (Vidur's filter); using the %d Rows measured with other node layouts", path, devicesPerNode, r.N))
		} else if exact > 0 {
			b.Notes = append(b.Notes, fmt.Sprintf("%s: %d Rows for other node layouts ignored", path, exact))
		}
	}
	if d := r.dedupe(); d > 0 {
		b.Notes = append(b.Notes, fmt.Sprintf("%s: %d exact duplicate Rows dropped", path, d))
	}
	return r, nil
}

// MissingError lists every required input that is absent.
type MissingError struct{ Paths []string }

func (e *MissingError) Error() string {
	return "Missing profiling inputs: " + strings.Join(e.Paths, ", ")
}
