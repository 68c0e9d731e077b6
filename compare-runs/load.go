package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/simcheck/simcheck/compare-runs/internal/align"
	"github.com/simcheck/simcheck/compare-runs/internal/figs"
	"github.com/simcheck/simcheck/compare-runs/internal/load"
	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/config/command"
)

// LoadKeys select the load report instead of the single comparison
// (docs/compare-runs.md, "Load report"); Config embeds them.
type LoadKeys struct {
	// Pairs are the load points: each a pair [real_dir, sim_dir], or
	// {real: [dirs…], sim: dir} with several real runs. Items stay
	// untyped so that both forms parse on the command line.
	Pairs []any `koanf:"pairs"`
	// Manifests are multirun.yaml files of sweeps (real-bench, vidur-sim):
	// their succeeded jobs' runs, grouped into points by workload id.
	Manifests []string `koanf:"manifests"`
}

// loadReport reports whether the configuration asks for a load report.
func (c *Config) loadReport() bool { return len(c.Pairs) > 0 || len(c.Manifests) > 0 }

// validateLoad checks the load report's own keys.
func (c *Config) validateLoad() error {
	if len(dirs(c.RealRunDir, c.RealRunDirs))+len(dirs(c.SimRunDir, c.SimRunDirs)) > 0 {
		return errors.New("pairs= and manifests= write a load report from their own runs: leave real_run_dir(s) and sim_run_dir(s) empty")
	}
	_, err := parsePairs(c.Pairs)
	return err
}

// pointDirs are one load point's directories and where they were named.
type pointDirs struct {
	from  string // pairs[i], or the workload id a manifest grouped by
	reals []string
	sim   string
}

const pairForms = "a load point is [real_dir, sim_dir], or {real: [real_a, real_b], sim: sim_dir} with several real runs"

// parsePairs reads the pairs key: each item a list of exactly two
// directories (real, then simulated) or a map with real (a directory or
// a list of them) and sim.
func parsePairs(items []any) ([]pointDirs, error) {
	var out []pointDirs
	for i, it := range items {
		p := pointDirs{from: fmt.Sprintf("pairs[%d]", i)}
		bad := func(format string, args ...any) error {
			return fmt.Errorf("%s=%v: %s; %s", p.from, it, fmt.Sprintf(format, args...), pairForms)
		}
		switch v := it.(type) {
		case []any:
			if len(v) != 2 {
				return nil, bad("a list names exactly two directories, the real run and the simulated run")
			}
			v0, ok0 := v[0].(string)
			v1, ok1 := v[1].(string)
			if !ok0 || !ok1 {
				return nil, bad("a directory name is not text (quote it)")
			}
			p.reals, p.sim = []string{v0}, v1
		case map[string]any:
			for k := range v {
				if k != "real" && k != "sim" {
					return nil, bad("unknown field %q", k)
				}
			}
			var ok bool
			if p.sim, ok = v["sim"].(string); !ok {
				return nil, bad("sim must name one directory")
			}
			switch r := v["real"].(type) {
			case string:
				p.reals = []string{r}
			case []any:
				for _, x := range r {
					d, ok := x.(string)
					if !ok {
						return nil, bad("a directory name is not text (quote it)")
					}
					p.reals = append(p.reals, d)
				}
			}
			if len(p.reals) == 0 {
				return nil, bad("real must name at least one directory")
			}
		default:
			return nil, bad("not a pair")
		}
		for _, d := range append([]string{p.sim}, p.reals...) {
			if d == "" {
				return nil, bad("an empty directory name")
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// loadPoints lists the load points: pairs= first, then the manifests'.
func loadPoints(cfg *Config) ([]pointDirs, []string, error) {
	out, err := parsePairs(cfg.Pairs)
	if err != nil || len(cfg.Manifests) == 0 {
		return out, nil, err
	}
	more, warnings, err := manifestPoints(cfg.Manifests)
	return append(out, more...), warnings, err
}

// manifestPoints reads the runs of sweeps' manifests (every job that
// succeeded; its output directory as the tool printed it, relative to
// the current directory) and groups them by workload id: each workload is
// one load point, its real runs against its one simulated run.
func manifestPoints(paths []string) ([]pointDirs, []string, error) {
	var warnings []string
	var order []string
	groups := map[string]*pointDirs{}
	sims := map[string][]string{}
	for _, path := range paths {
		m, err := command.ReadManifest(path)
		if err != nil {
			return nil, nil, err
		}
		for _, j := range m.Jobs {
			if j.State != command.StateSucceeded || j.OutputDir == "" {
				warnings = append(warnings, fmt.Sprintf("%s: job %d (%s) is %s: left out", path, j.Job, m.Tool, j.State))
				continue
			}
			meta, err := artifacts.ReadRunMeta(j.OutputDir)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: job %d: %w", path, j.Job, err)
			}
			id := meta.Workload.WorkloadID
			g, ok := groups[id]
			if !ok {
				g = &pointDirs{from: "workload " + id}
				groups[id] = g
				order = append(order, id)
			}
			if meta.Kind == artifacts.KindSim {
				sims[id] = append(sims[id], j.OutputDir)
			} else {
				g.reals = append(g.reals, j.OutputDir)
			}
		}
	}
	var out []pointDirs
	for _, id := range order {
		g := groups[id]
		switch s := sims[id]; {
		case len(g.reals) == 0:
			return nil, nil, command.WithHint(fmt.Errorf("the manifests hold simulated runs of workload %s but no real run of it", id),
				"give the real-bench sweep's manifest too, or name the points with pairs=")
		case len(s) == 0:
			return nil, nil, command.WithHint(fmt.Errorf("the manifests hold real runs of workload %s but no simulated run of it", id),
				"give the vidur-sim sweep's manifest too, or name the points with pairs=")
		case len(s) > 1:
			return nil, nil, command.WithHint(fmt.Errorf("the manifests hold %d simulated runs of workload %s (%v); a load point has one", len(s), id, s),
				"name the points with pairs=[[real,…,sim],…]")
		default:
			g.sim = s[0]
		}
		out = append(out, *g)
	}
	return out, warnings, nil
}

// runLoad writes the load report: each point compared as a single
// comparison would (prepare), then measured against its offered load.
func runLoad(c *command.Context, cfg *Config, js []byte) error {
	specs, warnings, err := loadPoints(cfg)
	if err != nil {
		return err
	}
	var points []load.Point
	var firsts []*align.Run
	for _, s := range specs {
		pc := *cfg
		pc.LoadKeys = LoadKeys{}
		pc.RealRunDir, pc.RealRunDirs, pc.SimRunDir, pc.SimRunDirs = "", s.reals, s.sim, nil
		cmp, err := prepare(&pc)
		if err != nil {
			return fmt.Errorf("load point %s: %w", s.from, err)
		}
		for _, w := range cmp.warnings {
			warnings = append(warnings, s.from+": "+w)
		}
		in := load.Input{Reals: cmp.reals, Result: cmp.results[0], WorkloadID: cmp.workloadID}
		points = append(points, load.Measure(in, cfg.Tolerance.ByMetric(), loadSLO(cfg)))
		firsts = append(firsts, cmp.reals[0], cmp.sims[0])
	}
	warnings = append(warnings, setupWarnings(specs, firsts)...)
	for _, w := range warnings {
		c.Warnf("%s", w)
	}
	id := reportID(c, cfg)
	rep := load.NewReport(id, points, loadSLO(cfg), warnings)
	return commitReport(c, cfg, id, func(d *artifacts.Dir) error { return writeLoad(d, cfg, rep, js, c.Config.YAML()) })
}

func loadSLO(cfg *Config) load.SLO {
	return load.SLO{TTFTms: cfg.SLO.TTFTms, TBTms: cfg.SLO.TBTms, Quantile: cfg.SLO.Quantile}
}

// setupWarnings compares every point's runs with the first point's: a
// load sweep holds the model, hardware and scheduler fixed. runs holds
// each point's first real run and its simulated run, in turn.
func setupWarnings(specs []pointDirs, runs []*align.Run) []string {
	var out []string
	settings := make([]map[string]string, len(runs))
	for i, r := range runs {
		settings[i], _ = r.Settings() // unreadable: all unknown, skipped below
	}
	for i := 2; i < len(runs); i++ {
		ref, side := settings[i%2], "real"
		if i%2 == 1 {
			side = "simulated"
		}
		for _, k := range align.SettingKeys {
			a, b := ref[k], settings[i][k]
			if a != b && a != align.Unknown && b != align.Unknown {
				out = append(out, fmt.Sprintf("%s: the %s run %s has %s=%s, but %s's has %s (a load sweep should differ only in load)",
					specs[i/2].from, side, runs[i].Label, k, b, specs[0].from, a))
			}
		}
	}
	return out
}

// writeLoad fills the output directory of a load report.
func writeLoad(d *artifacts.Dir, cfg *Config, rep *load.Report, js, configYAML []byte) error {
	if err := d.WriteFile(load.TableFile, func(w io.Writer) error { return load.WriteTable(w, rep) }); err != nil {
		return err
	}
	if cfg.Figures {
		writeFig := func(name string, fn func(io.Writer) error) error { return d.WriteFile("figs/"+name, fn) }
		var err error
		if rep.Figures, err = figs.WriteAll(load.FigureSet(rep), js, cfg.ImageFormat, writeFig); err != nil {
			return err
		}
	} else {
		rep.Figures.Skipped = "figures=false was given"
	}
	if err := d.WriteFile(load.MarkdownFile, func(w io.Writer) error { return load.WriteMarkdown(w, rep) }); err != nil {
		return err
	}
	return d.WriteFile("config.yaml", func(w io.Writer) error { _, err := w.Write(configYAML); return err })
}
