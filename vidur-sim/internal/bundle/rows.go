package bundle

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// Rows is a CSV read by column: keys (required, non-empty numbers) and
// values (required or optional columns, empty cells NaN).
type Rows struct {
	Path  string
	Cols  map[string][]float64
	Text  map[string][]string
	Lines []int
	N     int
}

// newRows starts a column view of the rows of path at the given lines.
func newRows(path string, lines []int) *Rows {
	return &Rows{Path: path, Cols: map[string][]float64{}, Text: map[string][]string{}, Lines: lines, N: len(lines)}
}

// add appends v to column c.
func (r *Rows) add(c string, v float64) { r.Cols[c] = append(r.Cols[c], v) }

// The column views of the bundle files hold the key columns and the
// medians the predictors train on: no more, because dedupe compares
// exactly the columns read, as Vidur's drop_duplicates over what it
// loaded does.

// mlpOptionalOps are the mlp.csv operators a bundle may lack: Vidur
// fills its own with 0; the extras are simcheck's.
var mlpOptionalOps = func() []string {
	var out []string
	for _, op := range append(append([]string(nil), artifacts.MLPOps...), artifacts.MLPExtraOps...) {
		if !slices.Contains(artifacts.MLPCoreOps, op) {
			out = append(out, op)
		}
	}
	return out
}()

// fileLines lists each row's file line, for messages.
func fileLines[R any](rows []R, line func(R) int) []int {
	out := make([]int, len(rows))
	for i, x := range rows {
		out[i] = line(x)
	}
	return out
}

func mlpRows(t *artifacts.MLPTable) *Rows {
	ops := append([]string(nil), artifacts.MLPCoreOps...)
	for _, op := range mlpOptionalOps {
		if slices.Contains(t.Ops, op) {
			ops = append(ops, op)
		}
	}
	r := newRows(t.Path, fileLines(t.Rows, func(x artifacts.MLPRow) int { return x.Line }))
	for _, x := range t.Rows {
		m := x.Model
		r.add(artifacts.ColNumTokens, float64(x.NumTokens))
		r.add(artifacts.ColNHead, float64(m.NumQHeads))
		r.add(artifacts.ColNKVHead, float64(m.NumKVHeads))
		r.add(artifacts.ColNEmbd, float64(m.Embd))
		r.add(artifacts.ColNExpandedEmbd, float64(m.ExpandedEmbd))
		r.add(artifacts.ColTPWorkers, float64(m.TP))
		r.add(artifacts.ColGatedMLP, b2f(m.GatedMLP))
		for _, op := range ops {
			r.add(artifacts.MedianColumn(op), x.Ops[op].Median)
		}
	}
	return r
}

func attentionRows(t *artifacts.AttentionTable) *Rows {
	ops := []string{artifacts.OpAttnPrefill, artifacts.OpAttnDecode}
	if slices.Contains(t.Ops, artifacts.OpAttnKVCacheSave) {
		ops = append(ops, artifacts.OpAttnKVCacheSave)
	}
	r := newRows(t.Path, fileLines(t.Rows, func(x artifacts.AttentionRow) int { return x.Line }))
	for _, x := range t.Rows {
		m := x.Model
		r.add(artifacts.ColNEmbd, float64(m.Embd))
		r.add(artifacts.ColNQHead, float64(m.NumQHeads))
		r.add(artifacts.ColNKVHead, float64(m.NumKVHeads))
		r.add(artifacts.ColBlockSize, float64(m.BlockSize))
		r.add(artifacts.ColTPWorkers, float64(m.TP))
		r.add(artifacts.ColBatchSize, float64(x.BatchSize))
		r.add(artifacts.ColPrefillChunk, float64(x.PrefillChunk))
		r.add(artifacts.ColKVCacheSize, float64(x.KVCacheSize))
		for _, op := range ops {
			r.add(artifacts.MedianColumn(op), x.Ops[op].Median)
		}
	}
	return r
}

func cpuRows(t *artifacts.CPUOverheadTable) *Rows {
	r := newRows(t.Path, fileLines(t.Rows, func(x artifacts.CPUOverheadRow) int { return x.Line }))
	for _, x := range t.Rows {
		r.Text[artifacts.ColModelName] = append(r.Text[artifacts.ColModelName], x.ModelName)
		r.add(artifacts.ColBatchSize, float64(x.BatchSize))
		r.add(artifacts.ColTPDegree, float64(x.TP))
		for _, op := range artifacts.CPUOps {
			r.add(op+"_median", x.Ops[op].Median)
		}
		if t.HasRayComm {
			r.add(artifacts.OpCPURayComm+"_mean", x.RayCommMean)
		}
	}
	return r
}

// networkRows keeps coll's rows of num_workers workers.
func networkRows(t *artifacts.NetworkTable, coll string, workers int) *Rows {
	var keep []artifacts.NetworkRow
	for _, x := range t.Rows {
		if x.Collective == coll && x.NumWorkers == workers {
			keep = append(keep, x)
		}
	}
	r := newRows(t.Path, fileLines(keep, func(x artifacts.NetworkRow) int { return x.Line }))
	for _, x := range keep {
		r.Text[artifacts.ColCollective] = append(r.Text[artifacts.ColCollective], x.Collective)
		r.add(artifacts.ColNumWorkers, float64(x.NumWorkers))
		r.add(artifacts.ColSize, x.Size)
		r.add(artifacts.ColDevicesPerNode, float64(x.DevicesPerNode))
		r.add(artifacts.MedianColumn(coll), x.Stats.Median)
	}
	return r
}

// Has reports whether column c was read.
func (r *Rows) Has(c string) bool { _, ok := r.Cols[c]; return ok }

// filter keeps rows where every column equals its value; it returns how
// many rows were dropped.
func (r *Rows) filter(eq map[string]float64) int {
	keep := make([]bool, r.N)
	n := 0
	for i := range r.N {
		ok := true
		for c, v := range eq {
			if col, has := r.Cols[c]; has && col[i] != v {
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

func (r *Rows) select_(keep []bool, n int) {
	for c, col := range r.Cols {
		out := make([]float64, 0, n)
		for i, v := range col {
			if keep[i] {
				out = append(out, v)
			}
		}
		r.Cols[c] = out
	}
	for c, col := range r.Text {
		out := make([]string, 0, n)
		for i, v := range col {
			if keep[i] {
				out = append(out, v)
			}
		}
		r.Text[c] = out
	}
	lines := make([]int, 0, n)
	for i, l := range r.Lines {
		if keep[i] {
			lines = append(lines, l)
		}
	}
	r.Lines, r.N = lines, n
}

// dedupe drops rows identical in every column read (Vidur's
// drop_duplicates); it returns how many were dropped.
func (r *Rows) dedupe() int {
	seen := map[string]bool{}
	keep := make([]bool, r.N)
	n := 0
	var b strings.Builder
	for i := range r.N {
		b.Reset()
		for _, c := range slices.Sorted(maps.Keys(r.Cols)) {
			fmt.Fprintf(&b, "%v,", math.Float64bits(r.Cols[c][i]))
		}
		for _, c := range slices.Sorted(maps.Keys(r.Text)) {
			b.WriteString(r.Text[c][i] + ",")
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

// b2f is a pandas boolean as a number, as Vidur compares it.
func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
