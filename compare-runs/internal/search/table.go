package search

import (
	"io"
	"math"
	"strconv"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// TableFile is the search report's table, beside the comparison's tables.
const TableFile = "tables/search.csv"

// tableHead and tableTail are the header of tables/search.csv around the
// grid's axes (Report.Keys), which sit between them.
var (
	tableHead = []string{"sweep", "job"}
	tableTail = []string{"state", "status", "capacity_qps", "lowest_failing_qps", "binding_slo",
		"slo_ttft_ms", "slo_tbt_ms", "slo_quantile", "replicas", "tensor", "pipeline", "gpus", "qps_per_gpu",
		"best", "pareto", "output_dir", "error"}
)

// TableColumns is the header of tables/search.csv for a report whose
// overrides vary in keys.
func TableColumns(keys []string) []string {
	return append(append(append([]string(nil), tableHead...), keys...), tableTail...)
}

// WriteTable writes tables/search.csv: one row per job in job order; a
// job without a capacity has its state and error and empty cells.
func WriteTable(w io.Writer, r *Report) error {
	cw := artifacts.NewCSVWriter(w, TableColumns(r.Keys)...)
	for i := range r.Rows {
		row := &r.Rows[i]
		cells := []string{row.Sweep, artifacts.Int(row.Num)}
		for _, k := range r.Keys {
			cells = append(cells, row.Value(k))
		}
		cells = append(cells, row.State)
		if c := row.Capacity; c != nil {
			failing := math.NaN()
			if c.LowestFailingQPS != nil {
				failing = *c.LowestFailingQPS
			}
			cells = append(cells, string(c.Status), artifacts.Float(c.CapacityQPS), artifacts.Float(failing), c.BindingSLO,
				artifacts.Float(c.SLO.TTFTms), artifacts.Float(c.SLO.TBTms), artifacts.Float(c.SLO.Quantile),
				artifacts.Int(row.Cluster.Replicas), artifacts.Int(row.Cluster.Tensor), artifacts.Int(row.Cluster.Pipeline),
				artifacts.Int(row.Cluster.GPUs()), artifacts.Float(row.QPSPerGPU()),
				strconv.FormatBool(row.Best), strconv.FormatBool(row.Pareto))
		} else {
			cells = append(cells, make([]string, len(tableTail)-3)...) // all but state, output_dir and error
		}
		cw.Write(append(cells, row.OutputDir, row.Err)...)
	}
	return cw.Flush()
}
