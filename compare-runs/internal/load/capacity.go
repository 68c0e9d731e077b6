package load

import (
	"fmt"
	"math"
)

// Objective is one latency objective of the SLO, measured at every load.
type Objective struct {
	Name  string  // as the report names it: "TTFT", "TBT"
	Limit float64 // s; the objective holds when a value is ≤ Limit
	// Values are the metric's quantile at each load, in s; NaN where it
	// was not measured.
	Values []float64
}

// Capacity outcomes.
const (
	// Interpolated: a load meets every objective and a higher one does
	// not; the capacity lies between them.
	Interpolated = "interpolated"
	// Below: the lowest load measured already violates an objective.
	Below = "below"
	// NotReached: every load measured meets every objective.
	NotReached = "not_reached"
	// Unknown: a value needed to decide is not measured.
	Unknown = "unknown"
)

// Capacity is the highest load at which every objective holds.
type Capacity struct {
	Status string
	// QPS is the capacity when Interpolated; the lowest load (an upper
	// bound) when Below; the highest load (a lower bound) when
	// NotReached; NaN when Unknown.
	QPS float64
	// Binding names the objective(s) whose crossing gives QPS
	// (Interpolated; two when they cross at the same load) or that the
	// lowest load violates (Below).
	Binding []string
	// Lo and Hi are the last load that meets every objective and the
	// first that does not (Interpolated only).
	Lo, Hi float64
	Reason string // Unknown: why
}

// FindCapacity returns the capacity over loads, which must be sorted
// ascending, given each objective's values at those loads. Walking up
// from the lowest load, the first load that violates an objective ends
// the search: for every objective violated there, the load at which it
// crosses its limit is interpolated linearly between the previous load
// (where it held) and this one, and the capacity is the lowest such
// crossing. Nothing is extrapolated beyond the loads measured.
func FindCapacity(loads []float64, objs []Objective) Capacity {
	for i, x := range loads {
		var violated []string
		for _, o := range objs {
			v := o.Values[i]
			if math.IsNaN(v) {
				return Capacity{Status: Unknown, QPS: math.NaN(), Reason: fmt.Sprintf("%s is not measured at %s QPS", o.Name, num(x))}
			}
			if v > o.Limit {
				violated = append(violated, o.Name)
			}
		}
		if len(violated) == 0 {
			continue
		}
		if i == 0 {
			return Capacity{Status: Below, QPS: x, Binding: violated}
		}
		c := Capacity{Status: Interpolated, QPS: math.Inf(1), Lo: loads[i-1], Hi: x}
		for _, o := range objs {
			if o.Values[i] <= o.Limit {
				continue // held at both loads: no crossing between them
			}
			at := crossing(loads[i-1], x, o.Values[i-1], o.Values[i], o.Limit)
			switch {
			case at < c.QPS:
				c.QPS, c.Binding = at, []string{o.Name}
			case at == c.QPS:
				c.Binding = append(c.Binding, o.Name)
			}
		}
		return c
	}
	if len(loads) == 0 {
		return Capacity{Status: Unknown, QPS: math.NaN(), Reason: "no load point has a known offered load"}
	}
	return Capacity{Status: NotReached, QPS: loads[len(loads)-1]}
}

// crossing is the load at which the line through (x0, y0) and (x1, y1)
// reaches limit, for y0 ≤ limit < y1. Two points at the same load cross
// there.
func crossing(x0, x1, y0, y1, limit float64) float64 {
	if x1 == x0 {
		return x0
	}
	return x0 + (limit-y0)/(y1-y0)*(x1-x0)
}
