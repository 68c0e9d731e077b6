package load

import (
	"fmt"
	"math"

	"github.com/simcheck/simcheck/compare-runs/internal/align"
	"github.com/simcheck/simcheck/pkg/artifacts"
)

// Offered is a load point's offered load.
type Offered struct {
	QPS float64 // requests per second; NaN when unknown
	// FromArrivals is true when QPS was estimated from the run's arrival
	// times because the workload states no rate.
	FromArrivals bool
	Note         string // where QPS came from, for the report
}

// OfferedLoad is the rate at which run r was sent requests: its
// workload's arrival rate (workload_meta.json generator.arrival.qps,
// found through run_meta.json's workload.dir), divided by real-bench's
// time_scale when the run stretched the arrivals. A workload that states
// no rate (static or trace arrivals, a workload directory that cannot be
// read, Python Vidur output) gives the number of requests over the span
// of their arrival times instead, and says so.
func OfferedLoad(r *align.Run) Offered {
	why := ""
	switch {
	case r.Meta == nil:
		why = "Python Vidur output names no workload"
	case r.Meta.Workload.Dir == "":
		why = "run_meta.json names no workload directory"
	default:
		dir := r.Meta.Workload.Dir
		m, err := artifacts.ReadWorkloadMeta(dir)
		if err != nil {
			why = fmt.Sprintf("the workload's metadata cannot be read (%v)", err)
			break
		}
		qps, kind, ok := m.ArrivalQPS()
		if !ok {
			why = fmt.Sprintf("workload %s states no arrival rate (arrival kind %q)", m.WorkloadID, kind)
			break
		}
		o := Offered{QPS: qps, Note: fmt.Sprintf("workload %s: %s arrivals at %s QPS", m.WorkloadID, kind, num(qps))}
		if s := timeScale(r); s != 1 {
			o.QPS = qps / s
			o.Note += fmt.Sprintf(", stretched by the run's time_scale %s", num(s))
		}
		return o
	}
	return fromArrivals(r, why)
}

// timeScale is real-bench's time_scale (run_meta.json extra.time_scale):
// the run admitted request i at arrival × time_scale. 1 when absent.
func timeScale(r *align.Run) float64 {
	if s, ok := r.Meta.Extra["time_scale"].(float64); ok && s > 0 {
		return s
	}
	return 1
}

// fromArrivals estimates the offered load as the number of requests
// over the span between the first and the last arrival.
func fromArrivals(r *align.Run, why string) Offered {
	n := len(r.Requests)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, q := range r.Requests {
		lo, hi = min(lo, q.ArrivedAt), max(hi, q.ArrivedAt)
	}
	if n < 2 || !(hi > lo) {
		return Offered{QPS: math.NaN(), Note: fmt.Sprintf("unknown: %s, and the arrivals span no time", why)}
	}
	span := hi - lo
	return Offered{QPS: float64(n) / span, FromArrivals: true,
		Note: fmt.Sprintf("%d requests / %s s between the first and the last arrival, since %s", n, num(span), why)}
}
