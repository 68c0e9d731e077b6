package predict

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"sync"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/vidur-sim/internal/bundle"
)

// NativeName is the setting that selects [Train].
const NativeName = "native"

// HoldoutFraction is the share of profile rows held out to choose and
// score each operation's fit (the issue asks for 20 %).
const HoldoutFraction = 0.2

// OpReport says how one operation was fitted.
type OpReport struct {
	Op        string  `json:"op"`
	Method    string  `json:"method"` // interp | lsq
	Rows      int     `json:"rows"`   // rows trained on (after cleaning)
	Dropped   int     `json:"dropped_empty"`
	Outliers  int     `json:"dropped_outliers"`
	HoldoutN  int     `json:"holdout_rows"`
	MAPE      float64 `json:"holdout_mape_pct"`
	AltMethod string  `json:"alt_method,omitempty"`
	AltMAPE   float64 `json:"alt_holdout_mape_pct,omitempty"`
	KeyMin    float64 `json:"key_min"`
	KeyMax    float64 `json:"key_max"`
	MaxKey2   float64 `json:"key2_max,omitempty"`
}

// Native is the Go-native predictor: per-operation fits on the profile.
type Native struct {
	op      [numOps]curve
	lo, hi  [numOps]float64
	cache   [numOps][]float64 // op value by integer key, NaN = not yet
	dec     fit2
	pre     fit2
	Reports []OpReport
	Notes   []string

	mu     sync.Mutex
	warned map[string]bool
	warns  []string
}

// fit2 is a fitted 2-D function with its profiled ranges. f evaluates
// the one of g (grouped on b when groupOnB) and l that was chosen; those
// are kept so that state.go can save and restore the fit.
type fit2 struct {
	f            func(a, b float64) float64
	g            *grouped
	groupOnB     bool
	l            *lsq
	aMax, bMax   float64
	aName, bName string
}

// groupedFn evaluates g with the group key taken from b when groupOnB.
func groupedFn(g *grouped, groupOnB bool) func(a, b float64) float64 {
	if groupOnB {
		return func(a, b float64) float64 { return g.at(b, a) }
	}
	return g.at
}

// lsqFn evaluates a two-feature least-squares fit.
func lsqFn(f *lsq) func(a, b float64) float64 {
	var buf [2]float64
	// Not safe for concurrent use; the simulation is one goroutine.
	return func(a, b float64) float64 {
		buf[0], buf[1] = a, b
		return f.at2(buf[:])
	}
}

type sample struct {
	x []float64
	y float64
}

// Train fits every operation the bundle times. seed fixes the hold-out
// split: the fits draw from one generator in a fixed order (token
// operators, KV save, collectives, CPU overheads, attention).
func Train(b *bundle.Bundle, seed uint64, embeddingDim int) (*Native, error) {
	n := &Native{Notes: append([]string(nil), b.Notes...), warned: map[string]bool{}}
	rng := rand.New(rand.NewPCG(seed, 0x401d))
	for _, step := range []func() error{
		func() error { return n.fitTokenOps(rng, b.MLP) },
		func() error { return n.fitKVSave(rng, b.Attn) },
		func() error { return n.fitCollectives(rng, b, embeddingDim) },
		func() error { return n.fitCPU(rng, b.CPU) },
		func() error { return n.trainAttention(rng, b.Attn) },
	} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	for _, op := range artifacts.MLPCoreOps {
		found := false
		for _, r := range n.Reports {
			found = found || r.Op == op
		}
		if !found {
			return nil, fmt.Errorf("%s: %s has no usable timing", b.MLP.Path, op)
		}
	}
	return n, nil
}

// fitTokenOps fits mlp.csv's operators, keyed by num_tokens. The norms and
// add predict 0 when the bundle lacks their column, as in Vidur.
func (n *Native) fitTokenOps(rng *rand.Rand, mlp *bundle.Rows) error {
	tok := mlp.Cols[artifacts.ColNumTokens]
	for op := Op(0); op < numOps; op++ {
		if op.inMLP() {
			if err := n.fit(rng, op, artifacts.MedianColumn(op.String()), mlp, tok); err != nil {
				return err
			}
		}
	}
	for _, op := range []Op{InputNorm, PostAttnNorm, Add} {
		n.zeroIfAbsent(op)
	}
	return nil
}

func (n *Native) zeroIfAbsent(op Op) {
	if n.op[op] == nil {
		n.op[op] = zero{}
		n.lo[op], n.hi[op] = math.Inf(-1), math.Inf(1)
	}
}

// fitKVSave fits attn_kv_cache_save over attention.csv's rows, keyed by
// max(prefill_chunk_size, batch_size); 0 when absent, as in Vidur.
func (n *Native) fitKVSave(rng *rand.Rand, a *bundle.Rows) error {
	xs := make([]float64, a.N)
	for i := range a.N {
		xs[i] = math.Max(a.Cols[artifacts.ColPrefillChunk][i], a.Cols[artifacts.ColBatchSize][i])
	}
	if err := n.fit(rng, KVSave, artifacts.MedianColumn(KVSave.String()), a, xs); err != nil {
		return err
	}
	n.zeroIfAbsent(KVSave)
	return nil
}

// fitCollectives fits the all-reduce and send/recv the bundle has, keyed
// by the message size in fp16 tokens of the embedding width.
func (n *Native) fitCollectives(rng *rand.Rand, b *bundle.Bundle, embeddingDim int) error {
	for _, net := range []struct {
		op Op
		r  *bundle.Rows
	}{{AllReduce, b.AllReduce}, {SendRecv, b.SendRecv}} {
		if net.r == nil {
			continue
		}
		xs := make([]float64, net.r.N)
		for i, sz := range net.r.Cols[artifacts.ColSize] {
			xs[i] = sz / float64(embeddingDim) / 2 // bytes → fp16 tokens of width E
		}
		if err := n.fit(rng, net.op, artifacts.MedianColumn(net.op.String()), net.r, xs); err != nil {
			return err
		}
	}
	return nil
}

// fitCPU fits the CPU overheads, keyed by batch size, when the bundle has
// them.
func (n *Native) fitCPU(rng *rand.Rand, cpu *bundle.Rows) error {
	if cpu == nil {
		return nil
	}
	// A fixed order: every fit draws its hold-out split from rng, so
	// map order here made two runs of the same job fit differently.
	for _, c := range []struct {
		op  Op
		col string
	}{{CPUSchedule, "_median"}, {CPUSamplerE2E, "_median"}, {CPUPrepareInputs, "_median"},
		{CPUProcessOutputs, "_median"}, {CPURayComm, "_mean"}} {
		if err := n.fit(rng, c.op, c.op.String()+c.col, cpu, cpu.Cols[artifacts.ColBatchSize]); err != nil {
			return err
		}
	}
	sort.Slice(n.Reports, func(i, j int) bool { return n.Reports[i].Op < n.Reports[j].Op })
	return nil
}

// fit fits op's column col of r against the keys xs: rows without a
// timing and outliers are dropped (with notes), the model is chosen on a
// hold-out split drawn from rng. A missing column leaves op unfitted.
func (n *Native) fit(rng *rand.Rand, op Op, col string, r *bundle.Rows, xs []float64) error {
	ys, ok := r.Cols[col]
	if !ok {
		return nil
	}
	var s []sample
	dropped := 0
	for i, y := range ys {
		if math.IsNaN(y) {
			dropped++
			continue
		}
		s = append(s, sample{x: []float64{xs[i]}, y: y})
	}
	if len(s) == 0 {
		if dropped > 0 {
			n.Notes = append(n.Notes, fmt.Sprintf("%s: column %s has no timings; %s not modelled", r.Path, col, op))
		}
		return nil
	}
	sx, sy := make([]float64, len(s)), make([]float64, len(s))
	for i, v := range s {
		sx[i], sy[i] = v.x[0], v.y
	}
	bad := outliers(sx, sy)
	kept := s[:0]
	out := 0
	for i, v := range s {
		if bad[i] {
			out++
			continue
		}
		kept = append(kept, v)
	}
	s = kept
	rep := OpReport{Op: op.String(), Rows: len(s), Dropped: dropped, Outliers: out}
	if dropped > 0 {
		n.Notes = append(n.Notes, fmt.Sprintf("%s: %s: %d of %d rows have no timing and were dropped", r.Path, op, dropped, len(ys)))
	}
	uniq := map[float64]int{}
	for _, v := range s {
		uniq[v.x[0]]++
	}
	if d := len(s) - len(uniq); d > 0 {
		n.Notes = append(n.Notes, fmt.Sprintf("%s: %s: %d keys appear more than once with different timings; their timings are averaged", r.Path, op, d))
	}
	if out > 0 {
		n.Notes = append(n.Notes, fmt.Sprintf("%s: %s: %d rows more than %d× away from their neighbours' median were dropped as failed measurements", r.Path, op, out, OutlierFactor))
	}
	c, err := choose1(rng, s, &rep)
	if err != nil {
		return err
	}
	n.op[op] = c
	n.lo[op], n.hi[op] = rep.KeyMin, rep.KeyMax
	n.Reports = append(n.Reports, rep)
	return nil
}

type zero struct{}

func (zero) at(float64) float64 { return 0 }

func (n *Native) trainAttention(rng *rand.Rand, a *bundle.Rows) error {
	var dec, pre []sample
	dDrop, pDrop := 0, 0
	for i := range a.N {
		c, bs, kv := a.Cols[artifacts.ColPrefillChunk][i], a.Cols[artifacts.ColBatchSize][i], a.Cols[artifacts.ColKVCacheSize][i]
		if c == 0 {
			if y := a.Cols[artifacts.MedianColumn(artifacts.OpAttnDecode)][i]; math.IsNaN(y) {
				dDrop++
			} else {
				dec = append(dec, sample{x: []float64{bs, kv}, y: y})
			}
		} else {
			if y := a.Cols[artifacts.MedianColumn(artifacts.OpAttnPrefill)][i]; math.IsNaN(y) {
				pDrop++
			} else {
				pre = append(pre, sample{x: []float64{kv, c}, y: y})
			}
		}
	}
	if len(dec) == 0 || len(pre) == 0 {
		return fmt.Errorf("%s: needs both decode rows (prefill_chunk_size 0) and prefill rows with timings; found %d and %d", a.Path, len(dec), len(pre))
	}
	var err error
	n.dec, err = choose2(rng, dec, artifacts.OpAttnDecode, "batch_size", "kv_cache_size", dDrop, basisDecode, &n.Reports)
	if err != nil {
		return err
	}
	n.pre, err = choose2(rng, pre, artifacts.OpAttnPrefill, "kv_cache_size", "prefill_chunk_size", pDrop, basisPrefill, &n.Reports)
	return err
}

// split returns a seeded permutation's hold-out and training indices.
func split(rng *rand.Rand, n int) (train, test []int) {
	perm := rng.Perm(n)
	k := int(math.Round(HoldoutFraction * float64(n)))
	if n < 5 {
		k = 0 // too few rows to hold any out
	}
	test, train = perm[:k], perm[k:]
	sort.Ints(test)
	sort.Ints(train)
	return train, test
}

func choose1(rng *rand.Rand, s []sample, rep *OpReport) (curve, error) {
	train, test := split(rng, len(s))
	fitPL := func(idx []int) curve {
		xs, ys := make([]float64, len(idx)), make([]float64, len(idx))
		for i, j := range idx {
			xs[i], ys[i] = s[j].x[0], s[j].y
		}
		return newPL(xs, ys)
	}
	fitLin := func(idx []int) curve {
		xs, ys := make([][]float64, len(idx)), make([]float64, len(idx))
		for i, j := range idx {
			xs[i], ys[i] = s[j].x, s[j].y
		}
		return lsq1{fitLSQ(basisLinear, xs, ys)}
	}
	score := func(c curve) float64 {
		ys, ps := make([]float64, len(test)), make([]float64, len(test))
		for i, j := range test {
			ys[i], ps[i] = s[j].y, c.at(s[j].x[0])
		}
		return mape(ys, ps)
	}
	rep.HoldoutN = len(test)
	rep.KeyMin, rep.KeyMax = math.Inf(1), math.Inf(-1)
	for _, v := range s {
		rep.KeyMin, rep.KeyMax = math.Min(rep.KeyMin, v.x[0]), math.Max(rep.KeyMax, v.x[0])
	}
	all := make([]int, len(s))
	for i := range all {
		all[i] = i
	}
	if len(test) == 0 {
		rep.Method, rep.MAPE = "interp", math.NaN()
		return fitPL(all), nil
	}
	mPL, mLin := score(fitPL(train)), score(fitLin(train))
	if mLin < mPL {
		rep.Method, rep.MAPE, rep.AltMethod, rep.AltMAPE = "lsq", mLin, "interp", mPL
		return fitLin(all), nil
	}
	rep.Method, rep.MAPE, rep.AltMethod, rep.AltMAPE = "interp", mPL, "lsq", mLin
	return fitPL(all), nil
}

type lsq1 struct{ f *lsq }

func (l lsq1) at(x float64) float64 { return l.f.at2([]float64{x}) }

func choose2(rng *rand.Rand, s []sample, name, aName, bName string, dropped int, basis basisKind, reps *[]OpReport) (fit2, error) {
	train, test := split(rng, len(s))
	// The grouped interpolation's group key is the first feature for
	// decode (batch size) and the second for prefill (chunk size).
	groupOnB := name == artifacts.OpAttnPrefill
	fitG := func(idx []int) *grouped {
		gs, xs, ys := make([]float64, len(idx)), make([]float64, len(idx)), make([]float64, len(idx))
		for i, j := range idx {
			if groupOnB {
				gs[i], xs[i] = s[j].x[1], s[j].x[0]
			} else {
				gs[i], xs[i] = s[j].x[0], s[j].x[1]
			}
			ys[i] = s[j].y
		}
		return newGrouped(gs, xs, ys)
	}
	fitL := func(idx []int) *lsq {
		xs, ys := make([][]float64, len(idx)), make([]float64, len(idx))
		for i, j := range idx {
			xs[i], ys[i] = s[j].x, s[j].y
		}
		return fitLSQ(basis, xs, ys)
	}
	score := func(f func(a, b float64) float64) float64 {
		ys, ps := make([]float64, len(test)), make([]float64, len(test))
		for i, j := range test {
			ys[i], ps[i] = s[j].y, f(s[j].x[0], s[j].x[1])
		}
		return mape(ys, ps)
	}
	rep := OpReport{Op: name, Rows: len(s), Dropped: dropped, HoldoutN: len(test)}
	out := fit2{aName: aName, bName: bName, groupOnB: groupOnB}
	for _, v := range s {
		out.aMax, out.bMax = math.Max(out.aMax, v.x[0]), math.Max(out.bMax, v.x[1])
	}
	rep.KeyMax, rep.MaxKey2 = out.aMax, out.bMax
	all := make([]int, len(s))
	for i := range all {
		all[i] = i
	}
	mG, mL := score(groupedFn(fitG(train), groupOnB)), score(lsqFn(fitL(train)))
	if mL < mG {
		rep.Method, rep.MAPE, rep.AltMethod, rep.AltMAPE = "lsq", mL, "interp", mG
		out.l = fitL(all)
		out.f = lsqFn(out.l)
	} else {
		rep.Method, rep.MAPE, rep.AltMethod, rep.AltMAPE = "interp", mG, "lsq", mL
		out.g = fitG(all)
		out.f = groupedFn(out.g, groupOnB)
	}
	*reps = append(*reps, rep)
	return out, nil
}

// Name implements [Model].
func (n *Native) Name() string { return NativeName }

// Has implements [Model].
func (n *Native) Has(op Op) bool { return op >= 0 && op < numOps && n.op[op] != nil }

// Op implements [Model]; keys outside the profiled range extrapolate
// with a warning.
func (n *Native) Op(op Op, k int) (float64, error) {
	c := n.op[op]
	if c == nil {
		return 0, fmt.Errorf("%s: the bundle has no timings for %s", NativeName, op)
	}
	if cs := n.cache[op]; k >= 0 && k < len(cs) && !math.IsNaN(cs[k]) {
		return cs[k], nil
	}
	x := float64(k)
	if x < n.lo[op] || x > n.hi[op] {
		n.warn(op.String(), fmt.Sprintf("%s: key %d is outside the profiled range %g..%g; extrapolated linearly", op, k, n.lo[op], n.hi[op]))
	}
	v := c.at(x)
	if k >= 0 && k < cacheKeys {
		if k >= len(n.cache[op]) {
			n.growCache(op, k)
		}
		n.cache[op][k] = v
	}
	return v, nil
}

// growCache makes op's memo hold key k: the memo grows by powers of two
// as keys are met, since a run's batches rarely reach the 64 Ki bound and
// filling that much for every operation cost more than a short run.
func (n *Native) growCache(op Op, k int) {
	old := n.cache[op]
	size := max(1024, len(old))
	for size <= k {
		size *= 2
	}
	cs := make([]float64, min(size, cacheKeys))
	copy(cs, old)
	for i := len(old); i < len(cs); i++ {
		cs[i] = math.NaN()
	}
	n.cache[op] = cs
}

// cacheKeys bounds the memo of token-indexed values: keys are batch
// token counts, so 64 Ki covers any batch a 4096-token grid profiles.
const cacheKeys = 1 << 16

// Decode implements [Model].
func (n *Native) Decode(batch, kv int) (float64, error) {
	return n.two(&n.dec, artifacts.OpAttnDecode, float64(batch), float64(kv)), nil
}

// Prefill implements [Model].
func (n *Native) Prefill(kv, c int) (float64, error) {
	return n.two(&n.pre, artifacts.OpAttnPrefill, float64(kv), float64(c)), nil
}

func (n *Native) two(f *fit2, name string, a, b float64) float64 {
	if a > f.aMax || b > f.bMax {
		n.warn(name, fmt.Sprintf("%s: %s=%g %s=%g is outside the profiled range (%s up to %g, %s up to %g); extrapolated",
			name, f.aName, a, f.bName, b, f.aName, f.aMax, f.bName, f.bMax))
	}
	return f.f(a, b)
}

func (n *Native) warn(key, msg string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.warned[key] {
		n.warned[key] = true
		n.warns = append(n.warns, msg+" (first occurrence; later ones not repeated)")
	}
}

// Warnings returns the extrapolation warnings met so far.
func (n *Native) Warnings() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.warns...)
}
