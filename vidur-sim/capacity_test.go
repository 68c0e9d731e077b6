package main

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/vidur-sim/internal/capacity"
)

// capacityWorkload writes an n-request workload directory (Poisson
// arrivals at 1 req/s, varied lengths, seed 7) beside the synthetic
// bundle and returns the bundle root and the workload directory.
func capacityWorkload(t *testing.T, n int) (root, dir string) {
	t.Helper()
	root, _ = syntheticBundle(t)
	r := rand.New(rand.NewPCG(3, 4))
	w := &artifacts.Workload{Meta: artifacts.WorkloadMeta{SchemaVersion: artifacts.SchemaVersion, WorkloadID: "wl-capacity", Seed: 7}}
	times := capacity.PoissonTimes(n, 1, 7)
	for i := range n {
		p, dec := 32+r.IntN(600), 4+r.IntN(40)
		w.Prompts = append(w.Prompts, artifacts.Prompt{RequestID: i, Prompt: "x", PromptTokenIDs: make([]int, p), NumPrefillTokens: p, NumDecodeTokens: dec})
		w.Requests = append(w.Requests, artifacts.Request{RequestID: i, ArrivedAt: times[i], NumPrefillTokens: p, NumDecodeTokens: dec})
	}
	d, err := artifacts.CreateDir(filepath.Join(root, "workloads", "wl-capacity"), false)
	if err != nil {
		t.Fatal(err)
	}
	if err := artifacts.WriteWorkload(d, w); err != nil {
		t.Fatal(err)
	}
	if err := d.Commit(); err != nil {
		t.Fatal(err)
	}
	return root, d.Final
}

// runCapacityCLI runs a capacity search and returns its directory and
// the decoded capacity.json.
func runCapacityCLI(t *testing.T, root, dir string, args ...string) (string, *capacityDoc, string) {
	t.Helper()
	base := []string{"sim.mode=capacity", "vidur.profiling.root=" + root, "workload.workload_dir=" + dir, "output_root=" + root}
	stdout, stderr, st := runTool(t, append(base, args...)...)
	if st != 0 {
		t.Fatalf("status %d: %s", st, stderr)
	}
	out := strings.TrimSpace(stdout)
	b, err := os.ReadFile(filepath.Join(out, CapacityFile))
	if err != nil {
		t.Fatal(err)
	}
	var doc capacityDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return out, &doc, stderr
}

// sweep is a brute-force search: a 5% geometric grid over the whole
// range, then a 0.1% grid inside the bracket where the coarse grid turns
// from meeting to missing. It fails the test when the coarse grid does
// not turn exactly once (the bisection's premise).
func sweep(t *testing.T, fine *float64) func(capacity.Range, func(float64) (capacity.Probe, error)) (capacity.Result, error) {
	return func(rng capacity.Range, run func(float64) (capacity.Probe, error)) (capacity.Result, error) {
		var probes []capacity.Probe
		probe := func(q float64) (capacity.Probe, error) {
			p, err := run(q)
			probes = append(probes, p)
			return p, err
		}
		grid := func(lo, hi, ratio float64) []float64 {
			var g []float64
			for q := lo; q < hi*(1+1e-12); q *= ratio {
				g = append(g, q)
			}
			return g
		}
		highest := func(g []float64) (int, error) {
			last := -1
			for i, q := range g {
				p, err := probe(q)
				if err != nil {
					return 0, err
				}
				if p.Meets {
					if last != i-1 {
						t.Errorf("%g req/s meets but a lower rate missed: not monotone", q)
					}
					last = i
				}
			}
			return last, nil
		}
		coarse := grid(rng.Min, rng.Max, 1.05)
		i, err := highest(coarse)
		if err != nil || i < 0 || i == len(coarse)-1 {
			t.Fatalf("coarse sweep: highest meeting index %d of %d (%v); the test's range must bracket the capacity", i, len(coarse), err)
		}
		*fine = 1.001
		g := grid(coarse[i], coarse[i+1], *fine)
		j, err := highest(g)
		if err != nil || j < 0 {
			t.Fatalf("fine sweep: %d, %v", j, err)
		}
		return capacity.Result{Status: capacity.Found, QPS: g[j], Fails: g[j] * *fine, Binding: probes[len(probes)-1].Binding(), Probes: probes}, nil
	}
}

// TestCapacityMatchesSweep checks the bisection lands within the
// tolerance of a brute-force sweep of the same probes, for a TTFT bound
// under one-at-a-time scheduling and a TBT bound under Sarathi's
// batching, and names the objective that binds.
func TestCapacityMatchesSweep(t *testing.T) {
	root, dir := capacityWorkload(t, 200)
	for _, tc := range []struct {
		name    string
		args    []string
		binding string
	}{
		{"ttft", []string{"slo.ttft_ms=500"}, "ttft"},
		{"tbt", []string{"slo.tbt_ms=8", "scheduler.kind=sarathi"}, "tbt"},
		{"both", []string{"slo.ttft_ms=165", "slo.tbt_ms=8", "scheduler.kind=sarathi"}, "ttft"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"capacity.qps_min=0.5", "capacity.qps_max=50", "capacity.tolerance=0.01", "run_id=b-" + tc.name}, tc.args...)
			_, got, stderr := runCapacityCLI(t, root, dir, args...)
			if got.Status != capacity.Found || got.BindingSLO != tc.binding {
				t.Fatalf("status %s, binding %q: %s", got.Status, got.BindingSLO, stderr)
			}
			if !strings.Contains(stderr, "vidur-sim: "+got.Summary+" from ") || !strings.Contains(got.Summary, "binds)") {
				t.Errorf("summary line missing from stderr:\n%s", stderr)
			}
			// Two end probes, then each halves the log-width of [0.5, 50]
			// until it is under log(1.01).
			if n, most := len(got.Probes), 2+int(math.Ceil(math.Log2(math.Log(100)/math.Log(1.01)))); n > most {
				t.Errorf("%d probes, more than the %d bisection needs", n, most)
			}
			var fine float64
			searchCapacity = sweep(t, &fine)
			defer func() { searchCapacity = capacity.Search }()
			_, want, _ := runCapacityCLI(t, root, dir, append(args, "run_id=s-"+tc.name)...)
			searchCapacity = capacity.Search
			c, b := got.CapacityQPS, want.CapacityQPS
			if math.Abs(c-b) > (0.01+(fine-1))*b {
				t.Errorf("bisection %g req/s, sweep %g req/s: further apart than the tolerance", c, b)
			}
			t.Logf("bisection %.5g req/s in %d probes, sweep %.5g req/s in %d probes", c, len(got.Probes), b, len(want.Probes))
		})
	}
}

// TestCapacityOutOfRange checks a range the capacity lies outside is
// reported as such, after the fewest probes.
func TestCapacityOutOfRange(t *testing.T) {
	root, dir := capacityWorkload(t, 200)
	_, above, stderr := runCapacityCLI(t, root, dir, "run_id=above", "slo.ttft_ms=500", "capacity.qps_min=0.1", "capacity.qps_max=2")
	if above.Status != capacity.AboveRange || above.CapacityQPS != 2 || len(above.Probes) != 1 || above.LowestFailingQPS != nil || above.BindingSLO != "" {
		t.Errorf("above: %+v", above)
	}
	if !strings.Contains(stderr, "meets the SLO at the top of the range") {
		t.Errorf("above: stderr %s", stderr)
	}
	_, below, stderr := runCapacityCLI(t, root, dir, "run_id=below", "slo.ttft_ms=500", "capacity.qps_min=10", "capacity.qps_max=50")
	if below.Status != capacity.BelowRange || below.CapacityQPS != 0 || len(below.Probes) != 2 || below.BindingSLO != "ttft" ||
		below.LowestFailingQPS == nil || *below.LowestFailingQPS != 10 || below.Probes[0].QPS != 50 || below.Probes[1].QPS != 10 {
		t.Errorf("below: %+v", below)
	}
	if !strings.Contains(stderr, "never meets the SLO within the range: TTFT p90 misses even at 10 req/s") {
		t.Errorf("below: stderr %s", stderr)
	}
}

// TestCapacityUnfinishedNeverMeets: with Vidur's vLLM bug a prompt longer
// than the token budget blocks the queue, so requests never finish and no
// rate can meet the SLO, however short the latencies of the rest.
func TestCapacityUnfinishedNeverMeets(t *testing.T) {
	root, dir := capacityWorkload(t, 50)
	_, doc, stderr := runCapacityCLI(t, root, dir, "run_id=stuck", "slo.ttft_ms=1e9", "scheduler.kind=vllm",
		"sim.vidur_compat=true", "scheduler.max_tokens_in_batch=100")
	if doc.Status != capacity.BelowRange || doc.BindingSLO != "unfinished" {
		t.Fatalf("%+v\n%s", doc, stderr)
	}
	for _, p := range doc.Probes {
		if p.Meets || p.Completed >= 50 {
			t.Errorf("probe %+v", p)
		}
	}
}

// TestCapacityDeterminism: the same inputs give the same capacity.json,
// byte for byte, under both arrival modes.
func TestCapacityDeterminism(t *testing.T) {
	root, dir := capacityWorkload(t, 100)
	for _, mode := range capacity.Modes {
		var first []byte
		for range 2 {
			out, _, _ := runCapacityCLI(t, root, dir, "run_id=det-"+mode, "overwrite=true", "slo.tbt_ms=8",
				"scheduler.kind=sarathi", "capacity.arrivals="+mode, "capacity.qps_min=0.5", "capacity.qps_max=50")
			b, err := os.ReadFile(filepath.Join(out, CapacityFile))
			if err != nil {
				t.Fatal(err)
			}
			if first != nil && string(b) != string(first) {
				t.Errorf("%s: two runs wrote different capacity.json", mode)
			}
			first = b
		}
		if !strings.Contains(string(first), `"mode": "`+mode+`"`) {
			t.Errorf("%s: capacity.json does not record the arrival mode", mode)
		}
	}
}

// TestCapacityTraceReplay searches a trace-replay CSV, whose Poisson
// probes draw from sim.seed: another seed gives other probes.
func TestCapacityTraceReplay(t *testing.T) {
	root, trace := syntheticBundle(t)
	var b strings.Builder
	b.WriteString("arrived_at,num_prefill_tokens,num_decode_tokens\n")
	for i, at := range capacity.PoissonTimes(100, 2, 1) {
		fmt.Fprintf(&b, "%g,%d,%d\n", at, 50+37*i%500, 3+i%30)
	}
	if err := os.WriteFile(trace, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(seed string) *capacityDoc {
		stdout, stderr, st := runTool(t, "sim.mode=capacity", "vidur.profiling.root="+root, "workload.trace_replay_file="+trace,
			"output_root="+root, "run_id=trace-"+seed, "sim.seed="+seed, "slo.ttft_ms=500")
		if st != 0 {
			t.Fatalf("status %d: %s", st, stderr)
		}
		var doc capacityDoc
		data, err := os.ReadFile(filepath.Join(strings.TrimSpace(stdout), CapacityFile))
		if err == nil {
			err = json.Unmarshal(data, &doc)
		}
		if err != nil {
			t.Fatal(err)
		}
		return &doc
	}
	a, c := run("1"), run("2")
	if a.Status != capacity.Found || *a.Arrivals.Seed != 1 || *c.Arrivals.Seed != 2 {
		t.Fatalf("%+v", a)
	}
	if *a.Probes[0].TTFTms == *c.Probes[0].TTFTms {
		t.Errorf("sim.seed does not reach the Poisson probes: both give TTFT %g ms at %g req/s", *a.Probes[0].TTFTms, a.Probes[0].QPS)
	}
}

// TestCapacityUsageErrors: a search with nothing to search for, or an
// empty range, is a usage error (status 2) that writes nothing.
func TestCapacityUsageErrors(t *testing.T) {
	root, dir := capacityWorkload(t, 10)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "vidur-sim: error: capacity needs an objective: set slo.ttft_ms and/or slo.tbt_ms above 0"},
		{[]string{"slo.e2e_ms=100"}, "capacity needs an objective"},
		{[]string{"slo.ttft_ms=100", "capacity.qps_min=5", "capacity.qps_max=5"}, "capacity.qps_max=5 must be a finite number above capacity.qps_min=5"},
		{[]string{"slo.ttft_ms=100", "capacity.qps_min=0"}, "capacity.qps_min=0 must be a positive number"},
		{[]string{"slo.ttft_ms=100", "capacity.tolerance=0"}, "capacity.tolerance=0 must be in (0, 1)"},
		{[]string{"slo.ttft_ms=100", "capacity.arrivals=gamma"}, `unknown capacity.arrivals "gamma" (valid: [poisson rescale])`},
		{[]string{"slo.ttft_ms=100", "sim.mode=sweep"}, `unknown sim.mode "sweep" (valid: run, capacity)`},
	} {
		args := append([]string{"sim.mode=capacity", "vidur.profiling.root=" + root, "workload.workload_dir=" + dir,
			"output_root=" + root, "run_id=bad"}, tc.args...)
		stdout, stderr, st := runTool(t, args...)
		if st != 2 || !strings.Contains(stderr, tc.want) || stdout != "" {
			t.Errorf("%v: status %d, stderr %q, want %q", tc.args, st, stderr, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "vidur_runs", "bad")); !os.IsNotExist(err) {
		t.Errorf("a usage error left a run directory: %v", err)
	}
}

// TestCapacityRescaleStatic: a workload whose requests all arrive at
// time 0 has no rate to rescale; the search fails and says what to use.
func TestCapacityRescaleStatic(t *testing.T) {
	root, trace := syntheticBundle(t)
	os.WriteFile(trace, []byte("arrived_at,num_prefill_tokens,num_decode_tokens\n0,100,5\n0,700,3\n"), 0o644)
	_, stderr, st := runTool(t, "sim.mode=capacity", "vidur.profiling.root="+root, "workload.trace_replay_file="+trace,
		"output_root="+root, "slo.ttft_ms=100", "capacity.arrivals=rescale")
	if st != 1 || !strings.Contains(stderr, "no rate to rescale") || !strings.Contains(stderr, "vidur-sim: hint: use capacity.arrivals=poisson") {
		t.Errorf("status %d: %s", st, stderr)
	}
}

func TestSig3(t *testing.T) {
	for v, want := range map[float64]string{6.002336: "6.00", 2.4349: "2.43", 0.05: "0.0500", 100: "100", 1234.5: "1234", 0: "0"} {
		if got := sig3(v); got != want {
			t.Errorf("sig3(%v) = %q, want %q", v, got, want)
		}
	}
}

// TestCapacityTakenRunID: a run_id already used fails before any probe
// runs, and the first directory is left as it was.
func TestCapacityTakenRunID(t *testing.T) {
	root, dir := capacityWorkload(t, 20)
	out, _, _ := runCapacityCLI(t, root, dir, "run_id=taken", "slo.ttft_ms=500", "capacity.qps_min=0.5", "capacity.qps_max=50")
	before, err := os.ReadFile(filepath.Join(out, CapacityFile))
	if err != nil {
		t.Fatal(err)
	}
	_, stderr, st := runTool(t, "sim.mode=capacity", "vidur.profiling.root="+root, "workload.workload_dir="+dir,
		"output_root="+root, "run_id=taken", "slo.ttft_ms=100")
	if st != 1 || !strings.Contains(stderr, "already exists") || strings.Contains(stderr, "probe ") {
		t.Errorf("status %d: %s", st, stderr)
	}
	if after, _ := os.ReadFile(filepath.Join(out, CapacityFile)); string(after) != string(before) {
		t.Error("the failed search changed the existing capacity.json")
	}
}
