package predict

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/vidur-sim/internal/bundle"
)

// TableName is the setting that selects [LoadTables].
const TableName = "vidur_table"

// tableFile matches Vidur's cache file names: {name}_{8 hex}_predictions.csv.
var tableFile = regexp.MustCompile(`^(.+)_([0-9a-f]{8})_predictions\.csv$`)

// Tables is Python Vidur's prediction cache read back: every op's lookup
// table, exactly as Vidur's predictor holds it in memory.
type Tables struct {
	Dir    string
	ops    [numOps][]float64 // by key; NaN = absent
	has    [numOps]bool
	decode grid2 // (batch_size, kv_cache_size)
	pref   grid2 // (kv_cache_size, chunk) with chunk = sqrt(prefill_chunk_size_squared)
}

// grid2 is a dense table over x ∈ {x0 + i·dx} and y ∈ {y0 + j·dy}.
type grid2 struct {
	x0, dx, nx, y0, dy, ny int
	v                      []float64
}

func (g *grid2) at(x, y int) (float64, bool) {
	if g.dx == 0 || x < g.x0 || y < g.y0 || (x-g.x0)%g.dx != 0 || (y-g.y0)%g.dy != 0 {
		return 0, false
	}
	i, j := (x-g.x0)/g.dx, (y-g.y0)/g.dy
	if i >= g.nx || j >= g.ny {
		return 0, false
	}
	v := g.v[i*g.ny+j]
	return v, !math.IsNaN(v)
}

func (g *grid2) describe(xn, yn string) string {
	return fmt.Sprintf("%s %d..%d step %d, %s %d..%d step %d", xn, g.x0, g.x0+(g.nx-1)*g.dx, g.dx,
		yn, g.y0, g.y0+(g.ny-1)*g.dy, g.dy)
}

// tableOps maps Vidur's table names to the ops it predicts: every op but
// the extras Vidur does not time. The CPU overhead tables exist only when
// Vidur ran with skip_cpu_overhead_modeling=false.
var tableOps = func() map[string]Op {
	m := map[string]Op{}
	for op := Op(0); op < numOps; op++ {
		if !op.extra() {
			m[op.String()] = op
		}
	}
	return m
}()

// requiredTables are the tables every Vidur run writes: the ops of one
// layer and the two attention phases.
var requiredTables = []string{AttnPreProj.String(), AttnPostProj.String(), AttnRope.String(), KVSave.String(),
	MLPUpProj.String(), MLPDownProj.String(), MLPAct.String(), InputNorm.String(), PostAttnNorm.String(), Add.String(),
	artifacts.OpAttnDecode, artifacts.OpAttnPrefill}

// LoadTables reads Vidur's *_predictions.csv files from dir. needTP and
// needPP add all_reduce and send_recv to the required tables.
func LoadTables(dir string, needTP, needPP bool) (*Tables, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("sim.predictor_tables: %w", err)
	}
	files := map[string][]string{}
	for _, e := range ents {
		if m := tableFile.FindStringSubmatch(e.Name()); m != nil && !e.IsDir() {
			files[m[1]] = append(files[m[1]], filepath.Join(dir, e.Name()))
		}
	}
	need := append([]string(nil), requiredTables...)
	if needTP {
		need = append(need, AllReduce.String())
	}
	if needPP {
		need = append(need, SendRecv.String())
	}
	var missing []string
	for _, n := range need {
		if len(files[n]) == 0 {
			missing = append(missing, filepath.Join(dir, n+"_<hash>_predictions.csv"))
		}
	}
	if len(missing) > 0 {
		return nil, &bundle.MissingError{Paths: missing}
	}
	t := &Tables{Dir: dir}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		paths := files[name]
		if len(paths) > 1 {
			return nil, fmt.Errorf("sim.predictor_tables: %d tables for %s (%s); keep the one of this run only", len(paths), name, strings.Join(paths, ", "))
		}
		switch name {
		case artifacts.OpAttnDecode:
			err = t.decode.read(paths[0], "batch_size", "kv_cache_size", false)
		case artifacts.OpAttnPrefill:
			err = t.pref.read(paths[0], "kv_cache_size", "prefill_chunk_size_squared", true)
		default:
			op, ok := tableOps[name]
			if !ok {
				continue // a table of an op vidur-sim does not compose
			}
			t.ops[op], err = read1(paths[0], tableKeyCol(op))
			t.has[op] = true
		}
		if err != nil {
			return nil, err
		}
	}
	return t, nil
}

func tableKeyCol(op Op) string {
	if op >= CPUSchedule {
		return "batch_size"
	}
	return "num_tokens"
}

func read1(path, key string) ([]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tb, err := artifacts.NewTable(path, f, key, "prediction")
	if err != nil {
		return nil, err
	}
	var out []float64
	for tb.Next() {
		k := tb.NonNegInt(key)
		v := tb.Float("prediction")
		if tb.Err() != nil {
			break
		}
		if k > 1<<22 {
			tb.Fail(key, fmt.Errorf("key %d is implausibly large", k))
			break
		}
		for len(out) <= k {
			out = append(out, math.NaN())
		}
		out[k] = v
	}
	return out, tb.Err()
}

func (g *grid2) read(path, xc, yc string, ySquared bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	tb, err := artifacts.NewTable(path, f, xc, yc, "prediction")
	if err != nil {
		return err
	}
	type row struct {
		x, y int
		v    float64
	}
	var rows []row
	xs, ys := map[int]bool{}, map[int]bool{}
	for tb.Next() {
		x, y, v := tb.NonNegInt(xc), tb.NonNegInt(yc), tb.Float("prediction")
		if ySquared && tb.Err() == nil {
			r := int(math.Round(math.Sqrt(float64(y))))
			if r*r != y {
				tb.Fail(yc, fmt.Errorf("%d is not a perfect square", y))
			}
			y = r
		}
		if tb.Err() != nil {
			return tb.Err()
		}
		rows = append(rows, row{x, y, v})
		xs[x], ys[y] = true, true
	}
	if tb.Err() != nil {
		return tb.Err()
	}
	if len(rows) == 0 {
		return &artifacts.FileError{Path: path, Err: errors.New("no rows")}
	}
	var err2 error
	if g.x0, g.dx, g.nx, err2 = axis(xs); err2 != nil {
		return &artifacts.FileError{Path: path, Field: xc, Err: err2}
	}
	if g.y0, g.dy, g.ny, err2 = axis(ys); err2 != nil {
		return &artifacts.FileError{Path: path, Field: yc, Err: err2}
	}
	// Vidur's grids are dense; a sparse one would waste memory (and is not
	// a table Vidur wrote).
	if g.nx*g.ny > 16*len(rows)+1<<20 {
		return &artifacts.FileError{Path: path, Err: fmt.Errorf("%d×%d grid for %d rows is too sparse to be a Vidur prediction table", g.nx, g.ny, len(rows))}
	}
	g.v = make([]float64, g.nx*g.ny)
	for i := range g.v {
		g.v[i] = math.NaN()
	}
	for _, r := range rows {
		g.v[(r.x-g.x0)/g.dx*g.ny+(r.y-g.y0)/g.dy] = r.v
	}
	return nil
}

// axis checks that a key set is an arithmetic progression, as Vidur's
// prediction grids are (vidur-semantics.md §4.4).
func axis(set map[int]bool) (x0, dx, n int, err error) {
	v := make([]int, 0, len(set))
	for k := range set {
		v = append(v, k)
	}
	sort.Ints(v)
	if len(v) == 1 {
		return v[0], 1, 1, nil
	}
	dx = v[1] - v[0]
	for i := 2; i < len(v); i++ {
		if v[i]-v[i-1] != dx {
			return 0, 0, 0, fmt.Errorf("keys are not evenly spaced (%d, %d, %d)", v[i-2], v[i-1], v[i])
		}
	}
	return v[0], dx, len(v), nil
}

// Name implements [Model].
func (t *Tables) Name() string { return TableName }

// Has implements [Model].
func (t *Tables) Has(op Op) bool { return op >= 0 && op < numOps && t.has[op] }

// Op implements [Model].
func (t *Tables) Op(op Op, n int) (float64, error) {
	tab := t.ops[op]
	if n >= 0 && n < len(tab) && !math.IsNaN(tab[n]) {
		return tab[n], nil
	}
	if !t.has[op] {
		return 0, fmt.Errorf("%s: no %s table in %s", TableName, op, t.Dir)
	}
	return 0, &ErrKey{Model: TableName, Op: op.String(), Key: fmt.Sprintf("key %d", n), Range: fmt.Sprintf("keys up to %d", len(tab)-1)}
}

// Decode implements [Model].
func (t *Tables) Decode(batch, kv int) (float64, error) {
	if v, ok := t.decode.at(batch, kv); ok {
		return v, nil
	}
	return 0, &ErrKey{Model: TableName, Op: artifacts.OpAttnDecode, Key: fmt.Sprintf("batch_size=%d kv_cache_size=%d", batch, kv),
		Range: t.decode.describe("batch_size", "kv_cache_size")}
}

// Prefill implements [Model].
func (t *Tables) Prefill(kv, c int) (float64, error) {
	if v, ok := t.pref.at(kv, c); ok {
		return v, nil
	}
	return 0, &ErrKey{Model: TableName, Op: artifacts.OpAttnPrefill, Key: fmt.Sprintf("kv_cache_size=%d prefill_chunk_size=%d", kv, c),
		Range: t.pref.describe("kv_cache_size", "prefill_chunk_size")}
}
