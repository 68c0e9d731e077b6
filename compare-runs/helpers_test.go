package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/config/command"
)

// req is one synthetic request: arrival, queueing, prefill and a fixed
// gap between output tokens, all in seconds.
type req struct {
	id               int
	arrived, queue   float64
	prefill, gap     float64
	prompt, decode   int
	actual           int // output tokens produced; 0 = decode
	failed           bool
	skip             bool // leave the request out of the run
	unknownScheduled bool
}

// synth is a deterministic workload of n requests; scale stretches every
// duration (a simulator that is scale× slow).
func synth(n int, scale float64) []req {
	out := make([]req, n)
	for i := range out {
		out[i] = req{
			id: i, arrived: 0.5 * float64(i), queue: scale * 0.01 * float64(i%3),
			prefill: scale * (0.05 + 0.002*float64(i%7)), gap: scale * (0.02 + 0.001*float64(i%4)),
			prompt: 100 + 10*(i%5), decode: 8 + i%5,
		}
	}
	return out
}

// writeRun writes a run directory with artifacts.NewRunWriter and
// returns its path. Each request runs alone in batch_metrics.csv: a
// prefill batch, then one decode batch per further token. The run's
// duration ends with its last token.
func writeRun(t testing.TB, dir, id, kind, workload string, reqs []req, tokens bool) string {
	t.Helper()
	return writeRunWith(t, dir, id, kind, workload, reqs, tokens, nil)
}

// writeRunWith is writeRun with edit applied to run_meta.json's fields.
func writeRunWith(t testing.TB, dir, id, kind, workload string, reqs []req, tokens bool, edit func(*artifacts.RunMeta)) string {
	t.Helper()
	final := filepath.Join(dir, id)
	d, err := artifacts.CreateDir(final, false)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Abort()
	w, err := artifacts.NewRunWriter(d, tokens, true)
	if err != nil {
		t.Fatal(err)
	}
	end := 0.0
	for _, q := range reqs {
		if q.skip {
			continue
		}
		n := q.actual
		if n == 0 {
			n = q.decode
		}
		rec := artifacts.RequestRecord{
			RequestID: q.id, ArrivedAt: q.arrived, ScheduledAt: q.arrived + q.queue,
			NumPrefillTokens: q.prompt, NumDecodeTokens: q.decode, NumDecodeTokensActual: n, Status: artifacts.StatusOK,
		}
		if q.unknownScheduled {
			rec.ScheduledAt = nan()
		}
		times := make([]float64, n)
		for k := range times {
			times[k] = q.arrived + q.queue + q.prefill + float64(k)*q.gap
		}
		rec.PrefillCompletedAt = times[0]
		rec.CompletedAt = times[n-1]
		if q.failed {
			rec.Status, rec.FailureReason = artifacts.StatusFailed, "synthetic failure"
			rec.PrefillCompletedAt, rec.CompletedAt, rec.NumDecodeTokensActual = nan(), nan(), 0
		}
		w.Request(&rec)
		if !q.failed {
			end = max(end, rec.CompletedAt)
			w.Tokens(q.id, q.arrived, times, nil)
			start := rec.ScheduledAt
			if start != start {
				start = q.arrived
			}
			for k, end := range times {
				b := artifacts.BatchRow{BatchID: 1000*q.id + k, ScheduledAt: start, CompletedAt: end, BatchSize: 1, NumDecodeTokens: 1}
				if k == 0 {
					b.NumPrefillTokens, b.NumDecodeTokens = q.prompt, 0
				}
				w.Batch(b)
				start = end
			}
		}
	}
	meta := &artifacts.RunMeta{RunID: id, Kind: kind, Backend: "synthetic", Status: artifacts.RunComplete,
		Workload: artifacts.RunWorkload{WorkloadID: workload, Artifacts: map[string]string{"prompts.jsonl": "abc123"}}, Duration: end}
	if edit != nil {
		edit(meta)
	}
	if err := w.Close(meta); err != nil {
		t.Fatal(err)
	}
	if err := d.Commit(); err != nil {
		t.Fatal(err)
	}
	return final
}

func nan() float64 { var z float64; return z / z }

// fakeEcharts writes a stand-in for echarts.min.js that passes the
// version check; the browser test uses the real one.
func fakeEcharts(t testing.TB, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "echarts.min.js")
	if err := os.WriteFile(p, []byte(`var echarts={version:"5.4.3",init:function(){return {setOption:function(){}}}};`), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// runTool runs compare-runs in-process and returns status, stdout, stderr.
func runTool(t testing.TB, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	st := command.Run(newTool(), append([]string{"compare-runs"}, args...), &out, &errb)
	return st, out.String(), errb.String()
}
