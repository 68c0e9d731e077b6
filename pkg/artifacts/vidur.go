package artifacts

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// Python Vidur's output directory: its own config.json record and a
// request_metrics.csv keyed by "Request Id" that holds only derived
// latencies, in completion order (docs/vidur-semantics.md §6.2). vidur-sim
// computes the same columns for its exact-agreement test; compare-runs
// reads them as a simulated run.
const (
	VidurConfigFile = "config.json"
	VidurRequestID  = "Request Id"
)

// VidurRequestColumns are the columns after "Request Id", in Vidur's order.
var VidurRequestColumns = []string{"request_e2e_time", "request_e2e_time_normalized", "request_execution_time",
	"request_execution_time_normalized", "request_model_execution_time", "request_model_execution_time_normalized",
	"request_preemption_time", "request_scheduling_delay", "request_execution_plus_preemption_time",
	"request_execution_plus_preemption_time_normalized", "prefill_e2e_time", "prefill_time_execution_plus_preemption",
	"prefill_time_execution_plus_preemption_normalized", "decode_time_execution_plus_preemption_normalized",
	"request_inter_arrival_delay", "request_num_tokens", "request_num_prefill_tokens", "request_num_decode_tokens",
	"request_pd_ratio", "request_num_restarts"}

const (
	vidurE2E          = "request_e2e_time"
	vidurTTFT         = "prefill_e2e_time"
	vidurSchedDelay   = "request_scheduling_delay"
	vidurInterArrival = "request_inter_arrival_delay"
	vidurPrefill      = "request_num_prefill_tokens"
	vidurDecode       = "request_num_decode_tokens"
	vidurRestarts     = "request_num_restarts"
)

// VidurRequestRow is what a comparison takes from one row of Vidur's
// request_metrics.csv. Times are seconds; an optional column that is
// absent or empty is NaN (0 for the restart count).
type VidurRequestRow struct {
	Line            int
	RequestID       int
	E2E, TTFT       float64
	SchedulingDelay float64
	InterArrival    float64 // NaN for the first request
	NumPrefill      int
	NumDecode       int
	NumRestarts     int
}

// IsVidurRunDir reports whether dir looks like Python Vidur's output: a
// config.json and a request_metrics.csv with a "Request Id" column.
func IsVidurRunDir(dir string) bool {
	if _, err := os.Stat(filepath.Join(dir, VidurConfigFile)); err != nil {
		return false
	}
	f, err := os.Open(filepath.Join(dir, RequestMetricsFile))
	if err != nil {
		return false
	}
	defer f.Close()
	t, err := NewTable("", f)
	return err == nil && t.Has(VidurRequestID)
}

// ReadVidurRequestMetrics reads Vidur's request_metrics.csv, sorted by
// request id. A negative latency, a TTFT beyond the end-to-end time, a
// repeated request id or a file without requests is an error naming the
// line and column.
func ReadVidurRequestMetrics(path string, r io.Reader) ([]VidurRequestRow, error) {
	t, err := NewTable(path, r, VidurRequestID, vidurE2E, vidurTTFT, vidurPrefill, vidurDecode)
	if err != nil {
		return nil, err
	}
	seen := map[int]int{}
	rows, err := tableRows(t, func() VidurRequestRow {
		x := VidurRequestRow{Line: t.Line(), RequestID: t.NonNegInt(VidurRequestID), E2E: t.Float(vidurE2E),
			TTFT: t.Float(vidurTTFT), SchedulingDelay: t.OptFloat(vidurSchedDelay), InterArrival: t.OptFloat(vidurInterArrival),
			NumPrefill: t.NonNegInt(vidurPrefill), NumDecode: t.NonNegInt(vidurDecode)}
		if n, ok := t.OptInt(vidurRestarts); ok {
			x.NumRestarts = n
		}
		for _, c := range []struct {
			col string
			v   float64
		}{{vidurE2E, x.E2E}, {vidurTTFT, x.TTFT}, {vidurSchedDelay, x.SchedulingDelay}, {vidurInterArrival, x.InterArrival}} {
			if c.v < 0 {
				t.Fail(c.col, fmt.Errorf("%g is negative", c.v))
			}
		}
		if x.TTFT > x.E2E {
			t.Fail(vidurTTFT, fmt.Errorf("%g is more than %s %g", x.TTFT, vidurE2E, x.E2E))
		}
		if line, dup := seen[x.RequestID]; dup && t.Err() == nil {
			t.Fail(VidurRequestID, fmt.Errorf("request %d appears twice (first on line %d)", x.RequestID, line))
		}
		seen[x.RequestID] = t.Line()
		return x
	})
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, &FileError{Path: path, Err: fmt.Errorf("no requests")}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].RequestID < rows[j].RequestID })
	return rows, nil
}
