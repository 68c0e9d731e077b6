package main

import (
	"context"
	"fmt"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/config/command"
	"github.com/simcheck/simcheck/real-bench/internal/record"
)

// Backend is what real-bench replays a workload on. run() owns everything
// around it (reading and checking the workload, the run directory, the
// clock, the request and token files, run_meta.json's common fields,
// interruption); a backend only replays and describes itself.
//
// The order is fixed: Prepare, clk.Start(), Replay, then Describe. Describe
// is also called once between Prepare and clk.Start(), into a scratch
// directory that is thrown away: the crash journal's header keeps the
// device, model and scheduler it reports, so a crashed run can be
// recovered without the backend. It must not assume Replay ran.
type Backend interface {
	// Prepare does the untimed work before the clock starts: loading a
	// model, building the KV cache, warm-up requests. clk is not started
	// yet; a backend may keep clk.Now for use during Replay.
	Prepare(ctx context.Context, w *artifacts.Workload, clk *record.Clock) error
	// Replay admits request i at w.Requests[i].ArrivedAt × time_scale on
	// clk (open loop) and records what it observes in rec: Scheduled,
	// Token, Done or Fail per request, Batch per engine iteration. It
	// returns once every admitted request has finished, or soon after ctx
	// is cancelled (Ctrl-C): then it admits nothing more, and run() marks
	// what did not finish as failed and the run interrupted. An error
	// fails the whole run.
	Replay(ctx context.Context, w *artifacts.Workload, clk *record.Clock, rec *record.Recorder) error
	// Batches says whether the backend knows its iterations, i.e.
	// whether the run has a batch_metrics.csv.
	Batches() bool
	// Describe fills the backend's part of run_meta.json (device, model,
	// scheduler or client settings, warnings, extra) and writes its own
	// extra files into d.
	Describe(d *artifacts.Dir, meta *artifacts.RunMeta) error
}

// newBackend picks the backend named by backend.kind (the backend=
// group sets it).
func newBackend(cfg *Config) (Backend, error) {
	switch cfg.Backend.Kind {
	case "native":
		return newNativeBackend(cfg)
	case "openai":
		return newServerBackend(cfg)
	}
	return nil, command.Usage(fmt.Errorf("backend.kind %q is not native or openai", cfg.Backend.Kind), "")
}
