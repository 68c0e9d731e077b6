package artifacts

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The fuzz targets hold two properties for every parser: it never panics
// on any input, and what it accepts, the matching writer writes back to
// the same value (write(read(x)) reads as read(x)). Seeds come from
// testdata: the golden files and every valid and invalid fixture.

// addSeeds adds every file matching the globs (relative to testdata).
func addSeeds(f *testing.F, globs ...string) {
	f.Helper()
	n := 0
	for _, g := range globs {
		paths, err := filepath.Glob(filepath.Join("testdata", g))
		if err != nil {
			f.Fatal(err)
		}
		for _, p := range paths {
			if strings.HasSuffix(p, ".err") || strings.HasSuffix(p, ".want") {
				continue
			}
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
			n++
		}
	}
	if n == 0 {
		f.Fatalf("no seeds match %v", globs)
	}
}

func FuzzReadRequestMetrics(f *testing.F) {
	addSeeds(f, "golden/run/request_metrics.csv", "valid/request_metrics/*", "invalid/request_metrics/*",
		"valid/run/*/request_metrics.csv", "invalid/run/*/request_metrics.csv")
	f.Fuzz(func(t *testing.T, data []byte) {
		reqs, err := ReadRequestMetrics("f.csv", bytes.NewReader(data))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		cw := NewCSVWriter(&buf, RequestColumns...)
		for i := range reqs {
			cw.Write(requestFields(&reqs[i])...)
		}
		if err := cw.Flush(); err != nil {
			t.Fatal(err)
		}
		again, err := ReadRequestMetrics("g.csv", bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("re-read of written rows: %v\n%s", err, buf.Bytes())
		}
		if len(again) != len(reqs) {
			t.Fatalf("%d rows became %d", len(reqs), len(again))
		}
		for i := range reqs {
			// Compare cell texts: NaN (unknown) != NaN as floats.
			if a, b := requestFields(&reqs[i]), requestFields(&again[i]); !reflect.DeepEqual(a, b) {
				t.Fatalf("row %d changed:\n%q\n%q", i, a, b)
			}
		}
	})
}

func FuzzReadTokenMetrics(f *testing.F) {
	addSeeds(f, "golden/run/token_metrics.csv", "valid/token_metrics/*", "invalid/token_metrics/*")
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := ReadTokenMetrics("f.csv", bytes.NewReader(data))
		if err != nil {
			return
		}
		// RunWriter derives latencies from arrivals, so rows are written
		// with the same cell formats it uses.
		out := tokenCSV(rows)
		again, err := ReadTokenMetrics("g.csv", bytes.NewReader(out))
		if err != nil {
			t.Fatalf("re-read: %v\n%s", err, out)
		}
		if !bytes.Equal(tokenCSV(again), out) {
			t.Fatalf("rows changed on the round trip:\n%s", out)
		}
	})
}

func FuzzReadBatchMetrics(f *testing.F) {
	addSeeds(f, "golden/run/batch_metrics.csv", "valid/batch_metrics/*", "invalid/batch_metrics/*")
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := ReadBatchMetrics("f.csv", bytes.NewReader(data))
		if err != nil {
			return
		}
		out := batchCSV(rows)
		again, err := ReadBatchMetrics("g.csv", bytes.NewReader(out))
		if err != nil {
			t.Fatalf("re-read: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(again, rows) && !(len(rows) == 0 && len(again) == 0) {
			t.Fatalf("rows changed: %+v vs %+v", rows, again)
		}
	})
}

func FuzzReadTraceReplay(f *testing.F) {
	addSeeds(f, "golden/workload/trace_replay.csv", "valid/trace_replay/*", "invalid/trace_replay/*")
	f.Fuzz(func(t *testing.T, data []byte) {
		reqs, err := ReadTraceReplay("f.csv", bytes.NewReader(data))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WriteTraceReplay(&buf, reqs); err != nil {
			t.Fatal(err)
		}
		again, err := ReadTraceReplay("g.csv", &buf)
		if err != nil {
			t.Fatalf("re-read: %v", err)
		}
		if !reflect.DeepEqual(again, reqs) && !(len(reqs) == 0 && len(again) == 0) {
			t.Fatalf("requests changed: %+v vs %+v", reqs, again)
		}
	})
}

func FuzzReadPrompts(f *testing.F) {
	addSeeds(f, "golden/workload/prompts.jsonl", "valid/prompts/*", "invalid/prompts/*", "invalid/workload/*/prompts.jsonl")
	f.Fuzz(func(t *testing.T, data []byte) {
		ps, err := ReadPrompts("f.jsonl", bytes.NewReader(data))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WritePrompts(&buf, ps); err != nil {
			t.Fatal(err)
		}
		again, err := ReadPrompts("g.jsonl", &buf)
		if err != nil {
			t.Fatalf("re-read: %v", err)
		}
		if len(again) != len(ps) {
			t.Fatalf("%d prompts became %d", len(ps), len(again))
		}
		for i := range ps {
			// An absent prompt_token_ids reads as nil and comes back as [].
			a, b := ps[i], again[i]
			if len(a.PromptTokenIDs) == 0 && len(b.PromptTokenIDs) == 0 {
				a.PromptTokenIDs, b.PromptTokenIDs = nil, nil
			}
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("prompt %d changed: %+v vs %+v", i, a, b)
			}
		}
	})
}

// The bundle readers: whatever reads must write and read back the same.
func FuzzReadMLP(f *testing.F) {
	addSeeds(f, "valid/mlp/*", "invalid/mlp/*")
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzBundle(t, data, ReadMLP, func(w io.Writer, t *MLPTable) error { return WriteMLP(w, t.Rows) },
			func(t *MLPTable) int { return len(t.Rows) })
	})
}

func FuzzReadAttention(f *testing.F) {
	addSeeds(f, "valid/attention/*", "invalid/attention/*")
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzBundle(t, data, ReadAttention, func(w io.Writer, t *AttentionTable) error { return WriteAttention(w, t.Rows) },
			func(t *AttentionTable) int { return len(t.Rows) })
	})
}

func FuzzReadCPUOverheads(f *testing.F) {
	addSeeds(f, "valid/cpu_overheads/*", "invalid/cpu_overheads/*")
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzBundle(t, data, ReadCPUOverheads, func(w io.Writer, t *CPUOverheadTable) error { return WriteCPUOverheads(w, t.Rows) },
			func(t *CPUOverheadTable) int { return len(t.Rows) })
	})
}

func FuzzReadNetwork(f *testing.F) {
	addSeeds(f, "valid/network/*", "invalid/network/*")
	read := func(p string, r io.Reader) (*NetworkTable, error) { return ReadNetwork(p, r, OpAllReduce) }
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzBundle(t, data, read, func(w io.Writer, t *NetworkTable) error { return WriteNetwork(w, OpAllReduce, t.Rows) },
			func(t *NetworkTable) int { return len(t.Rows) })
	})
}

// FuzzReadVidurRequestMetrics: what the reader accepts is consistent.
func FuzzReadVidurRequestMetrics(f *testing.F) {
	addSeeds(f, "valid/vidur_request_metrics/*", "invalid/vidur_request_metrics/*")
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := ReadVidurRequestMetrics("f.csv", bytes.NewReader(data))
		if err != nil {
			return
		}
		for i, r := range rows {
			if r.TTFT < 0 || r.E2E < r.TTFT || (i > 0 && rows[i-1].RequestID >= r.RequestID) {
				t.Fatalf("accepted row %+v", r)
			}
		}
	})
}

// fuzzBundle reads data; a file that reads must write, read back with the
// same row count, and write the same bytes again.
func fuzzBundle[T any](t *testing.T, data []byte, read func(string, io.Reader) (T, error), write func(io.Writer, T) error, rows func(T) int) {
	tab, err := read("f.csv", bytes.NewReader(data))
	if err != nil {
		return
	}
	var a, b bytes.Buffer
	if err := write(&a, tab); err != nil {
		t.Fatal(err)
	}
	back, err := read("f.csv", bytes.NewReader(a.Bytes()))
	if err != nil {
		t.Fatalf("written file does not read back: %v\n%s", err, a.Bytes())
	}
	if rows(back) != rows(tab) {
		t.Fatalf("%d rows read back, want %d", rows(back), rows(tab))
	}
	if err := write(&b, back); err != nil || !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatalf("second write differs (%v):\n%s\n%s", err, a.Bytes(), b.Bytes())
	}
}

func FuzzReadSummaryTable(f *testing.F) {
	addSeeds(f, "golden/summary.csv", "valid/summary/*", "invalid/summary/*")
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := ReadSummaryTable("f.csv", bytes.NewReader(data))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WriteSummaryTable(&buf, rows); err != nil {
			t.Fatal(err)
		}
		out := buf.Bytes()
		again, err := ReadSummaryTable("g.csv", bytes.NewReader(out))
		if err != nil {
			t.Fatalf("re-read: %v\n%s", err, out)
		}
		buf.Reset()
		if err := WriteSummaryTable(&buf, again); err != nil || !bytes.Equal(buf.Bytes(), out) {
			t.Fatalf("rows changed on the round trip:\n%s\nvs\n%s", out, buf.Bytes())
		}
	})
}

// fuzzMetaAt is the JSON-meta property: read from the file p; if
// accepted, write, read again and get the same value. write may fill
// defaults into the value it is given (tool_version), so it is compared
// after writing. p is a scratch file of the target's (fuzzScratch),
// overwritten by each execution: cheaper than a directory each run.
func fuzzMetaAt[T any](t *testing.T, p string, data []byte, read func(string) (*T, error), write func(*bytes.Buffer, *T) error) {
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := read(p)
	if err != nil {
		if !strings.Contains(err.Error(), p) {
			t.Fatalf("error does not name the file: %v", err)
		}
		return
	}
	var buf bytes.Buffer
	if err := write(&buf, m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	again, err := read(p)
	if err != nil {
		t.Fatalf("re-read: %v\n%s", err, buf.Bytes())
	}
	if !reflect.DeepEqual(again, m) {
		t.Fatalf("value changed:\n%+v\n%+v", m, again)
	}
}

func FuzzReadProfileMeta(f *testing.F) {
	addSeeds(f, "golden/profile_meta.json", "valid/profile_meta/*", "invalid/profile_meta/*")
	p := fuzzScratch(f, ProfileMetaFile)
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzMetaAt(t, p, data, ReadProfileMeta, func(b *bytes.Buffer, m *ProfileMeta) error { return WriteProfileMeta(b, m) })
	})
}

func FuzzReadComparisonMeta(f *testing.F) {
	addSeeds(f, "golden/comparison_meta.json", "valid/comparison_meta/*", "invalid/comparison_meta/*")
	p := fuzzScratch(f, ComparisonMetaFile)
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzMetaAt(t, p, data, ReadComparisonMeta, func(b *bytes.Buffer, m *ComparisonMeta) error { return WriteComparisonMeta(b, m) })
	})
}

// FuzzReadRunMeta reads run_meta.json beside the golden run's request
// metrics and writes accepted metadata back through RunWriter.Close.
func FuzzReadRunMeta(f *testing.F) {
	addSeeds(f, "golden/run/run_meta.json", "invalid/run/*/run_meta.json")
	// One run directory whose meta each execution rewrites, the golden run
	// read once, and one directory the writer replaces: directories made
	// afresh for every execution cost more than the reads (see fuzzScratch).
	dir := fuzzScratch(f, "run")
	if err := os.Mkdir(dir, 0o755); err != nil {
		f.Fatal(err)
	}
	golden, err := os.ReadFile(goldenPath("run/" + RequestMetricsFile))
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, RequestMetricsFile), golden, 0o644)
	}
	if err != nil {
		f.Fatal(err)
	}
	base, err := ReadRunDir(goldenPath("run"))
	if err != nil {
		f.Fatal(err)
	}
	again := fuzzScratch(f, "again")
	read := func(p string) (*RunMeta, error) {
		run, err := ReadRunDir(filepath.Dir(p))
		if err != nil {
			return nil, err
		}
		return &run.Meta, nil
	}
	write := func(b *bytes.Buffer, m *RunMeta) error {
		d, err := CreateDir(again, true)
		if err != nil {
			return err
		}
		defer d.Abort()
		run := *base
		run.Requests = slices.Clone(base.Requests)
		run.Meta = *m
		run.Tokens, run.Batches = nil, nil
		if err := rewriteRun(d, &run); err != nil {
			return err
		}
		*m = run.Meta // Close fills counts and defaults in
		out, err := os.ReadFile(d.Path(RunMetaFile))
		b.Write(out)
		return err
	}
	p := filepath.Join(dir, RunMetaFile)
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzMetaAt(t, p, data, read, write)
	})
}

// FuzzReadCapacity reads capacity.json from a run directory and writes
// accepted documents back through WriteCapacity.
func FuzzReadCapacity(f *testing.F) {
	addSeeds(f, "golden/capacity.json", "valid/capacity/*/capacity.json", "invalid/capacity/*/capacity.json")
	p := fuzzScratch(f, CapacityFile)
	read := func(path string) (*Capacity, error) { return ReadCapacity(filepath.Dir(path)) }
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzMetaAt(t, p, data, read, func(b *bytes.Buffer, c *Capacity) error { return WriteCapacity(b, c) })
	})
}

// FuzzReadWorkloadMeta reads workload_meta.json inside a copy of the
// golden workload and writes accepted metadata back through WriteWorkload.
func FuzzReadWorkloadMeta(f *testing.F) {
	addSeeds(f, "golden/workload/workload_meta.json", "invalid/workload/*/workload_meta.json")
	// One copy of the golden workload whose meta each execution rewrites,
	// and one directory the writer replaces: directories made afresh for
	// every execution cost more than the reads (see fuzzScratch).
	wl := fuzzScratch(f, "workload")
	if err := os.CopyFS(wl, os.DirFS(goldenPath("workload"))); err != nil {
		f.Fatal(err)
	}
	again := fuzzScratch(f, "again")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(filepath.Join(wl, WorkloadMetaFile), data, 0o644); err != nil {
			t.Fatal(err)
		}
		w, err := ReadWorkloadDir(wl)
		if err != nil {
			return
		}
		d, err := CreateDir(again, true)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Abort()
		if err := WriteWorkload(d, w); err != nil {
			t.Fatal(err)
		}
		if err := d.Commit(); err != nil {
			t.Fatal(err)
		}
		w2, err := ReadWorkloadDir(again)
		if err != nil {
			t.Fatalf("re-read: %v", err)
		}
		if !reflect.DeepEqual(w2.Meta, w.Meta) {
			t.Fatalf("meta changed:\n%+v\n%+v", w.Meta, w2.Meta)
		}
	})
}

// fuzzScratch is the path of a file name in a directory made once for
// the fuzz target, for the readers that take a path: each execution
// overwrites it. A temporary directory per execution (t.TempDir) made the
// targets that used one a hundred times slower than those that read from
// memory, and minimizing a new input, thousands of executions, took the
// whole run.
func fuzzScratch(f *testing.F, name string) string { return filepath.Join(f.TempDir(), name) }

// writeScratch writes data to the scratch file p and returns p.
func writeScratch(t *testing.T, p string, data []byte) string {
	t.Helper()
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// tempFile writes data to a new temporary directory's file name.
func tempFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// badCase is a file body a reader must refuse, and a text its error holds.
type badCase struct{ body, want string }

// checkRefused writes head+body of every case to bad.csv and wants read
// to fail naming the want text.
func checkRefused(t *testing.T, head string, cases []badCase, read func(path string) error) {
	t.Helper()
	for _, tc := range cases {
		err := read(tempFile(t, "bad.csv", []byte(head+tc.body)))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.body, err, tc.want)
		}
	}
}

func FuzzReadIdleWakeup(f *testing.F) {
	f.Add([]byte("idle_s,step_ms,penalty_ms_median,penalty_ms_mean,penalty_ms_std,samples\n0.5,45,30,31,4,3\n6,180,-2,1,3,3\n"))
	f.Add([]byte("idle_s,step_ms,penalty_ms_median,penalty_ms_mean,penalty_ms_std,samples\n4,45,30,31,4,3\n4,45,1,1,1,3\n"))
	p := fuzzScratch(f, "f.csv")
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := ReadIdleWakeup(writeScratch(t, p, data))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WriteIdleWakeup(&buf, rows); err != nil {
			t.Fatal(err)
		}
		again, err := ReadIdleWakeup(writeScratch(t, p, buf.Bytes()))
		if err != nil {
			t.Fatalf("re-read of written rows: %v\n%s", err, buf.Bytes())
		}
		var buf2 bytes.Buffer
		if err := WriteIdleWakeup(&buf2, again); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), buf2.Bytes()) {
			t.Fatalf("rows changed on a round trip:\n%s\n%s", buf.Bytes(), buf2.Bytes())
		}
	})
}

func FuzzReadStepJitter(f *testing.F) {
	f.Add([]byte("quantile,ratio,step_ms\n0,0.9,45\n0.5,1,50\n1,1.6,80\n"))
	f.Add([]byte("quantile,ratio,step_ms\n0,1.1,45\n1,1,50\n"))
	p := fuzzScratch(f, "f.csv")
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := ReadStepJitter(writeScratch(t, p, data))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WriteStepJitter(&buf, rows); err != nil {
			t.Fatal(err)
		}
		again, err := ReadStepJitter(writeScratch(t, p, buf.Bytes()))
		if err != nil {
			t.Fatalf("re-read of written rows: %v\n%s", err, buf.Bytes())
		}
		if !reflect.DeepEqual(rows, again) {
			t.Fatalf("rows changed on a round trip: %+v, %+v", rows, again)
		}
	})
}
