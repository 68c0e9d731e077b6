package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/simcheck/simcheck/compare-runs/internal/figs"
	"github.com/simcheck/simcheck/compare-runs/internal/search"
	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/config/command"
)

// SearchKeys select the search report instead of the single comparison
// (docs/compare-runs.md, "Search report"); Config embeds them.
type SearchKeys struct {
	// Search names the sweep directories of vidur-sim capacity searches
	// (each holding multirun.yaml, or the multirun.yaml itself),
	// separated by commas.
	Search string `koanf:"search"`
}

// searchReport reports whether the configuration asks for a search report.
func (c *Config) searchReport() bool { return c.Search != "" }

// searchPaths are the sweeps search= names, in order.
func (c *Config) searchPaths() []string {
	var out []string
	for _, p := range strings.Split(c.Search, ",") {
		out = append(out, strings.TrimSpace(p))
	}
	return out
}

// validateSearch checks the search report's own keys.
func (c *Config) validateSearch() error {
	if len(dirs(c.RealRunDir, c.RealRunDirs))+len(dirs(c.SimRunDir, c.SimRunDirs)) > 0 || c.loadReport() {
		return errors.New("search= writes a search report from its sweeps: leave real_run_dir(s), sim_run_dir(s), pairs and manifests empty")
	}
	for _, p := range c.searchPaths() {
		if p == "" {
			return fmt.Errorf("search=%q names an empty sweep directory", c.Search)
		}
	}
	return nil
}

// sweepHint says what search= takes.
const sweepHint = "search= takes the directory of a `vidur-sim --multirun sim.mode=capacity …` sweep, <output_root>/multirun/<sweep_id>, which holds multirun.yaml"

// readSweep reads a sweep's manifest and each job's capacity.json. A job
// that failed, has not run, or whose capacity.json cannot be read is
// returned with the reason in its Err; only an unreadable manifest, or
// one of another tool, is an error. The warning says when the sweep has
// not finished.
func readSweep(dir string) (string, []search.Job, string, error) {
	path := filepath.Join(dir, command.ManifestFile)
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		path = dir
	}
	m, err := command.ReadManifest(path)
	if err != nil {
		return "", nil, "", command.WithHint(fmt.Errorf("search: %w", err), sweepHint)
	}
	if m.Tool != "vidur-sim" {
		return "", nil, "", command.WithHint(fmt.Errorf("search: %s is a sweep of %q, not of vidur-sim", path, m.Tool), sweepHint)
	}
	id := m.SweepID
	if id == "" {
		id = filepath.Base(filepath.Dir(path))
	}
	var warning string
	if m.State != command.StateFinished {
		warning = fmt.Sprintf("sweep %s is %s, not finished: the report holds what its jobs had written by then", id, m.State)
	}
	var jobs []search.Job
	for _, j := range m.Jobs {
		job := search.Job{Sweep: id, Num: j.Job, Overrides: j.Overrides, State: j.State, OutputDir: j.OutputDir}
		switch {
		case j.State != command.StateSucceeded:
			job.Err = jobError(j)
		case j.OutputDir == "":
			job.Err = "multirun.yaml records no output directory"
		default:
			c, err := artifacts.ReadCapacity(j.OutputDir)
			switch {
			case errors.Is(err, fs.ErrNotExist):
				job.Err, job.Missing = err.Error()+" (was the sweep run with sim.mode=capacity?)", true
			case err != nil:
				job.Err = err.Error()
			default:
				job.Capacity = c
			}
		}
		jobs = append(jobs, job)
	}
	return id, jobs, warning, nil
}

// jobError is why a job that did not succeed has no capacity: its error
// line, or what its state and exit status say.
func jobError(j command.JobRecord) string {
	switch {
	case j.Error != "":
		return j.Error
	case j.State == command.StatePending:
		return "not run (yet)"
	case j.State == command.StateRunning:
		return "still running, or its sweep died while it ran"
	case j.Status != nil:
		return fmt.Sprintf("exit status %d", *j.Status)
	}
	return "no error recorded"
}

// runSearch writes the search report of the sweeps search= names.
func runSearch(c *command.Context, cfg *Config, js []byte) error {
	var sweeps, warnings []string
	var jobs []search.Job
	seen := map[string]string{}
	for _, p := range cfg.searchPaths() {
		id, sj, warning, err := readSweep(p)
		if err != nil {
			return err
		}
		if warning != "" {
			warnings = append(warnings, warning)
		}
		if prev, ok := seen[id]; ok {
			return command.Usage(fmt.Errorf("search: %s and %s are the same sweep, %s", prev, p, id), "name each sweep once")
		}
		seen[id] = p
		sweeps = append(sweeps, id)
		jobs = append(jobs, sj...)
	}
	ok := 0
	for _, j := range jobs {
		if j.Capacity != nil {
			ok++
			continue
		}
		c.Warnf("sweep %s job %d: %s: %s", j.Sweep, j.Num, j.Problem(), j.Err)
	}
	if ok == 0 {
		return command.WithHint(fmt.Errorf("search: no job of %s has a capacity search to report (%d jobs)", strings.Join(sweeps, ", "), len(jobs)),
			"run the sweep with sim.mode=capacity and slo.ttft_ms and/or slo.tbt_ms; the warnings above say what each job lacks")
	}
	if cfg.SLO.TTFTms > 0 || cfg.SLO.TBTms > 0 {
		warnings = append(warnings, "slo.ttft_ms and slo.tbt_ms play no part in a search report: each job was searched against the SLO its capacity.json records")
	}
	for _, w := range warnings {
		c.Warnf("%s", w)
	}
	rep := search.NewReport(sweeps, jobs, warnings)
	return commitReport(c, cfg, reportID(c, cfg), func(d *artifacts.Dir) error { return writeSearch(d, cfg, rep, js, c.Config.YAML()) })
}

// writeSearch fills the output directory of a search report.
func writeSearch(d *artifacts.Dir, cfg *Config, rep *search.Report, js, configYAML []byte) error {
	if err := d.WriteFile(search.TableFile, func(w io.Writer) error { return search.WriteTable(w, rep) }); err != nil {
		return err
	}
	if cfg.Figures {
		writeFig := func(name string, fn func(io.Writer) error) error { return d.WriteFile("figs/"+name, fn) }
		var err error
		title := "Capacity search " + strings.Join(rep.Sweeps, ", ")
		if rep.Figures, err = figs.WriteFront(title, search.Fronts(rep), js, cfg.ImageFormat, writeFig); err != nil {
			return err
		}
	} else {
		rep.Figures.Skipped = "figures=false was given"
	}
	if err := d.WriteFile(search.MarkdownFile, func(w io.Writer) error { return search.WriteMarkdown(w, rep) }); err != nil {
		return err
	}
	return d.WriteFile("config.yaml", func(w io.Writer) error { _, err := w.Write(configYAML); return err })
}
