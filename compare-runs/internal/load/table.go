package load

import (
	"io"
	"strings"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// TableFile is the load report's table, beside the comparison's tables.
const TableFile = "tables/load.csv"

// TableColumns is the header of tables/load.csv: one row per load point,
// metric and statistic, latencies in s.
var TableColumns = []string{"point", "offered_qps", "offered_from", "workload_id", "real_runs", "sim_run",
	"metric", "statistic", "unit", "real", "sim", "rel_error", "noise_floor", "tolerance", "allowed", "rule", "verdict"}

// WriteTable writes tables/load.csv. offered_from is "workload" (the
// workload's arrival rate), "arrivals" (requests over the arrival span)
// or empty (unknown); real_runs lists the real runs' labels, separated by
// ";".
func WriteTable(w io.Writer, r *Report) error {
	cw := artifacts.NewCSVWriter(w, TableColumns...)
	for i, p := range r.Points {
		from := "workload"
		switch {
		case p.Offered.QPS != p.Offered.QPS:
			from = ""
		case p.Offered.FromArrivals:
			from = "arrivals"
		}
		var reals []string
		for _, x := range p.Reals {
			reals = append(reals, x.Label)
		}
		for _, f := range p.Figures {
			cw.Write(artifacts.Int(i+1), artifacts.Float(p.Offered.QPS), from, p.WorkloadID, strings.Join(reals, ";"), p.Sim.Label,
				f.Metric, f.Stat, f.Unit, artifacts.Float(f.Real), artifacts.Float(f.Sim), artifacts.Float(f.RelError),
				artifacts.Float(f.NoiseFloor), artifacts.Float(f.Tolerance), artifacts.Float(f.Allowed), f.Rule, f.Verdict)
		}
	}
	return cw.Flush()
}
