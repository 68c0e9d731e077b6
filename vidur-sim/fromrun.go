package main

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/config"
)

// schedulerSources says where each shared scheduler setting of this
// simulation came from, for run_meta.json's extra.scheduler_sources. With
// scheduler.from_run set, it first copies the real run's settings into cfg,
// except those given explicitly (command line or --config file), which win.
func schedulerSources(cfg *Config, c *config.Config) (map[string]string, error) {
	src := map[string]string{}
	dflt := "defaults (hardware=" + cfg.Hardware.Name + ")"
	for _, k := range append([]string{"kv_cache_gb"}, artifacts.SchedulerKeys...) {
		if g := c.Given("scheduler." + k); g != "" {
			src[k] = g
		} else {
			src[k] = dflt
		}
	}
	dir := cfg.Scheduler.FromRun
	if dir == "" {
		return src, nil
	}
	vals, err := realRunScheduler(dir)
	if err != nil {
		return nil, fmt.Errorf("scheduler.from_run: %w", err)
	}
	s := &cfg.Scheduler.Scheduler
	// A capacity given in GB on the command line is the user's choice:
	// the run's block count then does not replace it.
	skipBlocks := c.Given("scheduler.kv_cache_gb") != ""
	for _, k := range artifacts.SchedulerKeys {
		v, ok := vals[k]
		if !ok || c.Given("scheduler."+k) != "" || (k == "num_kv_blocks" && skipBlocks) {
			continue
		}
		if err := setSchedulerKey(s, k, v); err != nil {
			return nil, fmt.Errorf("scheduler.from_run: %s: scheduler.%s: %w", dir, k, err)
		}
		src[k] = "from_run " + dir
		if k == "num_kv_blocks" {
			s.KVCacheGB = 0
			src["kv_cache_gb"] = "from_run " + dir + " (capacity taken in blocks)"
		}
	}
	return src, nil
}

// realRunScheduler reads a real run's scheduler settings: run_meta.json's
// scheduler object (whose num_kv_blocks is the capacity the engine
// allocated), and for keys an older run_meta.json lacks, its config.yaml.
func realRunScheduler(dir string) (map[string]any, error) {
	for _, f := range []string{artifacts.RunMetaFile, artifacts.ConfigFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s is not a real run directory: %s is missing", dir, f)
		} else if err != nil {
			return nil, err
		}
	}
	meta, err := artifacts.ReadRunMeta(dir)
	if err != nil {
		return nil, err
	}
	if meta.Kind != artifacts.KindReal {
		return nil, fmt.Errorf("%s is a %s run, not a real one", dir, meta.Kind)
	}
	if meta.Scheduler["kind"] == "server" {
		return nil, fmt.Errorf("%s replayed the workload on an external server, whose scheduler settings the run does not know", dir)
	}
	saved, err := config.ReadSaved(filepath.Join(dir, artifacts.ConfigFile), "scheduler")
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for _, k := range artifacts.SchedulerKeys {
		if v, ok := meta.Scheduler[k]; ok {
			out[k] = v
		} else if v, ok := saved[k]; ok && k != "num_kv_blocks" {
			// config.yaml's num_kv_blocks may be 0 (sized from GB): only
			// run_meta.json knows the blocks allocated.
			out[k] = v
		}
	}
	return out, nil
}

// setSchedulerKey sets one shared key from a JSON or YAML value.
func setSchedulerKey(s *config.Scheduler, key string, v any) error {
	if key == "kind" {
		str, ok := v.(string)
		if !ok {
			return fmt.Errorf("%v is not a string", v)
		}
		s.Kind = str
		return nil
	}
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case int:
		f = float64(x)
	case int64:
		f = float64(x)
	default:
		return fmt.Errorf("%v is not a number", v)
	}
	if key == "watermark_blocks_fraction" {
		s.WatermarkBlocksFraction = f
		return nil
	}
	if f != math.Trunc(f) {
		return fmt.Errorf("%v is not an integer", v)
	}
	n := int(f)
	switch key {
	case "max_batch_size":
		s.MaxBatchSize = n
	case "chunk_size":
		s.ChunkSize = n
	case "num_kv_blocks":
		s.NumKVBlocks = n
	case "block_size":
		s.BlockSize = n
	case "max_tokens_in_batch":
		s.MaxTokensInBatch = n
	default:
		return fmt.Errorf("unknown scheduler key %q", key)
	}
	return nil
}
