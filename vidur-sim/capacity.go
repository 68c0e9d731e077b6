package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/config/command"
	"github.com/simcheck/simcheck/vidur-sim/internal/capacity"
	"github.com/simcheck/simcheck/vidur-sim/internal/predict"
	"github.com/simcheck/simcheck/vidur-sim/internal/sim"
)

// sim.mode values.
const (
	modeRun      = "run"
	modeCapacity = "capacity"
)

// CapacityFile is the result of sim.mode=capacity in its run directory.
const CapacityFile = artifacts.CapacityFile

// searchCapacity is the search strategy; tests swap in a brute-force
// sweep to check the bisection against it.
var searchCapacity = capacity.Search

// CapacityConfig is capacity.*: the range and precision of the search and
// how each probe's arrivals are made.
type CapacityConfig struct {
	QPSMin    float64 `koanf:"qps_min"`
	QPSMax    float64 `koanf:"qps_max"`
	Tolerance float64 `koanf:"tolerance"`
	Arrivals  string  `koanf:"arrivals"`
}

func (c *Config) capacityRange() capacity.Range {
	return capacity.Range{Min: c.Capacity.QPSMin, Max: c.Capacity.QPSMax, Tolerance: c.Capacity.Tolerance}
}

func (c *Config) capacitySLO() capacity.SLO {
	return capacity.SLO{TTFTms: c.SLO.TTFTms, TBTms: c.SLO.TBTms, Quantile: c.SLO.Quantile}
}

// validateMode checks sim.mode and, for a capacity search, its keys.
func (c *Config) validateMode() error {
	switch c.Sim.Mode {
	case modeRun:
		return nil
	case modeCapacity:
	default:
		return fmt.Errorf("unknown sim.mode %q (valid: %s, %s)", c.Sim.Mode, modeRun, modeCapacity)
	}
	errs := []error{c.capacitySLO().Validate(), c.capacityRange().Validate()}
	if !slices.Contains(capacity.Modes, c.Capacity.Arrivals) {
		errs = append(errs, fmt.Errorf("unknown capacity.arrivals %q (valid: %v)", c.Capacity.Arrivals, capacity.Modes))
	}
	return errors.Join(errs...)
}

// capacityInputs is what run has built by the time it hands over to a
// capacity search: the workload and everything a simulation needs.
type capacityInputs struct {
	reqs    []artifacts.Request
	wl      artifacts.RunWorkload
	sim     sim.Config // without TrackTokens, which every probe sets
	model   predict.Model
	native  *predict.Native
	extra   map[string]any // run_meta's extra so far: idle_wakeup, step_jitter
	sources map[string]string
	slots   int
	t0      time.Time
	setup   time.Duration // predictor set-up, within the wall time since t0
}

// runCapacity searches the highest request rate at which the simulated
// configuration meets the SLO, probing in memory, and writes the run
// directory with capacity.json and config.yaml.
func runCapacity(c *command.Context, cfg *Config, in capacityInputs) error {
	seed, err := arrivalSeed(cfg)
	if err != nil {
		return err
	}
	// The directory is claimed before the search, so a taken run_id fails
	// at once rather than after every probe.
	d, _, err := createRunDir(c, cfg)
	if err != nil {
		return err
	}
	defer d.Abort()
	slo := cfg.capacitySLO()
	numBlocks := 0
	probe := func(qps float64) (capacity.Probe, error) {
		p, blocks, err := runProbe(c, cfg, in, seed, qps, slo)
		if err == nil {
			numBlocks = blocks
			q := capacity.QuantileName(slo.Quantile)
			c.Infof("probe %.6g req/s: TTFT %s %s ms, TBT %s %s ms, %d/%d completed: %s",
				qps, q, fmtMs(p.TTFTms), q, fmtMs(p.TBTms), p.Completed, p.Total, verdict(p, slo.Quantile))
		}
		return p, err
	}
	res, err := searchCapacity(cfg.capacityRange(), probe)
	if err != nil {
		return err
	}
	var warnings []string
	if in.native != nil {
		warnings = in.native.Warnings()
	}
	for _, w := range warnings {
		c.Warnf("%s", w)
	}
	doc := newCapacityDoc(cfg, in, res, seed, numBlocks, warnings)
	if err := d.WriteFile(CapacityFile, func(w io.Writer) error { return artifacts.WriteCapacity(w, doc) }); err != nil {
		return err
	}
	if err := os.WriteFile(d.Path(artifacts.ConfigFile), c.Config.YAML(), 0o644); err != nil {
		return err
	}
	if err := d.Commit(); err != nil {
		return err
	}
	// Wall times go to stderr only: capacity.json must not depend on them.
	c.Infof("%s from %s in %.2g s (predictor set-up %.2g s)", doc.Summary, count(len(res.Probes), "probe"),
		time.Since(in.t0).Seconds(), in.setup.Seconds())
	fmt.Fprintln(c.Stdout, d.Final)
	return nil
}

// arrivalSeed is the seed Poisson probes draw from: the workload's own
// (workload_meta.json), or sim.seed for a trace-replay CSV, which has none.
func arrivalSeed(cfg *Config) (uint64, error) {
	if cfg.Workload.WorkloadDir == "" {
		return cfg.Sim.Seed, nil
	}
	m, err := artifacts.ReadWorkloadMeta(cfg.Workload.WorkloadDir)
	if err != nil {
		return 0, fmt.Errorf("workload.workload_dir: %w", err)
	}
	return m.Seed, nil
}

// runProbe simulates the workload with its arrivals regenerated at qps and
// judges it against slo. It also returns the KV blocks a replica had.
func runProbe(c *command.Context, cfg *Config, in capacityInputs, seed uint64, qps float64, slo capacity.SLO) (capacity.Probe, int, error) {
	var times []float64
	if cfg.Capacity.Arrivals == capacity.Poisson {
		times = capacity.PoissonTimes(len(in.reqs), qps, seed)
	} else {
		var err error
		if times, err = capacity.RescaleTimes(in.reqs, qps); err != nil {
			return capacity.Probe{}, 0, command.WithHint(fmt.Errorf("capacity.arrivals=rescale: %w", err), "use capacity.arrivals=poisson")
		}
	}
	col := &capacity.Collector{}
	scfg := in.sim
	scfg.TrackTokens = true
	s, err := sim.New(scfg, capacity.WithTimes(in.reqs, times), col)
	if err != nil {
		return capacity.Probe{}, 0, command.Usage(err, "")
	}
	for {
		ok, err := s.Step()
		if err != nil {
			return capacity.Probe{}, 0, err
		}
		if !ok {
			break
		}
		if s.Events()&0xffff == 0 && c.Ctx.Err() != nil {
			return capacity.Probe{}, 0, c.Ctx.Err()
		}
	}
	_, blocks, _ := s.Replicas()[0].Stats()
	return col.Measure(qps, len(in.reqs), slo), blocks, nil
}

// simSettings is the simulation's own settings, from cfg, for the
// inputs recorded in capacity.json.
func simSettings(cfg *Config, in capacityInputs) map[string]any {
	s := map[string]any{"predictor": "vidur-sim/" + in.model.Name(), "seed": cfg.Sim.Seed,
		"vidur_compat": cfg.Sim.VidurCompat, "cpu_overhead": cfg.Sim.CPUOverhead, "extras": cfg.Sim.Extras,
		"token_rounding": in.sim.Predictor.S.TokenRounding}
	for _, k := range []string{"idle_wakeup", "step_jitter"} {
		s[k] = in.extra[k]
	}
	return s
}
