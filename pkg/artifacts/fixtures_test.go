package artifacts

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// The fixtures (testdata/README.md):
//
//	testdata/valid/<kind>/<case>.<ext>     must read; <case>.want is what the
//	                                       writer makes of it (-update rewrites)
//	testdata/invalid/<kind>/<case>.<ext>   must fail; <case>.err is the exact
//	                                       error text (written by hand)
//
// For the directory kinds (run, workload) a case is a directory of files
// laid over a copy of testdata/golden/<kind>, so a case holds only what it
// breaks. Paths in error texts are relative to the kind's directory.

// readers maps a fixture kind to a function that reads path and renders
// the result as the package's writers would write it.
var readers = map[string]func(t *testing.T, path string) ([]byte, error){
	"request_metrics": func(_ *testing.T, p string) ([]byte, error) {
		reqs, err := ReadFile(p, ReadRequestMetrics)
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		cw := NewCSVWriter(&b, RequestColumns...)
		for i := range reqs {
			cw.Write(requestFields(&reqs[i])...)
		}
		err = cw.Flush()
		return b.Bytes(), err
	},
	"token_metrics": func(_ *testing.T, p string) ([]byte, error) {
		rows, err := ReadFile(p, ReadTokenMetrics)
		if err != nil {
			return nil, err
		}
		return tokenCSV(rows), nil
	},
	"batch_metrics": func(_ *testing.T, p string) ([]byte, error) {
		rows, err := ReadFile(p, ReadBatchMetrics)
		if err != nil {
			return nil, err
		}
		return batchCSV(rows), nil
	},
	"trace_replay": func(_ *testing.T, p string) ([]byte, error) {
		reqs, err := ReadTraceReplayFile(p)
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		err = WriteTraceReplay(&b, reqs)
		return b.Bytes(), err
	},
	"prompts": func(_ *testing.T, p string) ([]byte, error) {
		ps, err := ReadFile(p, ReadPrompts)
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		err = WritePrompts(&b, ps)
		return b.Bytes(), err
	},
	"summary": func(_ *testing.T, p string) ([]byte, error) {
		rows, err := ReadFile(p, ReadSummaryTable)
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		err = WriteSummaryTable(&b, rows)
		return b.Bytes(), err
	},
	"mlp": func(_ *testing.T, p string) ([]byte, error) {
		tab, err := ReadFile(p, ReadMLP)
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		fmt.Fprintf(&b, "# ops %v, lines %v\n", tab.Ops, bundleLines(tab.Rows, func(r MLPRow) int { return r.Line }))
		err = WriteMLP(&b, tab.Rows)
		return b.Bytes(), err
	},
	"attention": func(_ *testing.T, p string) ([]byte, error) {
		tab, err := ReadFile(p, ReadAttention)
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		fmt.Fprintf(&b, "# ops %v, lines %v\n", tab.Ops, bundleLines(tab.Rows, func(r AttentionRow) int { return r.Line }))
		err = WriteAttention(&b, tab.Rows)
		return b.Bytes(), err
	},
	"cpu_overheads": func(_ *testing.T, p string) ([]byte, error) {
		tab, err := ReadFile(p, ReadCPUOverheads)
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		fmt.Fprintf(&b, "# ray_comm_time_mean %v, lines %v\n", tab.HasRayComm, bundleLines(tab.Rows, func(r CPUOverheadRow) int { return r.Line }))
		err = WriteCPUOverheads(&b, tab.Rows)
		return b.Bytes(), err
	},
	"vidur_request_metrics": func(_ *testing.T, p string) ([]byte, error) {
		rows, err := ReadFile(p, ReadVidurRequestMetrics)
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		for _, r := range rows {
			fmt.Fprintf(&b, "%+v\n", r)
		}
		return b.Bytes(), nil
	},
	"network": func(_ *testing.T, p string) ([]byte, error) {
		tab, err := ReadFile(p, func(p string, r io.Reader) (*NetworkTable, error) { return ReadNetwork(p, r, OpAllReduce) })
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		fmt.Fprintf(&b, "# lines %v\n", bundleLines(tab.Rows, func(r NetworkRow) int { return r.Line }))
		err = WriteNetwork(&b, OpAllReduce, tab.Rows)
		return b.Bytes(), err
	},
	"profile_meta": func(_ *testing.T, p string) ([]byte, error) {
		m, err := ReadProfileMeta(p)
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		err = WriteProfileMeta(&b, m)
		return b.Bytes(), err
	},
	"comparison_meta": func(_ *testing.T, p string) ([]byte, error) {
		m, err := ReadComparisonMeta(p)
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		err = WriteComparisonMeta(&b, m)
		return b.Bytes(), err
	},
	"run": func(t *testing.T, p string) ([]byte, error) {
		run, err := ReadRunDir(overlay(t, "run", p))
		if err != nil {
			return nil, err
		}
		return fmt.Appendf(nil, "%d requests, %d tokens, %d batches\n", len(run.Requests), len(run.Tokens), len(run.Batches)), nil
	},
	"workload": func(t *testing.T, p string) ([]byte, error) {
		w, err := ReadWorkloadDir(overlay(t, "workload", p))
		if err != nil {
			return nil, err
		}
		return fmt.Appendf(nil, "%d requests\n", len(w.Requests)), nil
	},
}

// overlay copies the golden directory of kind, then the case's files over
// it, into <tmp>/<case name> (so the error paths read "<case>/file").
func overlay(t *testing.T, kind, caseDir string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(caseDir))
	copyTree(t, goldenPath(kind), dst)
	ents, err := os.ReadDir(caseDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(caseDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

func tokenCSV(rows []TokenRow) []byte {
	var b bytes.Buffer
	cw := NewCSVWriter(&b, TokenColumns...)
	for _, r := range rows {
		bs := ""
		if r.BatchSize > 0 {
			bs = Int(r.BatchSize)
		}
		cw.Write(Int(r.RequestID), Int(r.TokenIndex), Float(r.CompletedAt), Float(r.Latency), bs)
	}
	_ = cw.Flush()
	return b.Bytes()
}

func batchCSV(rows []BatchRow) []byte {
	var b bytes.Buffer
	cw := NewCSVWriter(&b, BatchColumns...)
	for _, r := range rows {
		cw.Write(Int(r.BatchID), Float(r.ScheduledAt), Float(r.CompletedAt), Int(r.BatchSize), Int(r.NumPrefillTokens), Int(r.NumDecodeTokens))
	}
	_ = cw.Flush()
	return b.Bytes()
}

// bundleLines lists the file line of each row, so that a .want shows
// which lines the reader kept.
func bundleLines[R any](rows []R, line func(R) int) []int {
	out := make([]int, len(rows))
	for i, r := range rows {
		out[i] = line(r)
	}
	return out
}

// fixtureCases lists the cases of testdata/<set>/<kind>: files other than
// .want/.err, and directories.
func fixtureCases(t *testing.T, set, kind string) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join("testdata", set, kind))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if ext := filepath.Ext(e.Name()); ext == ".want" || ext == ".err" {
			continue
		}
		out = append(out, e.Name())
	}
	return out
}

func stem(name string) string { return strings.TrimSuffix(name, filepath.Ext(name)) }

func kinds() []string {
	out := make([]string, 0, len(readers))
	for k := range readers {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestValidFixtures: hand-edited files that readers must accept (extra and
// reordered columns, pandas' "12.0" integers, blank lines, CRLF, a BOM,
// rows out of id order), and what the writers make of them.
func TestValidFixtures(t *testing.T) {
	t.Parallel()
	for _, kind := range kinds() {
		dir := filepath.Join("testdata", "valid", kind)
		if _, err := os.Stat(dir); err != nil {
			continue
		}
		for _, name := range fixtureCases(t, "valid", kind) {
			t.Run(kind+"/"+name, func(t *testing.T) {
				got, err := readers[kind](t, filepath.Join(dir, name))
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				checkGolden(t, filepath.Join(dir, stem(name)+".want"), got)
			})
		}
	}
}

// TestInvalidFixtures: every malformed file fails with exactly the error
// text of its .err file: file, line and column, and what is wrong.
func TestInvalidFixtures(t *testing.T) {
	t.Parallel()
	seen := 0
	for _, kind := range kinds() {
		dir := filepath.Join("testdata", "invalid", kind)
		if _, err := os.Stat(dir); err != nil {
			continue
		}
		for _, name := range fixtureCases(t, "invalid", kind) {
			seen++
			t.Run(kind+"/"+name, func(t *testing.T) {
				want, err := os.ReadFile(filepath.Join(dir, stem(name)+".err"))
				if err != nil {
					t.Fatalf("every invalid fixture needs its .err file: %v", err)
				}
				_, err = readers[kind](t, filepath.Join(dir, name))
				if err == nil {
					t.Fatalf("accepted; want %s", want)
				}
				got := relativeError(err.Error(), dir, name)
				if got != strings.TrimSpace(string(want)) {
					t.Errorf("error text\n got: %s\nwant: %s", got, strings.TrimSpace(string(want)))
				}
			})
		}
	}
	if seen < 40 {
		t.Errorf("only %d invalid fixtures found", seen)
	}
}

// relativeError strips the directory part of the paths in msg, leaving
// "<case>.<ext>" or "<case>/<file>" as the .err files write them.
func relativeError(msg, dir, name string) string {
	msg = strings.ReplaceAll(msg, dir+string(filepath.Separator), "")
	// An overlay directory lives under a temporary parent: drop it.
	re := regexp.MustCompile(`[^\s]*` + regexp.QuoteMeta(string(filepath.Separator)+name) + `([/:])`)
	return re.ReplaceAllString(msg, name+"$1")
}
