package predict

import (
	"math"
	"sort"
)

// curve is a fitted 1-D function.
type curve interface{ at(x float64) float64 }

// pl is piecewise-linear interpolation through sorted, distinct x,
// extended linearly beyond both ends. The profiles are dense grids of
// medians, so interpolation is the natural "regression" of one feature.
type pl struct{ x, y []float64 }

// newPL averages duplicate x (real bundles repeat rows with different
// timings) and sorts.
func newPL(xs, ys []float64) *pl {
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return xs[idx[a]] < xs[idx[b]] })
	p := &pl{}
	for k := 0; k < len(idx); {
		x := xs[idx[k]]
		sum, n := 0.0, 0
		for ; k < len(idx) && xs[idx[k]] == x; k++ {
			sum += ys[idx[k]]
			n++
		}
		p.x = append(p.x, x)
		p.y = append(p.y, sum/float64(n))
	}
	return p
}

func (p *pl) at(x float64) float64 {
	n := len(p.x)
	if n == 1 {
		return p.y[0]
	}
	i := sort.SearchFloat64s(p.x, x)
	if i < n && p.x[i] == x {
		return p.y[i]
	}
	lo := min(max(i-1, 0), n-2)
	t := (x - p.x[lo]) / (p.x[lo+1] - p.x[lo])
	return math.Max(0, p.y[lo]+t*(p.y[lo+1]-p.y[lo]))
}

// lsq is a least-squares fit on a feature basis, weighted by 1/y² so
// that it minimises relative (not absolute) error, like the MAPE it is
// judged by.
type lsq struct {
	kind  basisKind
	basis func(x []float64, out []float64)
	coef  []float64
	buf   []float64
}

// basisKind names a least-squares feature basis, so that a saved fit
// (state.go) can be evaluated again.
type basisKind uint8

const (
	basisLinear  basisKind = iota + 1 // 1, x
	basisDecode                       // attention decode: 1, batch, kv, batch·kv
	basisPrefill                      // attention prefill: 1, c, c², c·kv, kv
)

// basisFunc returns the basis and its size; ok is false for an unknown
// kind.
func basisFunc(k basisKind) (f func(x, o []float64), size int, ok bool) {
	switch k {
	case basisLinear:
		return func(x, o []float64) { o[0], o[1] = 1, x[0] }, 2, true
	case basisDecode:
		return func(x, o []float64) { o[0], o[1], o[2], o[3] = 1, x[0], x[1], x[0]*x[1] }, 4, true
	case basisPrefill:
		return func(x, o []float64) {
			kv, c := x[0], x[1]
			o[0], o[1], o[2], o[3], o[4] = 1, c, c*c, c*kv, kv
		}, 5, true
	}
	return nil, 0, false
}

func fitLSQ(kind basisKind, xs [][]float64, ys []float64) *lsq {
	basis, k, _ := basisFunc(kind)
	f := &lsq{kind: kind, basis: basis, coef: make([]float64, k), buf: make([]float64, k)}
	// Column scales keep the normal equations well conditioned.
	scale := make([]float64, k)
	row := make([]float64, k)
	for _, x := range xs {
		basis(x, row)
		for j, v := range row {
			scale[j] = math.Max(scale[j], math.Abs(v))
		}
	}
	for j := range scale {
		if scale[j] == 0 {
			scale[j] = 1
		}
	}
	a := make([]float64, k*k)
	b := make([]float64, k)
	for i, x := range xs {
		y := ys[i]
		if y <= 0 {
			continue
		}
		w := 1 / (y * y)
		basis(x, row)
		for j := range row {
			row[j] /= scale[j]
		}
		for p := range k {
			b[p] += w * row[p] * y
			for q := range k {
				a[p*k+q] += w * row[p] * row[q]
			}
		}
	}
	// Tiny ridge term: a basis column can be constant on a small set.
	for p := range k {
		a[p*k+p] += 1e-12
	}
	sol := solve(a, b, k)
	for j := range sol {
		f.coef[j] = sol[j] / scale[j]
	}
	return f
}

func (f *lsq) at2(x []float64) float64 {
	f.basis(x, f.buf)
	s := 0.0
	for j, c := range f.coef {
		s += c * f.buf[j]
	}
	return math.Max(0, s)
}

// solve is Gaussian elimination with partial pivoting on a k×k system.
func solve(a, b []float64, k int) []float64 {
	for c := range k {
		p := c
		for r := c + 1; r < k; r++ {
			if math.Abs(a[r*k+c]) > math.Abs(a[p*k+c]) {
				p = r
			}
		}
		if p != c {
			for j := range k {
				a[c*k+j], a[p*k+j] = a[p*k+j], a[c*k+j]
			}
			b[c], b[p] = b[p], b[c]
		}
		if a[c*k+c] == 0 {
			continue
		}
		for r := c + 1; r < k; r++ {
			f := a[r*k+c] / a[c*k+c]
			for j := c; j < k; j++ {
				a[r*k+j] -= f * a[c*k+j]
			}
			b[r] -= f * b[c]
		}
	}
	x := make([]float64, k)
	for r := k - 1; r >= 0; r-- {
		s := b[r]
		for j := r + 1; j < k; j++ {
			s -= a[r*k+j] * x[j]
		}
		if a[r*k+r] != 0 {
			x[r] = s / a[r*k+r]
		}
	}
	return x
}

// grouped is a 2-D interpolation over ragged grids: one [pl] in x per
// value of the group key g, blended linearly between neighbouring groups
// (and extended from the nearest two beyond them).
type grouped struct {
	keys   []float64
	curves []*pl
}

func newGrouped(gs, xs, ys []float64) *grouped {
	by := map[float64][]int{}
	for i, g := range gs {
		by[g] = append(by[g], i)
	}
	out := &grouped{}
	for g := range by {
		out.keys = append(out.keys, g)
	}
	sort.Float64s(out.keys)
	for _, g := range out.keys {
		var x, y []float64
		for _, i := range by[g] {
			x = append(x, xs[i])
			y = append(y, ys[i])
		}
		out.curves = append(out.curves, newPL(x, y))
	}
	return out
}

func (g *grouped) at(key, x float64) float64 {
	n := len(g.keys)
	if n == 1 {
		return g.curves[0].at(x)
	}
	i := sort.SearchFloat64s(g.keys, key)
	if i < n && g.keys[i] == key {
		return g.curves[i].at(x)
	}
	lo := min(max(i-1, 0), n-2)
	v0, v1 := g.curves[lo].at(x), g.curves[lo+1].at(x)
	t := (key - g.keys[lo]) / (g.keys[lo+1] - g.keys[lo])
	return math.Max(0, v0+t*(v1-v0))
}

// mape is Vidur's mean absolute percentage error (vidur-semantics.md §4.3): for y == 0
// the error is 0 when the prediction is 0, else 100.
func mape(ys, ps []float64) float64 {
	if len(ys) == 0 {
		return math.NaN()
	}
	s := 0.0
	for i, y := range ys {
		switch {
		case y != 0:
			s += math.Abs(y-ps[i]) / math.Abs(y) * 100
		case ps[i] != 0:
			s += 100
		}
	}
	return s / float64(len(ys))
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// OutlierFactor is how far (as a ratio) a timing may sit from the median
// of its neighbours before it is dropped as a failed measurement. The
// shared A30 bundle has attn_pre_proj rows of 0.002 ms among neighbours
// of 0.3–1 ms (a kernel the profiler missed); real timing noise between
// adjacent grid points stays far below a factor of 5.
const OutlierFactor = 5

// outliers flags samples whose timing is more than OutlierFactor away
// from what up to 5 neighbours on each side allow. An operator's time
// lies between flat and proportional to its key, so neighbour j allows
// [y_j·min(1, x/x_j), y_j·max(1, x/x_j)]; a sample is flagged below the
// median of the lower bounds ÷ OutlierFactor or above the median of the
// upper bounds × OutlierFactor. On a dense grid both bounds are the
// neighbours' timings; on a sparse one (1, 2, 4, 8, 40, …) the one-token
// row of an operator that grows with tokens is not mistaken for a failure.
func outliers(xs, ys []float64) []bool {
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return xs[idx[a]] < xs[idx[b]] })
	bad := make([]bool, len(xs))
	const w = 5
	lo := make([]float64, 0, 2*w)
	hi := make([]float64, 0, 2*w)
	for k, i := range idx {
		lo, hi = lo[:0], hi[:0]
		for j := max(0, k-w); j <= min(len(idx)-1, k+w); j++ {
			if j == k {
				continue
			}
			yj, r := ys[idx[j]], 1.0
			if x, xj := xs[i], xs[idx[j]]; x > 0 && xj > 0 {
				r = x / xj
			}
			lo = append(lo, yj*min(1, r))
			hi = append(hi, yj*max(1, r))
		}
		if len(lo) < 4 {
			continue
		}
		sort.Float64s(lo)
		sort.Float64s(hi)
		mlo, mhi := lo[len(lo)/2], hi[len(hi)/2]
		y := ys[i]
		if mlo > 0 && (y <= 0 || y*OutlierFactor < mlo || y > mhi*OutlierFactor) {
			bad[i] = true
		}
	}
	return bad
}
