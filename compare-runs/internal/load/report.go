package load

import (
	"math"
	"sort"

	"github.com/simcheck/simcheck/compare-runs/internal/figs"
)

// Report is a load report: the points by offered load and the capacity
// of each side.
type Report struct {
	ID string
	// Points are sorted by offered load; points whose load is unknown
	// come last and are left out of the curves and the capacity.
	Points   []Point
	SLO      SLO
	Capacity CapacityResult
	Warnings []string
	Figures  figs.Written
}

// CapacityResult is the capacity at the SLO on both sides.
type CapacityResult struct {
	Asked     bool
	Real, Sim Capacity
	// RelError is (sim − real)/real when both were interpolated; NaN
	// otherwise (a bound is not a value).
	RelError float64
}

// NewReport sorts the points by offered load and finds the capacity of
// each side. Points with the same load keep their given order.
func NewReport(id string, points []Point, slo SLO, warnings []string) *Report {
	r := &Report{ID: id, Points: append([]Point(nil), points...), SLO: slo, Warnings: warnings}
	sort.SliceStable(r.Points, func(i, j int) bool {
		a, b := r.Points[i].Offered.QPS, r.Points[j].Offered.QPS
		return a < b || (!math.IsNaN(a) && math.IsNaN(b))
	})
	r.Capacity = CapacityResult{Asked: slo.Asked(), RelError: math.NaN()}
	if !r.Capacity.Asked {
		return r
	}
	known := r.Known()
	loads := make([]float64, len(known))
	for i, p := range known {
		loads[i] = p.Offered.QPS
	}
	r.Capacity.Real = FindCapacity(loads, r.objectives(known, func(f Figure) float64 { return f.Real }))
	r.Capacity.Sim = FindCapacity(loads, r.objectives(known, func(f Figure) float64 { return f.Sim }))
	if r.Capacity.Real.Status == Interpolated && r.Capacity.Sim.Status == Interpolated {
		r.Capacity.RelError = (r.Capacity.Sim.QPS - r.Capacity.Real.QPS) / r.Capacity.Real.QPS
	}
	return r
}

// Known returns the points whose offered load is known, by load.
func (r *Report) Known() []Point {
	var out []Point
	for _, p := range r.Points {
		if !math.IsNaN(p.Offered.QPS) {
			out = append(out, p)
		}
	}
	return out
}

// objectives are the SLO's objectives over the points, with one side's
// values (side picks real or sim from a figure).
func (r *Report) objectives(points []Point, side func(Figure) float64) []Objective {
	stat := StatName(r.SLO.Quantile * 100)
	var objs []Objective
	for _, o := range []struct {
		key, name string
		ms        float64
	}{{"ttft", "TTFT", r.SLO.TTFTms}, {"tbt", "TBT", r.SLO.TBTms}} {
		if o.ms <= 0 {
			continue
		}
		obj := Objective{Name: o.name, Limit: o.ms / 1e3}
		for _, p := range points {
			v := math.NaN()
			if f, ok := p.Figure(o.key, stat); ok {
				v = side(f)
			}
			obj.Values = append(obj.Values, v)
		}
		objs = append(objs, obj)
	}
	return objs
}
