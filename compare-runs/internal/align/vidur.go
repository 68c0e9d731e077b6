package align

import (
	"math"
	"path/filepath"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// loadVidur turns Vidur's rows into request records. Vidur writes no
// absolute times, so each request's arrival is rebuilt from
// request_inter_arrival_delay (the first request arrives at 0) and its
// other timestamps are arrival + the latency Vidur reports; Metrics then
// gives back Vidur's figures (to rounding, ~1e-12 relative) under the
// shared definitions. Vidur produces every requested token, so the
// actual decode count is request_num_decode_tokens.
func loadVidur(dir string) (*Run, error) {
	rows, err := artifacts.ReadFile(filepath.Join(dir, artifacts.RequestMetricsFile), artifacts.ReadVidurRequestMetrics)
	if err != nil {
		return nil, err
	}
	r := &Run{Dir: dir, Kind: KindVidur}
	arrived := 0.0
	for i, x := range rows {
		if i > 0 && !math.IsNaN(x.InterArrival) {
			arrived += x.InterArrival
		}
		// Vidur produces every requested token.
		q := artifacts.RequestRecord{RequestID: x.RequestID, NumPrefillTokens: x.NumPrefill, NumDecodeTokens: x.NumDecode,
			NumDecodeTokensActual: x.NumDecode, NumRestarts: x.NumRestarts, Status: artifacts.StatusOK}
		q.ArrivedAt = arrived
		q.ScheduledAt = arrived + x.SchedulingDelay // NaN stays NaN: not recorded
		q.PrefillCompletedAt = arrived + x.TTFT
		q.CompletedAt = arrived + x.E2E
		r.Requests = append(r.Requests, q)
	}
	r.index()
	return r, nil
}
