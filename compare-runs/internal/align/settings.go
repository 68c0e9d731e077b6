package align

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// Unknown is the value of a setting a run does not record.
const Unknown = "unknown"

// SettingKeys are the rows of the configuration table: the scheduler
// settings both sides share (artifacts.SchedulerKeys, as scheduler.<key>)
// and what the run modelled or ran on.
var SettingKeys = []string{
	"scheduler.kind", "scheduler.max_batch_size", "scheduler.chunk_size", "scheduler.num_kv_blocks",
	"scheduler.block_size", "scheduler.max_tokens_in_batch", "model", "dtype", "hardware",
}

// schedulerChecked are the settings whose difference between a real and
// a simulated run is reported: they change what the simulator schedules.
var schedulerChecked = SettingKeys[:6]

// legacyNames are older names of shared scheduler keys: simulated runs
// written before the keys were shared used Vidur's names.
var legacyNames = map[string]string{"max_batch_size": "batch_size_cap", "num_kv_blocks": "num_blocks"}

// Settings returns the run's configuration, one value per SettingKeys
// entry, Unknown where the run does not record it. A Python Vidur
// directory is read from its config.json; the error says why that file
// could not be read (the values are then all Unknown).
func (r *Run) Settings() (map[string]string, error) {
	out := map[string]string{}
	for _, k := range SettingKeys {
		out[k] = Unknown
	}
	if r.Meta == nil {
		return out, vidurSettings(filepath.Join(r.Dir, artifacts.VidurConfigFile), out)
	}
	for _, k := range schedulerChecked {
		name := k[len("scheduler."):]
		v, ok := r.Meta.Scheduler[name]
		if !ok {
			v = r.Meta.Scheduler[legacyNames[name]]
		}
		set(out, k, v)
	}
	set(out, "model", r.Meta.Model.Name)
	set(out, "dtype", r.Meta.Model.DType)
	set(out, "hardware", r.Meta.Hardware)
	return out, nil
}

// vidurSettings reads what Python Vidur's config.json records: the
// replica scheduler (its name is the kind; batch_size_cap and num_blocks
// are the shared max_batch_size and num_kv_blocks; num_blocks is null
// when Vidur's memory planner sized the cache, which the file does not
// record), the model name and the device. Vidur records no dtype.
func vidurSettings(path string, out map[string]string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var cfg struct {
		Cluster struct {
			Replica struct {
				ModelName string `json:"model_name"`
				Device    string `json:"device"`
			} `json:"replica_config"`
			Scheduler map[string]any `json:"replica_scheduler_config"`
		} `json:"cluster_config"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	s := cfg.Cluster.Scheduler
	for key, vidur := range map[string]string{
		"scheduler.kind": "name", "scheduler.max_batch_size": "batch_size_cap", "scheduler.chunk_size": "chunk_size",
		"scheduler.num_kv_blocks": "num_blocks", "scheduler.block_size": "block_size",
		"scheduler.max_tokens_in_batch": "max_tokens_in_batch",
	} {
		set(out, key, s[vidur])
	}
	set(out, "model", cfg.Cluster.Replica.ModelName)
	set(out, "hardware", cfg.Cluster.Replica.Device)
	return nil
}

// set records a JSON value as text; nil and "" stay Unknown.
func set(out map[string]string, key string, v any) {
	switch x := v.(type) {
	case nil:
	case string:
		if x != "" {
			out[key] = x
		}
	case float64:
		out[key] = strconv.FormatFloat(x, 'f', -1, 64)
	default:
		out[key] = fmt.Sprint(x)
	}
}

// SettingDiff is a scheduler setting on which a simulated run differs
// from a real run.
type SettingDiff struct {
	Key, Real, Sim string
}

// CompareSettings lists the scheduler settings on which sim differs from
// real. A setting unknown on either side is skipped, as is the kind when
// the real run measured an external server (kind "server": its scheduler
// cannot be read). When both runs serve one request at a time (kind
// "transformers"), the batch cap and the chunk size change nothing and
// are skipped too.
func CompareSettings(real, sim map[string]string) []SettingDiff {
	serial := real["scheduler.kind"] == "transformers" && sim["scheduler.kind"] == "transformers"
	var out []SettingDiff
	for _, k := range schedulerChecked {
		r, s := real[k], sim[k]
		switch {
		case r == Unknown || s == Unknown || r == s:
		case k == "scheduler.kind" && r == "server":
		case serial && (k == "scheduler.max_batch_size" || k == "scheduler.chunk_size"):
		default:
			out = append(out, SettingDiff{Key: k, Real: r, Sim: s})
		}
	}
	return out
}
