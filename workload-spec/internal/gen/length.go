package gen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// lengths yields (prefill, decode) token counts before max_tokens clipping.
type lengths interface {
	next() (prefill, decode float64, ok bool)
}

type fixedLengths struct{ p, d float64 }

func (f fixedLengths) next() (float64, float64, bool) { return f.p, f.d, true }

// uniformLengths draws a real total in [min, max] and splits it by the
// prefill:decode ratio, decode rounded up (vidur-semantics.md §8.2).
type uniformLengths struct {
	r        *rand.Rand
	min, max float64
	ratio    float64
}

func (u uniformLengths) next() (float64, float64, bool) {
	total := u.min + (u.max-u.min)*u.r.Float64()
	d := math.Ceil(total / (1 + u.ratio))
	return total - d, d, true
}

// zipfLengths is Vidur's Zipf generator (vidur-semantics.md §8.2), including its
// zeta sum that stops at n−1, over totals in [min, max].
type zipfLengths struct {
	r            *rand.Rand
	min          float64
	items        float64
	theta, alpha float64
	zetan, eta   float64
	ratio        float64
}

func newZipfLengths(r *rand.Rand, lo, hi int, theta, ratio float64) *zipfLengths {
	items := float64(hi - lo + 1)
	zeta := func(n float64) float64 {
		s := 0.0
		for i := 1.0; i < n; i++ {
			s += math.Pow(i, -theta)
		}
		return s
	}
	z := &zipfLengths{r: r, min: float64(lo), items: items, theta: theta, ratio: ratio}
	z.alpha = 1 / (1 - theta)
	z.zetan = zeta(items)
	zeta2 := zeta(2)
	z.eta = (1 - math.Pow(2/items, 1-theta)) / (1 - zeta2/(z.zetan+1e-8))
	return z
}

func (z *zipfLengths) next() (float64, float64, bool) {
	u := z.r.Float64()
	var total float64
	switch uz := u * z.zetan; {
	case uz < 1:
		total = z.min
	case uz < 1+math.Pow(0.5, z.theta):
		total = z.min + 1
	default:
		total = z.min + math.Trunc(z.items*math.Pow(z.eta*u-z.eta+1, z.alpha))
	}
	d := total / (1 + z.ratio)
	return total - d, d, true
}

// traceLengths serves the rows of a lengths CSV in order (after an
// optional seeded shuffle, as Vidur does).
type traceLengths struct {
	rows [][2]float64
	i    int
}

func (t *traceLengths) next() (float64, float64, bool) {
	if t.i >= len(t.rows) {
		return 0, 0, false
	}
	r := t.rows[t.i]
	t.i++
	return r[0], r[1], true
}

func readLengthTrace(path string, maxTokens int) ([][2]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("workload.length.trace_file: %w", err)
	}
	defer f.Close()
	t, err := artifacts.NewTable(path, f, "num_prefill_tokens", "num_decode_tokens")
	if err != nil {
		return nil, err
	}
	var rows [][2]float64
	for t.Next() {
		p := t.NonNegInt("num_prefill_tokens")
		d := t.NonNegInt("num_decode_tokens")
		if t.Err() != nil {
			return nil, t.Err()
		}
		// Vidur's trace length rule: shrink both sides in proportion to
		// fit max_tokens, then keep each at least 1.
		total := p + d
		if excess := total - maxTokens; excess > 0 && total > 0 {
			p -= int(math.Ceil(float64(excess) * float64(p) / float64(total)))
			d -= int(math.Ceil(float64(excess) * float64(d) / float64(total)))
		}
		rows = append(rows, [2]float64{float64(max(p, 1)), float64(max(d, 1))})
	}
	if t.Err() != nil {
		return nil, t.Err()
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s: no rows", path)
	}
	return rows, nil
}

func newLengths(s *Settings) (lengths, error) {
	r := newRand(s.Seed, streamLength)
	l := s.Length
	switch l.Kind {
	case "fixed":
		return fixedLengths{float64(l.PrefillTokens), float64(l.DecodeTokens)}, nil
	case "uniform":
		return uniformLengths{r: r, min: float64(l.MinTokens), max: float64(l.MaxTokens), ratio: l.PDRatio}, nil
	case "zipf":
		return newZipfLengths(r, l.MinTokens, l.MaxTokens, l.Theta, l.PDRatio), nil
	case "trace":
		rows, err := readLengthTrace(l.TraceFile, s.MaxTokens)
		if err != nil {
			return nil, err
		}
		if l.Shuffle {
			r.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
		}
		return &traceLengths{rows: rows}, nil
	}
	return nil, fmt.Errorf("workload.length.kind: unknown %q", l.Kind)
}

// Requests draws the trace: arrival times and clipped lengths.
func Requests(s *Settings) ([]artifacts.Request, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	iv, err := newIntervals(s)
	if err != nil {
		return nil, err
	}
	ln, err := newLengths(s)
	if err != nil {
		return nil, err
	}
	var out []artifacts.Request
	t := 0.0
	for {
		if s.Duration > 0 {
			if t >= s.Duration {
				break
			}
		} else if len(out) == s.NumRequests {
			break
		}
		if len(out) >= maxGenerated {
			return nil, fmt.Errorf("workload.duration: %g s at this rate gives more than %d requests", s.Duration, maxGenerated)
		}
		dt, ok := iv.next()
		if !ok {
			if s.Duration > 0 {
				break
			}
			return nil, fmt.Errorf("workload.num_requests: %d is more than the %d rows of workload.arrival.trace_file", s.NumRequests, len(out))
		}
		p, d, ok := ln.next()
		if !ok {
			if s.Duration > 0 {
				break
			}
			return nil, fmt.Errorf("workload.num_requests: %d is more than the %d rows of workload.length.trace_file", s.NumRequests, len(out))
		}
		t += dt
		if s.Duration > 0 && t >= s.Duration {
			break
		}
		prefill, decode := int(p), int(d)
		// Vidur's request-level clipping: the prompt gives way.
		if excess := prefill + decode - s.MaxTokens; excess > 0 {
			prefill -= excess
		}
		if decode < 1 {
			decode = 1
		}
		if prefill < 1 {
			return nil, fmt.Errorf("workload.max_tokens: %d is smaller than request %d (decode %d tokens leaves no prompt)", s.MaxTokens, len(out), decode)
		}
		out = append(out, artifacts.Request{RequestID: len(out), ArrivedAt: t, NumPrefillTokens: prefill, NumDecodeTokens: decode})
	}
	return out, nil
}
