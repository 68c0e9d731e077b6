package search

import (
	"github.com/simcheck/simcheck/compare-runs/internal/figs"
)

// Fronts is the report's figure: every configuration's capacity against
// its GPUs, one group of points per SLO, with each group's Pareto front.
// A configuration that never met its SLO sits at capacity 0.
func Fronts(r *Report) []figs.Front {
	f := figs.Front{Key: "capacity_gpus", Title: "Capacity against GPUs", XName: "GPUs (replicas × TP × PP)", YName: "capacity (req/s)"}
	for _, g := range r.Groups {
		fg := figs.FrontGroup{Name: "configurations", Front: figs.XY{Name: "Pareto front"}}
		if len(r.Groups) > 1 {
			fg.Name = SLOLabel(g.SLO)
			fg.Front.Name = "Pareto front, " + SLOLabel(g.SLO)
		}
		for _, i := range g.Rows {
			row := &r.Rows[i]
			fg.X = append(fg.X, float64(row.Cluster.GPUs()))
			fg.Y = append(fg.Y, row.Capacity.CapacityQPS)
			fg.Labels = append(fg.Labels, r.label(row))
		}
		for _, i := range g.Front {
			row := &r.Rows[i]
			fg.Front.X = append(fg.Front.X, float64(row.Cluster.GPUs()))
			fg.Front.Y = append(fg.Front.Y, row.Capacity.CapacityQPS)
		}
		f.Groups = append(f.Groups, fg)
	}
	return []figs.Front{f}
}
