package align

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// Python Vidur's request_metrics.csv (vidur-semantics.md §6.2) keys rows by
// "Request Id" and holds only derived latencies, in completion order.
const (
	vidurID           = "Request Id"
	vidurConfigFile   = "config.json"
	vidurE2E          = "request_e2e_time"
	vidurTTFT         = "prefill_e2e_time"
	vidurSchedDelay   = "request_scheduling_delay"
	vidurInterArrival = "request_inter_arrival_delay"
	vidurPrefill      = "request_num_prefill_tokens"
	vidurDecode       = "request_num_decode_tokens"
	vidurRestarts     = "request_num_restarts"
)

func isVidurDir(dir string) bool {
	if !exists(filepath.Join(dir, vidurConfigFile)) {
		return false
	}
	f, err := os.Open(filepath.Join(dir, artifacts.RequestMetricsFile))
	if err != nil {
		return false
	}
	defer f.Close()
	t, err := artifacts.NewTable("", f)
	return err == nil && t.Has(vidurID)
}

// loadVidur turns Vidur's rows into request records. Vidur writes no
// absolute times, so each request's arrival is rebuilt from
// request_inter_arrival_delay (the first request arrives at 0) and its
// other timestamps are arrival + the latency Vidur reports; Metrics then
// gives back Vidur's figures (to rounding, ~1e-12 relative) under the
// shared definitions. Vidur produces every requested token, so the
// actual decode count is request_num_decode_tokens.
func loadVidur(dir string) (*Run, error) {
	path := filepath.Join(dir, artifacts.RequestMetricsFile)
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := artifacts.NewTable(path, f, vidurID, vidurE2E, vidurTTFT, vidurPrefill, vidurDecode)
	if err != nil {
		return nil, err
	}
	type row struct {
		rec   artifacts.RequestRecord
		e2e   float64
		ttft  float64
		sched float64
		gap   float64
	}
	var rows []row
	seen := map[int]int{}
	for t.Next() {
		x := row{
			e2e:   t.Float(vidurE2E),
			ttft:  t.Float(vidurTTFT),
			sched: t.OptFloat(vidurSchedDelay),
			gap:   t.OptFloat(vidurInterArrival),
		}
		x.rec = artifacts.RequestRecord{
			RequestID:        t.NonNegInt(vidurID),
			NumPrefillTokens: t.NonNegInt(vidurPrefill),
			NumDecodeTokens:  t.NonNegInt(vidurDecode),
			Status:           artifacts.StatusOK,
		}
		if n, ok := t.OptInt(vidurRestarts); ok {
			x.rec.NumRestarts = n
		}
		x.rec.NumDecodeTokensActual = x.rec.NumDecodeTokens
		for _, c := range []struct {
			col string
			v   float64
		}{{vidurE2E, x.e2e}, {vidurTTFT, x.ttft}, {vidurSchedDelay, x.sched}, {vidurInterArrival, x.gap}} {
			if c.v < 0 {
				t.Fail(c.col, fmt.Errorf("%g is negative", c.v))
			}
		}
		if x.ttft > x.e2e {
			t.Fail(vidurTTFT, fmt.Errorf("%g is more than %s %g", x.ttft, vidurE2E, x.e2e))
		}
		if line, dup := seen[x.rec.RequestID]; dup && t.Err() == nil {
			t.Fail(vidurID, fmt.Errorf("request %d appears twice (first on line %d)", x.rec.RequestID, line))
		}
		if t.Err() != nil {
			return nil, t.Err()
		}
		seen[x.rec.RequestID] = t.Line()
		rows = append(rows, x)
	}
	if t.Err() != nil {
		return nil, t.Err()
	}
	if len(rows) == 0 {
		return nil, &artifacts.FileError{Path: path, Err: fmt.Errorf("no requests")}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].rec.RequestID < rows[j].rec.RequestID })
	r := &Run{Dir: dir, Kind: KindVidur}
	arrived := 0.0
	for i, x := range rows {
		if i > 0 && !math.IsNaN(x.gap) {
			arrived += x.gap
		}
		q := x.rec
		q.ArrivedAt = arrived
		q.ScheduledAt = arrived + x.sched // NaN stays NaN: not recorded
		q.PrefillCompletedAt = arrived + x.ttft
		q.CompletedAt = arrived + x.e2e
		r.Requests = append(r.Requests, q)
	}
	r.index()
	return r, nil
}
