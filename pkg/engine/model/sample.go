package model

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"

	"github.com/simcheck/simcheck/pkg/engine/backend"
)

// Sampling selects how a token is drawn from logits. Temperature 0 is
// greedy (argmax, lowest id on ties); otherwise softmax(logits/T),
// restricted to the smallest set of tokens whose probability reaches TopP
// (0 or 1 means no restriction).
type Sampling struct {
	Temperature float64
	TopP        float64
}

// Sample draws one token; r is used only when Temperature > 0, so greedy
// runs need no RNG.
func (s Sampling) Sample(logits []float32, r *rand.Rand) int32 {
	if s.Temperature <= 0 || r == nil {
		return int32(argmax(logits))
	}
	mx := math.Inf(-1)
	for _, v := range logits {
		mx = math.Max(mx, float64(v))
	}
	type cand struct {
		id int32
		p  float64
	}
	cs := make([]cand, len(logits))
	var sum float64
	for i, v := range logits {
		p := math.Exp((float64(v) - mx) / s.Temperature)
		cs[i] = cand{int32(i), p}
		sum += p
	}
	if s.TopP > 0 && s.TopP < 1 {
		sort.Slice(cs, func(i, j int) bool {
			if cs[i].p != cs[j].p {
				return cs[i].p > cs[j].p
			}
			return cs[i].id < cs[j].id
		})
		var acc float64
		for i := range cs {
			acc += cs[i].p / sum
			if acc >= s.TopP {
				cs = cs[:i+1]
				break
			}
		}
		sum = 0
		for _, c := range cs {
			sum += c.p
		}
	}
	u := r.Float64() * sum
	for _, c := range cs {
		u -= c.p
		if u < 0 {
			return c.id
		}
	}
	return cs[len(cs)-1].id
}

// argmax is the first index of the largest value (NaNs never win; a NaN
// at index 0 is returned as the old scan did). Four running maxima over
// interleaved positions instead of one: a single chain waits on each
// compare, and at 32 × 152k logits a step spent milliseconds there.
func argmax(x []float32) int {
	if len(x) == 0 {
		return 0
	}
	bv := [4]float32{x[0], x[0], x[0], x[0]}
	var bi [4]int
	i := 1
	for ; i+4 <= len(x); i += 4 {
		v := x[i : i+4 : i+4]
		if v[0] > bv[0] {
			bv[0], bi[0] = v[0], i
		}
		if v[1] > bv[1] {
			bv[1], bi[1] = v[1], i+1
		}
		if v[2] > bv[2] {
			bv[2], bi[2] = v[2], i+2
		}
		if v[3] > bv[3] {
			bv[3], bi[3] = v[3], i+3
		}
	}
	for ; i < len(x); i++ {
		if x[i] > bv[0] {
			bv[0], bi[0] = x[i], i
		}
	}
	best := 0
	for l := 1; l < 4; l++ {
		if bv[l] > bv[best] || (bv[l] == bv[best] && bi[l] < bi[best]) {
			best = l
		}
	}
	return bi[best]
}

// SampleAll samples one token per logits row, timed as "sample".
func (m *Model) SampleAll(logits [][]float32, s Sampling, r *rand.Rand) []int32 {
	m.start(OpSample, -1, len(logits))
	out := make([]int32, len(logits))
	if am, ok := m.B.(backend.Argmaxer); ok && (s.Temperature <= 0 || r == nil) {
		am.ArgmaxRows(out, logits)
		m.end(OpSample, -1, len(logits))
		return out
	}
	if (s.Temperature <= 0 || r == nil) && len(logits) >= 8 {
		// Greedy draws nothing from r, so sequences are independent:
		// the argmaxes of a large batch (32 × 152k logits) split over
		// the cores.
		var wg sync.WaitGroup
		per := (len(logits) + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0)
		for lo := 0; lo < len(logits); lo += per {
			wg.Go(func() {
				for i := lo; i < min(lo+per, len(logits)); i++ {
					if logits[i] != nil {
						out[i] = s.Sample(logits[i], nil)
					}
				}
			})
		}
		wg.Wait()
		m.end(OpSample, -1, len(logits))
		return out
	}
	for i, l := range logits {
		if l != nil {
			out[i] = s.Sample(l, r)
		}
	}
	m.end(OpSample, -1, len(logits))
	return out
}
