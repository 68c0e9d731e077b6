package load

import (
	"math"
	"sort"
	"strconv"

	"github.com/simcheck/simcheck/compare-runs/internal/align"
	"github.com/simcheck/simcheck/compare-runs/internal/metrics"
	"github.com/simcheck/simcheck/pkg/artifacts"
)

// Input is one load point as the comparison prepared it.
type Input struct {
	Reals []*align.Run
	// Result is the simulated run (Result.Sim) compared with Reals
	// (metrics.Compare): one pairing per real run, in order.
	Result     *metrics.Result
	WorkloadID string
}

// SLO is what the capacity is judged against: objectives in ms (0 = not
// given) and the quantile of TTFT and TBT they bound.
type SLO struct {
	TTFTms, TBTms float64
	Quantile      float64 // in (0, 1]
}

// Asked reports whether the SLO asks for a capacity.
func (s SLO) Asked() bool { return s.TTFTms > 0 || s.TBTms > 0 }

// Figure is one statistic of one metric at one load point, real against
// simulated.
type Figure struct {
	Metric, Stat string
	Unit         string // s, req/s or count
	// Real pools the real runs; NoiseFloor is the spread of the real
	// runs' own values (NaN with one real run).
	Real, Sim, RelError, NoiseFloor float64
	// Tolerance is tolerance.<metric> (NaN: no verdict). Allowed is the
	// |error| that passes: the tolerance, or twice the noise floor when
	// that is larger (Rule says which).
	Tolerance, Allowed float64
	Rule, Verdict      string
}

// Verdict rules.
const (
	RuleTolerance = "tolerance"
	RuleNoise     = "2× noise floor"
)

// Point is one load point's figures.
type Point struct {
	Reals      []*align.Run
	Sim        *align.Run
	WorkloadID string
	Offered    Offered
	Figures    []Figure
}

// Figure returns the point's figure of metric and stat, and whether it
// has one.
func (p *Point) Figure(metric, stat string) (Figure, bool) {
	for _, f := range p.Figures {
		if f.Metric == metric && f.Stat == stat {
			return f, true
		}
	}
	return Figure{}, false
}

// Metric keys of the figures that are not latencies.
const (
	Throughput  = "request_throughput"
	Preemptions = "preemptions"
)

// latencyKeys are the latencies reported at each load, in table order.
var latencyKeys = []string{"ttft", "tbt", "e2e", "scheduling_delay"}

// StatName names the p-th percentile: p90, p99.5.
func StatName(p float64) string {
	return "p" + strconv.FormatFloat(math.Round(p*1e6)/1e6, 'f', -1, 64)
}

// percentilesOf are the percentiles reported for a latency: p50 and p90,
// and the SLO's quantile for TTFT and TBT when the SLO asks for a
// capacity.
func percentilesOf(key string, slo SLO) []float64 {
	ps := []float64{50, 90}
	q := slo.Quantile * 100
	if slo.Asked() && (key == "ttft" || key == "tbt") && StatName(q) != "p50" && StatName(q) != "p90" {
		ps = append(ps, q)
	}
	return ps
}

// Measure computes a point's figures: the achieved request throughput,
// each latency's percentiles, and the preemptions, real against
// simulated, with the noise floor and verdict of each. tol maps a metric
// key to tolerance.<key>.
func Measure(in Input, tol map[string]float64, slo SLO) Point {
	p := Point{Reals: in.Reals, Sim: in.Result.Sim, WorkloadID: in.WorkloadID, Offered: OfferedLoad(in.Reals[0])}
	p.Figures = append(p.Figures, throughput(in))
	for _, key := range latencyKeys {
		m := metricOf(key)
		perRun := make([][]float64, len(in.Result.Pairings))
		var pooled, sim []float64
		for i, pr := range in.Result.Pairings {
			r, s := metrics.Samples(pr, m)
			perRun[i] = sorted(r)
			pooled = append(pooled, r...)
			sim = append(sim, s...)
		}
		pooled, sim = sorted(pooled), sorted(sim)
		for _, pc := range percentilesOf(key, slo) {
			f := Figure{Metric: key, Stat: StatName(pc), Unit: "s",
				Real: artifacts.Percentile(pooled, pc), Sim: artifacts.Percentile(sim, pc)}
			vals := make([]float64, len(perRun))
			for i, r := range perRun {
				vals[i] = artifacts.Percentile(r, pc)
			}
			f.NoiseFloor = metrics.NoiseFloor(vals)
			p.Figures = append(p.Figures, f)
		}
	}
	p.Figures = append(p.Figures, preemptions(in))
	for i := range p.Figures {
		f := &p.Figures[i]
		f.RelError = metrics.RelError(f.Real, f.Sim)
		judge(f, tol[f.Metric], len(in.Reals))
	}
	return p
}

func metricOf(key string) metrics.Metric {
	for _, m := range metrics.All {
		if m.Key == key {
			return m
		}
	}
	panic("load: no metric " + key)
}

func sorted(xs []float64) []float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s
}

// throughput is the achieved request throughput: completed requests over
// run_meta.json's duration. The real runs pool as all their completed
// requests over all their durations.
func throughput(in Input) Figure {
	f := Figure{Metric: Throughput, Stat: "achieved", Unit: "req/s"}
	var done, dur float64
	vals := make([]float64, len(in.Reals))
	for i, r := range in.Reals {
		c, d := completedIn(r)
		vals[i] = c / d
		done, dur = done+c, dur+d
	}
	f.Real, f.NoiseFloor = done/dur, metrics.NoiseFloor(vals)
	c, d := completedIn(in.Result.Sim)
	f.Sim = c / d
	return f
}

// completedIn returns a run's completed requests and its duration (s);
// the duration is NaN when unknown (Python Vidur output) or not positive.
func completedIn(r *align.Run) (done, duration float64) {
	for _, q := range r.Requests {
		if q.Status == artifacts.StatusOK {
			done++
		}
	}
	if r.Meta == nil || !(r.Meta.Duration > 0) {
		return done, math.NaN()
	}
	return done, r.Meta.Duration
}

// preemptions is the number of restarts (num_restarts summed over every
// request of a run); the real figure is the mean over the real runs.
func preemptions(in Input) Figure {
	f := Figure{Metric: Preemptions, Stat: "sum", Unit: "count"}
	vals := make([]float64, len(in.Reals))
	var sum float64
	for i, r := range in.Reals {
		vals[i] = restarts(r)
		sum += vals[i]
	}
	f.Real, f.NoiseFloor = sum/float64(len(in.Reals)), metrics.NoiseFloor(vals)
	f.Sim = restarts(in.Result.Sim)
	return f
}

func restarts(r *align.Run) float64 {
	n := 0
	for _, q := range r.Requests {
		n += q.NumRestarts
	}
	return float64(n)
}

// judge sets the verdict: with one real run a figure passes when
// |error| ≤ tolerance; with several, when |error| ≤ max(tolerance, 2 ×
// noise floor), since a simulator cannot be asked to agree with the real
// system more closely than two of its runs agree with each other. No
// tolerance (0, or a metric without a tolerance key) or no relative
// error leaves the verdict empty.
func judge(f *Figure, tol float64, reals int) {
	f.Tolerance, f.Allowed = math.NaN(), math.NaN()
	if !(tol > 0) || math.IsNaN(f.RelError) {
		return
	}
	f.Tolerance, f.Allowed, f.Rule = tol, tol, RuleTolerance
	if reals > 1 && 2*f.NoiseFloor > tol {
		f.Allowed, f.Rule = 2*f.NoiseFloor, RuleNoise
	}
	f.Verdict = "fail"
	if math.Abs(f.RelError) <= f.Allowed {
		f.Verdict = "pass"
	}
}
