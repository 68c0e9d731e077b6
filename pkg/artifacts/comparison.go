package artifacts

import (
	"fmt"
	"io"
	"strconv"
)

// File names inside a comparison directory.
const (
	ComparisonMetaFile = "comparison_meta.json"
	SummaryFile        = "summary.md"
	SummaryTableFile   = "tables/summary.csv"
	PairedTableFile    = "tables/paired_requests.csv"
	TokenTableFile     = "tables/tokens.csv"
	StepTableFile      = "tables/steps.csv"
)

// SummaryColumns is the header of tables/summary.csv: one row per metric
// and statistic.
var SummaryColumns = []string{"metric", "statistic", "real", "sim", "rel_error", "noise_floor", "tolerance", "verdict"}

// SummaryRow is one figure of the comparison. RelError is (sim − real) /
// real, signed; NaN where real is 0 or a side is missing. NoiseFloor is
// the run-to-run relative spread of the real figure (NaN with one real
// run). Verdict is pass, fail or "" (no tolerance set).
type SummaryRow struct {
	Metric     string
	Statistic  string // count, mean, p50, p90, p95, p99, max, mape, median_abs_error, ks, wasserstein
	Real       float64
	Sim        float64
	RelError   float64
	NoiseFloor float64
	Tolerance  float64
	Verdict    string
}

// WriteSummaryTable writes tables/summary.csv.
func WriteSummaryTable(w io.Writer, rows []SummaryRow) error {
	cw := NewCSVWriter(w, SummaryColumns...)
	for _, r := range rows {
		cw.Write(r.Metric, r.Statistic, Float(r.Real), Float(r.Sim), Float(r.RelError), Float(r.NoiseFloor), Float(r.Tolerance), r.Verdict)
	}
	return cw.Flush()
}

// ReadSummaryTable reads tables/summary.csv.
func ReadSummaryTable(path string, r io.Reader) ([]SummaryRow, error) {
	t, err := NewTable(path, r, SummaryColumns...)
	if err != nil {
		return nil, err
	}
	var out []SummaryRow
	for t.Next() {
		row := SummaryRow{
			Metric: t.String("metric"), Statistic: t.String("statistic"),
			Real: t.OptFloat("real"), Sim: t.OptFloat("sim"), RelError: t.OptFloat("rel_error"),
			NoiseFloor: t.OptFloat("noise_floor"), Tolerance: t.OptFloat("tolerance"), Verdict: t.String("verdict"),
		}
		if row.Metric == "" {
			t.Fail("metric", fmt.Errorf("empty"))
		}
		switch row.Verdict {
		case "", "pass", "fail":
		default:
			t.Fail("verdict", fmt.Errorf("%s must be pass, fail or empty", strconv.Quote(row.Verdict)))
		}
		if t.Err() != nil {
			return nil, t.Err()
		}
		out = append(out, row)
	}
	return out, t.Err()
}

// ComparisonRun names one run that took part in a comparison.
type ComparisonRun struct {
	Dir        string `json:"dir"`
	RunID      string `json:"run_id"`
	Kind       string `json:"kind"`   // real | sim | vidur (a Python Vidur output directory)
	Source     string `json:"source"` // backend or simulator
	WorkloadID string `json:"workload_id"`
}

// ComparisonMeta is comparison_meta.json.
type ComparisonMeta struct {
	SchemaVersion int             `json:"schema_version"`
	ComparisonID  string          `json:"comparison_id"`
	Real          []ComparisonRun `json:"real"`
	Sim           []ComparisonRun `json:"sim"`
	WorkloadID    string          `json:"workload_id"`
	Tolerances    map[string]any  `json:"tolerances"`
	Counts        map[string]int  `json:"counts"`
	Warnings      []string        `json:"warnings"`
	CreatedAt     string          `json:"created_at"`
	ToolVersion   string          `json:"tool_version"`
}

// ReadComparisonMeta reads comparison_meta.json.
func ReadComparisonMeta(path string) (*ComparisonMeta, error) {
	var m ComparisonMeta
	if err := readJSONFile(path, &m); err != nil {
		return nil, err
	}
	if err := checkSchemaVersion(path, m.SchemaVersion); err != nil {
		return nil, err
	}
	return &m, nil
}

// WriteComparisonMeta writes comparison_meta.json.
func WriteComparisonMeta(w io.Writer, m *ComparisonMeta) error {
	m.SchemaVersion = SchemaVersion
	if m.ToolVersion == "" {
		m.ToolVersion = ToolVersion
	}
	if m.Warnings == nil {
		m.Warnings = []string{}
	}
	return writeJSON(w, m)
}
