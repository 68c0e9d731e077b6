package main

import (
	_ "embed"
	"errors"
	"fmt"
	"slices"

	"github.com/simcheck/simcheck/pkg/config"
	"github.com/simcheck/simcheck/vidur-sim/internal/predict"
	"github.com/simcheck/simcheck/vidur-sim/internal/sched"
)

//go:embed defaults.yaml
var defaultsYAML []byte

// Config is vidur-sim's configuration (docs/vidur-sim.md lists every key).
type Config struct {
	config.Common `koanf:",squash"`
	Model         config.Model    `koanf:"model"`
	Hardware      config.Hardware `koanf:"hardware"`
	Scheduler     SchedulerConfig `koanf:"scheduler"`
	Cluster       ClusterConfig   `koanf:"cluster"`
	Parallel      ParallelConfig  `koanf:"parallel"`
	Sim           SimConfig       `koanf:"sim"`
	SLO           config.SLO      `koanf:"slo"`
	Workload      WorkloadConfig  `koanf:"workload"`
	Vidur         VidurConfig     `koanf:"vidur"`
	Capacity      CapacityConfig  `koanf:"capacity"`
}

// SchedulerConfig is scheduler.*: the shared keys every scheduling tool
// has, then the simulator's own.
type SchedulerConfig struct {
	config.Scheduler     `koanf:",squash"`
	MaxWaitingIters      int     `koanf:"max_waiting_iters"`
	MemoryMarginFraction float64 `koanf:"memory_margin_fraction"`
	MaxTokens            int     `koanf:"max_tokens"`
	// FromRun is a real run directory whose scheduler settings replace
	// those of the configuration (command-line keys still win).
	FromRun string `koanf:"from_run"`
}

// ClusterConfig is cluster.*.
type ClusterConfig struct {
	NumReplicas     int    `koanf:"num_replicas"`
	GlobalScheduler string `koanf:"global_scheduler"`
}

// ParallelConfig is parallel.*.
type ParallelConfig struct {
	Tensor   int `koanf:"tensor"`
	Pipeline int `koanf:"pipeline"`
}

// SimConfig is sim.*.
type SimConfig struct {
	// Mode is run (simulate the workload once and write its metrics) or
	// capacity (search the highest rate meeting the SLO, capacity.go).
	Mode            string  `koanf:"mode"`
	Predictor       string  `koanf:"predictor"`
	PredictorTables string  `koanf:"predictor_tables"`
	VidurCompat     bool    `koanf:"vidur_compat"`
	Seed            uint64  `koanf:"seed"`
	ChromeTrace     bool    `koanf:"chrome_trace"`
	TokenMetrics    bool    `koanf:"token_metrics"`
	BatchMetrics    bool    `koanf:"batch_metrics"`
	HFConfig        string  `koanf:"hf_config"`
	KVGranularity   int     `koanf:"kv_cache_prediction_granularity"`
	DecodeOverhead  float64 `koanf:"attention_decode_batching_overhead_fraction"`
	PrefillOverhead float64 `koanf:"attention_prefill_batching_overhead_fraction"`
	NCCLLaunchMs    float64 `koanf:"nccl_cpu_launch_overhead_ms"`
	NCCLSkewMs      float64 `koanf:"nccl_cpu_skew_overhead_per_device_ms"`
	CPUOverhead     bool    `koanf:"cpu_overhead"`
	Extras          bool    `koanf:"extras"`
	IdleWakeup      bool    `koanf:"idle_wakeup"`
	StepJitter      bool    `koanf:"step_jitter"`
	TokenRounding   int     `koanf:"token_rounding"`
	// Cache keeps the native predictor's set-up on disk under CacheDir
	// (empty: $XDG_CACHE_HOME/simcheck or ~/.cache/simcheck).
	Cache    bool   `koanf:"cache"`
	CacheDir string `koanf:"cache_dir"`
}

// WorkloadConfig is workload.*.
type WorkloadConfig struct {
	WorkloadDir     string `koanf:"workload_dir"`
	TraceReplayFile string `koanf:"trace_replay_file"`
}

// VidurConfig is vidur.*.
type VidurConfig struct {
	Profiling struct {
		Root string `koanf:"root"`
	} `koanf:"profiling"`
}

// validate checks what the schema's types cannot; every error is a usage
// error (exit 2).
func (c *Config) validate() error {
	var errs []error
	if !slices.Contains(sched.Kinds, c.Scheduler.Kind) {
		errs = append(errs, fmt.Errorf("unknown scheduler.kind %q (valid: %v)", c.Scheduler.Kind, sched.Kinds))
	}
	if !slices.Contains(sched.GlobalKinds, c.Cluster.GlobalScheduler) {
		errs = append(errs, fmt.Errorf("unknown cluster.global_scheduler %q (valid: %v)", c.Cluster.GlobalScheduler, sched.GlobalKinds))
	}
	switch c.Sim.Predictor {
	case predict.NativeName:
		if c.Vidur.Profiling.Root == "" {
			errs = append(errs, errors.New("sim.predictor=native needs vidur.profiling.root=<bundle root>"))
		}
	case predict.TableName:
		if c.Sim.PredictorTables == "" {
			errs = append(errs, errors.New("sim.predictor=vidur_table needs sim.predictor_tables=<dir of Vidur's *_predictions.csv>"))
		}
	default:
		errs = append(errs, fmt.Errorf("unknown sim.predictor %q (valid: %s, %s)", c.Sim.Predictor, predict.NativeName, predict.TableName))
	}
	if (c.Workload.WorkloadDir == "") == (c.Workload.TraceReplayFile == "") {
		errs = append(errs, errors.New("give exactly one of workload.workload_dir= and workload.trace_replay_file="))
	}
	for _, p := range []struct {
		k string
		v int
	}{{"scheduler.max_tokens", c.Scheduler.MaxTokens}, {"cluster.num_replicas", c.Cluster.NumReplicas},
		{"parallel.tensor", c.Parallel.Tensor}, {"parallel.pipeline", c.Parallel.Pipeline},
		{"sim.kv_cache_prediction_granularity", c.Sim.KVGranularity}} {
		if p.v < 1 {
			errs = append(errs, fmt.Errorf("%s=%d must be at least 1", p.k, p.v))
		}
	}
	if c.Sim.TokenRounding < 0 {
		errs = append(errs, fmt.Errorf("sim.token_rounding=%d must not be negative", c.Sim.TokenRounding))
	}
	errs = append(errs, c.Scheduler.Validate(), c.SLO.Validate(), c.validateMode())
	if m := c.Scheduler.MemoryMarginFraction; m < 0 || m >= 1 {
		errs = append(errs, fmt.Errorf("scheduler.memory_margin_fraction=%g must be in [0, 1)", m))
	}
	return errors.Join(errs...)
}
