package main

import (
	_ "embed"
	"fmt"
	"path/filepath"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/config"
)

//go:embed defaults.yaml
var defaultsYAML []byte

// Config is compare-runs' configuration; defaults.yaml lists every key
// but the slo section's, which come from the shared section file.
type Config struct {
	OutputRoot            string    `koanf:"output_root"`
	ComparisonID          string    `koanf:"comparison_id"`
	Overwrite             bool      `koanf:"overwrite"`
	RealRunDir            string    `koanf:"real_run_dir"`
	RealRunDirs           []string  `koanf:"real_run_dirs"`
	SimRunDir             string    `koanf:"sim_run_dir"`
	SimRunDirs            []string  `koanf:"sim_run_dirs"`
	AllowWorkloadMismatch bool      `koanf:"allow_workload_mismatch"`
	Tolerance             Tolerance `koanf:"tolerance"`
	Figures               bool      `koanf:"figures"`
	EchartsJS             string    `koanf:"echarts_js"`
	ImageFormat           string    `koanf:"image_format"`
	// Strict turns a scheduler setting that differs between a real and a
	// simulated run from a warning into an error.
	Strict bool       `koanf:"strict"`
	SLO    config.SLO `koanf:"slo"`
	// LoadKeys (pairs, manifests) ask for a load report (load.go).
	LoadKeys `koanf:",squash"`
	// SearchKeys (search) ask for a search report (search.go).
	SearchKeys `koanf:",squash"`
}

// Tolerance is the relative tolerance per metric; 0 = no verdict.
type Tolerance struct {
	TTFT            float64 `koanf:"ttft"`
	TBT             float64 `koanf:"tbt"`
	TPOT            float64 `koanf:"tpot"`
	E2E             float64 `koanf:"e2e"`
	E2ENormalized   float64 `koanf:"e2e_normalized"`
	SchedulingDelay float64 `koanf:"scheduling_delay"`
}

// ByMetric maps metric keys (metrics.Names) to tolerances.
func (t Tolerance) ByMetric() map[string]float64 {
	return map[string]float64{
		"ttft": t.TTFT, "tbt": t.TBT, "tpot": t.TPOT, "e2e": t.E2E,
		"e2e_normalized": t.E2ENormalized, "scheduling_delay": t.SchedulingDelay,
	}
}

// dirs joins the single-dir and list keys, in that order.
func dirs(one string, many []string) []string {
	var out []string
	if one != "" {
		out = append(out, one)
	}
	return append(out, many...)
}

func (c *Config) validate() error {
	if c.searchReport() {
		if err := c.validateSearch(); err != nil {
			return err
		}
	} else if c.loadReport() {
		if err := c.validateLoad(); err != nil {
			return err
		}
	} else if len(dirs(c.RealRunDir, c.RealRunDirs)) == 0 {
		return fmt.Errorf("no real run given: set real_run_dir=<dir> (or real_run_dirs=[a,b]), or pairs=[[real,sim],…] for a load report")
	} else if len(dirs(c.SimRunDir, c.SimRunDirs)) == 0 {
		return fmt.Errorf("no simulated run given: set sim_run_dir=<dir> (or sim_run_dirs=[a,b])")
	}
	for k, v := range c.Tolerance.ByMetric() {
		if v < 0 {
			return fmt.Errorf("tolerance.%s=%g is negative", k, v)
		}
	}
	if err := c.SLO.Validate(); err != nil {
		return err
	}
	switch c.ImageFormat {
	case "png", "svg", "both":
	default:
		return fmt.Errorf("image_format=%q must be png, svg or both", c.ImageFormat)
	}
	if c.ComparisonID != "" && (c.ComparisonID != filepath.Base(c.ComparisonID) || c.ComparisonID[0] == '.') {
		return fmt.Errorf("comparison_id=%q must be a plain directory name", c.ComparisonID)
	}
	return nil
}

// goodputSLO is the part of the slo section that goodput uses.
func (c *Config) goodputSLO() artifacts.SLO {
	return artifacts.SLO{TTFTms: c.SLO.TTFTms, TPOTms: c.SLO.TPOTms, E2Ems: c.SLO.E2Ems}
}
