package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/vidur-sim/internal/capacity"
)

// capacityDoc is capacity.json, whose schema pkg/artifacts owns.
type capacityDoc = artifacts.Capacity

// newCapacityDoc records the search's answer, every probe in the order it
// ran, and the inputs that produced them.
func newCapacityDoc(cfg *Config, in capacityInputs, res capacity.Result, seed uint64, numBlocks int, warnings []string) *capacityDoc {
	d := &capacityDoc{SchemaVersion: artifacts.SchemaVersion, Status: res.Status, CapacityQPS: res.QPS,
		BindingSLO: string(res.Binding), Summary: summary(res, cfg.SLO.Quantile, cfg.Capacity.QPSMin, cfg.Capacity.QPSMax),
		SLO:       artifacts.CapacitySLO{TTFTms: cfg.SLO.TTFTms, TBTms: cfg.SLO.TBTms, Quantile: cfg.SLO.Quantile},
		Tolerance: cfg.Capacity.Tolerance, Workload: in.wl, NumRequests: len(in.reqs),
		SchedulerSources: in.sources, Sim: simSettings(cfg, in), Warnings: warnings}
	if d.Warnings == nil {
		d.Warnings = []string{}
	}
	if res.Status != capacity.AboveRange {
		d.LowestFailingQPS = &res.Fails
	}
	d.Range.QPSMin, d.Range.QPSMax = cfg.Capacity.QPSMin, cfg.Capacity.QPSMax
	d.Arrivals.Mode = cfg.Capacity.Arrivals
	if cfg.Capacity.Arrivals == capacity.Poisson {
		d.Arrivals.Seed = &seed
	}
	d.Model = map[string]any{"name": cfg.Model.Name, "dtype": cfg.Model.DType, "vidur_model_id": cfg.Model.VidurModelID}
	d.Hardware = map[string]any{"name": cfg.Hardware.Name, "device": cfg.Hardware.Device,
		"network_device": cfg.Hardware.NetworkDevice, "memory_gb": cfg.Hardware.MemoryGB}
	d.Scheduler = cfg.Scheduler.Meta(numBlocks)
	for k, v := range map[string]any{"planner_max_batch_size": in.slots, "global_scheduler": cfg.Cluster.GlobalScheduler,
		"num_replicas": cfg.Cluster.NumReplicas, "tensor_parallel": cfg.Parallel.Tensor, "pipeline_parallel": cfg.Parallel.Pipeline,
		"max_waiting_iters": cfg.Scheduler.MaxWaitingIters, "memory_margin_fraction": cfg.Scheduler.MemoryMarginFraction,
		"max_tokens": cfg.Scheduler.MaxTokens} {
		d.Scheduler[k] = v
	}
	for _, p := range res.Probes {
		pd := artifacts.CapacityProbe{QPS: p.QPS, TTFTms: finite(p.TTFTms), TBTms: finite(p.TBTms), Completed: p.Completed, Meets: p.Meets}
		for _, m := range p.Misses {
			pd.Misses = append(pd.Misses, string(m))
		}
		d.Probes = append(d.Probes, pd)
	}
	return d
}

// summary is the answer in one phrase, without wall time.
func summary(res capacity.Result, q, lo, hi float64) string {
	switch res.Status {
	case capacity.AboveRange:
		return fmt.Sprintf("meets the SLO at the top of the range: capacity at least %g req/s (raise capacity.qps_max)", hi)
	case capacity.BelowRange:
		return fmt.Sprintf("never meets the SLO within the range: %s misses even at %g req/s (lower capacity.qps_min)", res.Binding.Label(q), lo)
	}
	return fmt.Sprintf("capacity %s req/s (%s binds)", sig3(res.QPS), res.Binding.Label(q))
}

// sig3 is v with three significant digits, trailing zeros kept (6.00,
// 2.43, 0.0500), none dropped left of the point (100, 1234).
func sig3(v float64) string {
	if !(v > 0) || math.IsInf(v, 0) {
		return fmt.Sprint(v)
	}
	return strconv.FormatFloat(v, 'f', max(0, 2-int(math.Floor(math.Log10(v)))), 64)
}

func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func fmtMs(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return fmt.Sprintf("%.4g", v)
}

func verdict(p capacity.Probe, q float64) string {
	if p.Meets {
		return "meets"
	}
	var ms []string
	for _, m := range p.Misses {
		ms = append(ms, m.Label(q))
	}
	return "misses " + strings.Join(ms, ", ")
}

// count is "1 probe", "9 probes".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
