package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/simcheck/simcheck/compare-runs/internal/align"
	"github.com/simcheck/simcheck/compare-runs/internal/figs"
	"github.com/simcheck/simcheck/compare-runs/internal/metrics"
	"github.com/simcheck/simcheck/compare-runs/internal/report"
	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/config"
	"github.com/simcheck/simcheck/pkg/config/command"
)

func newTool() command.Tool {
	var cfg Config
	return command.Tool{
		Name:  "compare-runs",
		Usage: "compare real runs with simulated runs of the same workload: summary.md, tables, figures",
		Description: "Writes <output_root>/comparisons/<comparison_id>/ (summary.md, tables/*.csv, figs/,\n" +
			"comparison_meta.json, config.yaml) and prints its path.\n" +
			"Example: compare-runs real_run_dir=tmp/real_runs/<id> sim_run_dir=tmp/vidur_runs/<id>\n" +
			"A grid of vidur-sim capacity searches: compare-runs search=tmp/multirun/<sweep_id> (search.md, tables/search.csv).\n" +
			"Figures need the ECharts script once: scripts/bootstrap_echarts.sh (or figures=false).",
		Schema: config.Schema{Tool: "compare-runs", Defaults: defaultsYAML, Target: &cfg, Sections: []string{"slo"}},
		Run:    func(c *command.Context) error { return run(c, &cfg) },
	}
}

const bootstrapHint = "run scripts/bootstrap_echarts.sh once to fetch it, point echarts_js= at an echarts.min.js " +
	"of version " + figs.EchartsVersion + ", or pass figures=false"

// echartsPath is where the ECharts script is read from.
func (c *Config) echartsPath() string {
	if c.EchartsJS != "" {
		return c.EchartsJS
	}
	return filepath.Join(c.OutputRoot, "assets", "echarts-"+figs.EchartsVersion, figs.EchartsJS)
}

// loadEcharts reads the ECharts script and checks it is the release
// go-echarts expects (its banner names the version).
func loadEcharts(path string) ([]byte, error) {
	js, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, command.WithHint(fmt.Errorf("figures need the ECharts script, and %s does not exist", path), bootstrapHint)
	}
	if err != nil {
		return nil, err
	}
	if !bytes.Contains(js, []byte(`"`+figs.EchartsVersion+`"`)) {
		return nil, command.WithHint(fmt.Errorf("%s is not ECharts %s (go-echarts v2.6.7 is built against it)", path, figs.EchartsVersion), bootstrapHint)
	}
	return js, nil
}

func run(c *command.Context, cfg *Config) error {
	if err := cfg.validate(); err != nil {
		return command.Usage(err, "see docs/compare-runs.md for every key")
	}
	var js []byte
	if cfg.Figures {
		var err error
		if js, err = loadEcharts(cfg.echartsPath()); err != nil {
			return err
		}
	}
	switch {
	case cfg.searchReport():
		return runSearch(c, cfg, js)
	case cfg.loadReport():
		return runLoad(c, cfg, js)
	}
	cmp, err := prepare(cfg)
	if err != nil {
		return err
	}
	for _, w := range cmp.warnings {
		c.Warnf("%s", w)
	}
	id := reportID(c, cfg)
	return commitReport(c, cfg, id, func(d *artifacts.Dir) error { return write(d, cfg, cmp, id, js, c.Config.YAML()) })
}

// reportID is comparison_id, or a UTC timestamp and a hash of the
// configuration.
func reportID(c *command.Context, cfg *Config) string {
	if cfg.ComparisonID != "" {
		return cfg.ComparisonID
	}
	return command.DefaultID(c.Config)
}

// commitReport builds <output_root>/comparisons/<id> with fill, under a
// temporary name renamed into place once every file is written, and
// prints its path: every report's directory is made this way.
func commitReport(c *command.Context, cfg *Config, id string, fill func(*artifacts.Dir) error) error {
	final := filepath.Join(cfg.OutputRoot, "comparisons", id)
	d, err := artifacts.CreateDir(final, cfg.Overwrite)
	if err != nil {
		if errors.Is(err, artifacts.ErrExists) {
			return command.Usage(err, "")
		}
		return err
	}
	defer d.Abort()
	if err := fill(d); err != nil {
		return err
	}
	if err := d.Commit(); err != nil {
		return err
	}
	fmt.Fprintln(c.Stdout, final)
	return nil
}

// comparison is everything computed before anything is written.
type comparison struct {
	reals, sims  []*align.Run
	results      []*metrics.Result
	steps        []metrics.StepRow
	workloadID   string
	workloadNote string
	// settings are the configuration table's columns, reals then sims.
	settings []report.RunSettings
	// configWarnings are the scheduler settings that differ; they are
	// in warnings too.
	configWarnings []string
	warnings       []string
}

// prepare loads, checks and compares the runs.
func prepare(cfg *Config) (*comparison, error) {
	cmp := &comparison{}
	labels := map[string]int{}
	load := func(dir string, sim bool) (*align.Run, error) {
		r, err := align.Load(dir, sim)
		if err != nil {
			return nil, err
		}
		r.Label = r.RunID()
		if r.Kind == align.KindVidur {
			r.Label = "vidur:" + r.Label
		}
		if n := labels[r.Label]; n > 0 {
			labels[r.Label]++
			r.Label = fmt.Sprintf("%s#%d", r.Label, n+1)
		} else {
			labels[r.Label] = 1
		}
		return r, nil
	}
	for _, dir := range dirs(cfg.RealRunDir, cfg.RealRunDirs) {
		r, err := load(dir, false)
		if err != nil {
			return nil, err
		}
		if r.Kind != artifacts.KindReal {
			cmp.warn("%s is a %s run given as a real run", r.Label, r.Kind)
		}
		cmp.reals = append(cmp.reals, r)
	}
	for _, dir := range dirs(cfg.SimRunDir, cfg.SimRunDirs) {
		r, err := load(dir, true)
		if err != nil {
			return nil, err
		}
		if r.Kind == artifacts.KindReal {
			cmp.warn("%s is a real run given as a simulated run", r.Label)
		}
		cmp.sims = append(cmp.sims, r)
	}
	for _, r := range append(append([]*align.Run(nil), cmp.reals...), cmp.sims...) {
		if r.Meta != nil && r.Meta.Status != artifacts.RunComplete {
			cmp.warn("%s has status %s: it did not run to the end", r.Label, r.Meta.Status)
		}
	}
	if err := cmp.checkWorkloads(cfg.AllowWorkloadMismatch); err != nil {
		return nil, err
	}
	if err := cmp.checkSettings(cfg.Strict); err != nil {
		return nil, err
	}
	noise := metrics.NewNoise(cmp.reals)
	tol := cfg.Tolerance.ByMetric()
	slo := cfg.goodputSLO()
	var realServing []artifacts.ServingMetrics
	for _, r := range cmp.reals {
		realServing = append(realServing, metrics.ServingOf(r, slo))
	}
	for _, s := range cmp.sims {
		res := metrics.Compare(cmp.reals, s, noise, tol)
		res.Serving = metrics.ServingRows(realServing, metrics.ServingOf(s, slo))
		cmp.results = append(cmp.results, res)
		for _, p := range res.Pairings {
			cmp.pairingWarnings(p)
		}
	}
	cmp.steps = metrics.Steps(cmp.reals, cmp.sims)
	return cmp, nil
}

func (cmp *comparison) warn(format string, args ...any) {
	cmp.warnings = append(cmp.warnings, fmt.Sprintf(format, args...))
}

// checkWorkloads compares every run with the first real run.
func (cmp *comparison) checkWorkloads(allow bool) error {
	ref := cmp.reals[0]
	cmp.workloadID = ref.WorkloadID()
	others := append(append([]*align.Run(nil), cmp.reals[1:]...), cmp.sims...)
	var bad []string
	vidur := false
	for _, o := range others {
		vidur = vidur || o.Kind == align.KindVidur
		if m := align.CheckWorkload(ref, o); m != nil {
			if !allow {
				return command.WithHint(fmt.Errorf("%s and %s are not runs of the same workload: %v", ref.Label, o.Label, m),
					"compare runs of one workload, or pass allow_workload_mismatch=true to compare them anyway")
			}
			bad = append(bad, o.Label)
			cmp.warn("workload mismatch (allowed by allow_workload_mismatch): %s vs %s: %v", ref.Label, o.Label, m)
		}
	}
	switch {
	case len(bad) > 0:
		cmp.workloadNote = fmt.Sprintf("**The workloads differ** (%v), compared anyway because allow_workload_mismatch=true.", bad)
	case vidur:
		cmp.workloadNote = "Same workload: ids and artifact hashes agree, and every request id asks for the same token counts (Python Vidur output has no workload id; its per-request token counts were checked)."
	default:
		cmp.workloadNote = "Same workload: ids and artifact hashes agree, and every request id asks for the same token counts."
	}
	return nil
}

// checkSettings fills the configuration table and compares every
// simulated run's scheduler settings with every real run's. A difference
// is a warning, or with strict an error, returned before anything is
// written.
func (cmp *comparison) checkSettings(strict bool) error {
	of := func(r *align.Run) map[string]string {
		v, err := r.Settings()
		if err != nil {
			cmp.warn("%s: %v; its configuration is shown as unknown", r.Label, err)
		}
		cmp.settings = append(cmp.settings, report.RunSettings{Label: r.Label, Values: v})
		return v
	}
	var reals []map[string]string
	for _, r := range cmp.reals {
		reals = append(reals, of(r))
	}
	for _, s := range cmp.sims {
		sv := of(s)
		for i, rv := range reals {
			which := "sim run " + s.Label
			if len(reals) > 1 {
				which = "real run " + cmp.reals[i].Label + ", " + which
			}
			for _, d := range align.CompareSettings(rv, sv) {
				cmp.configWarnings = append(cmp.configWarnings,
					fmt.Sprintf("configuration differs: %s real=%s sim=%s (%s)", d.Key, d.Real, d.Sim, which))
			}
		}
	}
	if strict && len(cmp.configWarnings) > 0 {
		return command.WithHint(fmt.Errorf("strict=true and %s", strings.Join(cmp.configWarnings, "; ")),
			"run both sides with the same scheduler settings, or leave strict=false to compare them with a warning")
	}
	cmp.warnings = append(cmp.warnings, cmp.configWarnings...)
	return nil
}

func (cmp *comparison) pairingWarnings(p *align.Pairing) {
	c := p.Counts
	pre := p.Ref.Label + " vs " + p.Other.Label + ": "
	if c.Truncated > 0 {
		cmp.warn("%s%d requests stopped early in the real run; the simulated token rows were truncated to num_decode_tokens_actual and their latencies taken at the last kept token", pre, c.Truncated)
	}
	if c.Untruncatable > 0 {
		cmp.warn("%s%d requests stopped early in the real run, but %s has no token rows to truncate: their simulated request-level latencies cover every requested token", pre, c.Untruncatable, p.Other.Label)
	}
	for _, x := range []struct {
		n    int
		what string
	}{
		{c.FailedRef, "failed in the real run"}, {c.FailedOther, "failed in the simulated run"},
		{c.MissingRef, "are missing from the real run"}, {c.MissingOther, "are missing from the simulated run"},
	} {
		if x.n > 0 {
			cmp.warn("%s%d requests %s; they are excluded from every figure and listed in tables/paired_requests.csv", pre, x.n, x.what)
		}
	}
}

// write fills the output directory.
func write(d *artifacts.Dir, cfg *Config, cmp *comparison, id string, js, configYAML []byte) error {
	tables := []struct {
		name string
		fn   func(io.Writer, []*metrics.Result) error
	}{
		{artifacts.SummaryTableFile, report.WriteSummaryTable},
		{artifacts.PairedTableFile, report.WritePairedTable},
		{artifacts.TokenTableFile, report.WriteTokenTable},
	}
	for _, t := range tables {
		if err := d.WriteFile(t.name, func(w io.Writer) error { return t.fn(w, cmp.results) }); err != nil {
			return err
		}
	}
	if err := d.WriteFile(artifacts.StepTableFile, func(w io.Writer) error {
		return report.WriteStepTable(w, cmp.reals, cmp.sims, cmp.steps)
	}); err != nil {
		return err
	}
	sum := &report.Summary{
		ComparisonID: id, Reals: cmp.reals, Results: cmp.results,
		WorkloadID: cmp.workloadID, WorkloadNote: cmp.workloadNote, Warnings: cmp.warnings, Steps: cmp.steps,
		ConfigWarnings: cmp.configWarnings, Settings: cmp.settings,
	}
	if cfg.Figures {
		writeFig := func(name string, fn func(io.Writer) error) error { return d.WriteFile("figs/"+name, fn) }
		var err error
		if sum.Figures, err = figs.WriteAll(figureSet(id, cmp), js, cfg.ImageFormat, writeFig); err != nil {
			return err
		}
	} else {
		sum.Figures.Skipped = "figures=false was given"
	}
	if err := d.WriteFile(artifacts.SummaryFile, func(w io.Writer) error { return report.WriteSummary(w, sum) }); err != nil {
		return err
	}
	if err := d.WriteFile("config.yaml", func(w io.Writer) error { _, err := w.Write(configYAML); return err }); err != nil {
		return err
	}
	return d.WriteFile(artifacts.ComparisonMetaFile, func(w io.Writer) error { return artifacts.WriteComparisonMeta(w, meta(cfg, cmp, id)) })
}

func meta(cfg *Config, cmp *comparison, id string) *artifacts.ComparisonMeta {
	m := &artifacts.ComparisonMeta{
		ComparisonID: id, WorkloadID: cmp.workloadID, Warnings: cmp.warnings,
		Tolerances: map[string]any{}, Counts: map[string]int{},
		// CreatedAt stays empty: the same inputs give the same bytes.
	}
	for k, v := range cfg.Tolerance.ByMetric() {
		m.Tolerances[k] = v
	}
	desc := func(r *align.Run) artifacts.ComparisonRun {
		return artifacts.ComparisonRun{Dir: r.Dir, RunID: r.RunID(), Kind: r.Kind, Source: r.Source(), WorkloadID: r.WorkloadID()}
	}
	for _, r := range cmp.reals {
		m.Real = append(m.Real, desc(r))
	}
	for _, res := range cmp.results {
		m.Sim = append(m.Sim, desc(res.Sim))
		for _, p := range res.Pairings {
			c := p.Counts
			for k, v := range map[string]int{"paired": c.Paired, "failed_real": c.FailedRef, "failed_sim": c.FailedOther,
				"missing_real": c.MissingRef, "missing_sim": c.MissingOther, "truncated": c.Truncated} {
				m.Counts[k] += v
			}
		}
	}
	return m
}

// figureSet gathers the data of every figure (values in ms).
func figureSet(id string, cmp *comparison) *figs.Set {
	set := &figs.Set{Title: "Comparison " + id}
	realName := "real"
	if len(cmp.reals) == 1 {
		realName = "real: " + cmp.reals[0].Label
	}
	for _, m := range metrics.All {
		cdf := figs.CDF{Key: m.Key, Title: m.Label, Unit: "ms"}
		var scat figs.Scatter
		scat = figs.Scatter{Key: m.Key, Title: m.Label, Unit: "ms"}
		var real []float64
		for i, res := range cmp.results {
			var simv []float64
			var xs, ys []float64
			for _, p := range res.Pairings {
				r, s := metrics.Samples(p, m)
				if i == 0 {
					real = append(real, r...)
				}
				simv = append(simv, s...)
				xs, ys = append(xs, r...), append(ys, s...)
			}
			cdf.Series = append(cdf.Series, figs.Series{Name: "sim: " + res.Sim.Label, Values: toMS(simv)})
			scat.Series = append(scat.Series, figs.XY{Name: res.Sim.Label, X: toMS(xs), Y: toMS(ys)})
		}
		if len(real) == 0 {
			continue // nothing paired: the summary's notes say why
		}
		cdf.Series = append([]figs.Series{{Name: realName, Values: toMS(real)}}, cdf.Series...)
		set.CDFs = append(set.CDFs, cdf)
		if !m.Token {
			set.Scatters = append(set.Scatters, scat)
		}
	}
	for _, m := range metrics.All {
		if m.Key != "ttft" && m.Key != "e2e" {
			continue
		}
		tl := figs.Timeline{Key: m.Key, Title: m.Label, Unit: "ms"}
		for _, r := range cmp.reals {
			tl.Series = append(tl.Series, timeline("real: "+r.Label, r, m))
		}
		for _, s := range cmp.sims {
			tl.Series = append(tl.Series, timeline("sim: "+s.Label, s, m))
		}
		set.Timelines = append(set.Timelines, tl)
	}
	return set
}

// timeline is a run's metric at each ok request's arrival, measured from
// the run's first arrival (Vidur output has no absolute clock).
func timeline(name string, r *align.Run, m metrics.Metric) figs.XY {
	xy := figs.XY{Name: name}
	if len(r.Requests) == 0 {
		return xy
	}
	qs := append([]artifacts.RequestRecord(nil), r.Requests...)
	sort.SliceStable(qs, func(i, j int) bool { return qs[i].ArrivedAt < qs[j].ArrivedAt })
	t0 := qs[0].ArrivedAt
	for i := range qs {
		v := m.Get(qs[i].Metrics())
		if qs[i].Status != artifacts.StatusOK || v != v {
			continue
		}
		xy.X = append(xy.X, qs[i].ArrivedAt-t0)
		xy.Y = append(xy.Y, v*1e3)
	}
	return xy
}

func toMS(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = x * 1e3
	}
	return out
}
