package load

import (
	"math"

	"github.com/simcheck/simcheck/compare-runs/internal/figs"
)

type curveSpec struct{ key, stat, label string }

// curveSpecs are the latency–load curves every report draws; the SLO's
// quantile of TTFT and TBT is added when the SLO asks for a capacity.
var curveSpecs = []curveSpec{
	{"ttft", "p50", "TTFT"}, {"ttft", "p90", "TTFT"}, {"tbt", "p90", "TBT"}, {"e2e", "p90", "E2E"},
}

// FigureSet is the report's curves: each figure's real and simulated
// values against the offered load (latencies in ms), with the SLO's
// limits and the line achieved = offered as guides.
func FigureSet(r *Report) *figs.Set {
	set := &figs.Set{Title: "Load report " + r.ID}
	pts := r.Known()
	if len(pts) == 0 {
		return set
	}
	realName := "real"
	for _, p := range pts {
		if len(p.Reals) > 1 {
			realName = "real (pooled runs)"
		}
	}
	lo, hi := pts[0].Offered.QPS, pts[len(pts)-1].Offered.QPS
	specs := append([]curveSpec(nil), curveSpecs...)
	limits := map[string]float64{}
	if r.SLO.Asked() {
		q := StatName(r.SLO.Quantile * 100)
		for _, o := range []struct {
			key, label string
			ms         float64
		}{{"ttft", "TTFT", r.SLO.TTFTms}, {"tbt", "TBT", r.SLO.TBTms}} {
			if o.ms <= 0 {
				continue
			}
			limits[o.key+"_"+q] = o.ms
			if !hasSpec(specs, o.key, q) {
				specs = append(specs, curveSpec{o.key, q, o.label})
			}
		}
	}
	for _, s := range specs {
		c := figs.Curve{Key: s.key + "_" + s.stat, Title: s.label + " " + s.stat, XName: "offered load (QPS)", YName: s.label + " " + s.stat + " (ms)"}
		c.Series = sides(pts, s.key, s.stat, 1e3, realName)
		if ms, ok := limits[c.Key]; ok {
			c.Guides = append(c.Guides, figs.XY{Name: "SLO " + num(ms) + " ms", X: []float64{lo, hi}, Y: []float64{ms, ms}})
		}
		set.Curves = append(set.Curves, c)
	}
	tp := figs.Curve{Key: "throughput", Title: "Request throughput", XName: "offered load (QPS)", YName: "achieved (req/s)"}
	tp.Series = sides(pts, Throughput, "achieved", 1, realName)
	tp.Guides = []figs.XY{{Name: "achieved = offered", X: []float64{lo, hi}, Y: []float64{lo, hi}}}
	set.Curves = append(set.Curves, tp)
	return set
}

func hasSpec(specs []curveSpec, key, stat string) bool {
	for _, s := range specs {
		if s.key == key && s.stat == stat {
			return true
		}
	}
	return false
}

// sides returns the real and the simulated series of one figure, scaled
// (s to ms), leaving out points where a side has no value.
func sides(pts []Point, metric, stat string, scale float64, realName string) []figs.XY {
	real, sim := figs.XY{Name: realName}, figs.XY{Name: "sim"}
	for _, p := range pts {
		f, ok := p.Figure(metric, stat)
		if !ok {
			continue
		}
		if !math.IsNaN(f.Real) {
			real.X, real.Y = append(real.X, p.Offered.QPS), append(real.Y, f.Real*scale)
		}
		if !math.IsNaN(f.Sim) {
			sim.X, sim.Y = append(sim.X, p.Offered.QPS), append(sim.Y, f.Sim*scale)
		}
	}
	return []figs.XY{real, sim}
}
