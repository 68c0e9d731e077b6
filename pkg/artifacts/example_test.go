package artifacts_test

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// A run directory is written through a Dir (atomic) and a RunWriter
// (streaming); derived columns are computed by the package, not the tool.
func ExampleNewRunWriter() {
	root, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(root)

	d, err := artifacts.CreateDir(filepath.Join(root, "real_runs", "run-1"), false)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer d.Abort() // removes the half-written directory on any early return
	w, err := artifacts.NewRunWriter(d, true, false)
	if err != nil {
		fmt.Println(err)
		return
	}
	w.Request(&artifacts.RequestRecord{RequestID: 0, ArrivedAt: 0, ScheduledAt: 0, PrefillCompletedAt: 0.25,
		CompletedAt: 0.75, NumPrefillTokens: 16, NumDecodeTokens: 3, NumDecodeTokensActual: 3, Status: artifacts.StatusOK})
	w.Tokens(0, 0, []float64{0.25, 0.5, 0.75}, []int{1, 1, 1})
	if err := w.Close(&artifacts.RunMeta{RunID: "run-1", Kind: artifacts.KindReal, Backend: "native", Status: artifacts.RunComplete}); err != nil {
		fmt.Println(err)
		return
	}
	if err := d.Commit(); err != nil {
		fmt.Println(err)
		return
	}
	b, _ := os.ReadFile(filepath.Join(d.Final, artifacts.TokenMetricsFile))
	fmt.Print(string(b))
	// Output:
	// request_id,token_index,completed_at,latency,batch_size
	// 0,0,0.25,0.25,1
	// 0,1,0.5,0.25,1
	// 0,2,0.75,0.25,1
}

// Readers take any reader plus a path for messages, tolerate extra
// columns, and recompute derived metrics instead of trusting the file.
func ExampleReadRequestMetrics() {
	csv := `request_id,arrived_at,scheduled_at,prefill_completed_at,completed_at,num_prefill_tokens,num_decode_tokens,num_decode_tokens_actual,num_restarts,status,note
0,1,1.5,2,5,8,4,4,0,ok,hand-edited
`
	reqs, err := artifacts.ReadRequestMetrics("request_metrics.csv", strings.NewReader(csv))
	if err != nil {
		fmt.Println(err)
		return
	}
	m := reqs[0].Metrics()
	fmt.Printf("TTFT %g s, E2E %g s, TPOT %g s\n", m.TTFT, m.E2E, m.TPOT)
	// Output:
	// TTFT 1 s, E2E 4 s, TPOT 1 s
}

// Bad input is a *FileError naming the file, line and column.
func ExampleFileError() {
	csv := "arrived_at,num_prefill_tokens,num_decode_tokens\n0,16,4\n1,-16,4\n"
	_, err := artifacts.ReadTraceReplay("trace.csv", strings.NewReader(csv))
	fmt.Println(err)
	var fe *artifacts.FileError
	if errors.As(err, &fe) {
		fmt.Println(fe.Line, fe.Column, fe.Field)
	}
	// Output:
	// trace.csv:3:3: column "num_prefill_tokens": -16 is negative
	// 3 3 num_prefill_tokens
}

// TPOT needs two output tokens; below that it is NaN (an empty cell).
func ExampleRequestRecord_Metrics() {
	r := artifacts.RequestRecord{ArrivedAt: 0, ScheduledAt: 0.5, PrefillCompletedAt: 1, CompletedAt: 4,
		NumDecodeTokens: 4, NumDecodeTokensActual: 4, Status: artifacts.StatusOK}
	m := r.Metrics()
	fmt.Println("prefill_e2e_time", m.TTFT)
	fmt.Println("request_scheduling_delay", m.SchedulingDelay)
	fmt.Println("decode_time_execution_plus_preemption_normalized", m.DecodeNormalized)
	fmt.Println("tpot", m.TPOT)
	r.CompletedAt, r.NumDecodeTokensActual = 1, 1
	fmt.Println("tpot with one token:", math.IsNaN(r.Metrics().TPOT))
	// Output:
	// prefill_e2e_time 1
	// request_scheduling_delay 0.5
	// decode_time_execution_plus_preemption_normalized 0.75
	// tpot 1
	// tpot with one token: true
}

func ExampleTokenLatencies() {
	fmt.Println(artifacts.TokenLatencies(1, []float64{1.5, 1.75, 2.5}))
	// Output:
	// [0.5 0.25 0.75]
}

// The trace-replay CSV is the file Python Vidur's trace_replay generator
// reads; floats are written so they read back exactly.
func ExampleWriteTraceReplay() {
	reqs := []artifacts.Request{{RequestID: 0, ArrivedAt: 0, NumPrefillTokens: 16, NumDecodeTokens: 4},
		{RequestID: 1, ArrivedAt: 0.30000000000000004, NumPrefillTokens: 8, NumDecodeTokens: 2}}
	_ = artifacts.WriteTraceReplay(os.Stdout, reqs)
	// Output:
	// arrived_at,num_prefill_tokens,num_decode_tokens
	// 0,16,4
	// 0.30000000000000004,8,2
}

// Prompts are one compact JSON object per line.
func ExampleReadPrompts() {
	jsonl := `{"request_id":0,"prompt":"Hello world","prompt_token_ids":[9707,1879],"num_prefill_tokens":2,"num_decode_tokens":8}
{"request_id":1,"prompt":"Hi","prompt_token_ids":[13048],"num_prefill_tokens":2,"num_decode_tokens":8}
`
	_, err := artifacts.ReadPrompts("prompts.jsonl", strings.NewReader(jsonl))
	fmt.Println(err)
	// Output:
	// prompts.jsonl:2: field "prompt_token_ids": has 1 ids but num_prefill_tokens is 2
}

func ExampleWriteSummaryTable() {
	_ = artifacts.WriteSummaryTable(os.Stdout, []artifacts.SummaryRow{
		{Metric: "prefill_e2e_time", Statistic: "p50", Real: 0.2, Sim: 0.25, RelError: 0.25, NoiseFloor: math.NaN(), Tolerance: 0.1, Verdict: "fail"},
	})
	// Output:
	// metric,statistic,real,sim,rel_error,noise_floor,tolerance,verdict
	// prefill_e2e_time,p50,0.2,0.25,0.25,,0.1,fail
}

// An existing directory is kept unless overwrite is asked for; with it,
// the old directory is replaced only when the new one is complete.
func ExampleCreateDir() {
	root, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(root)
	final := filepath.Join(root, "wl")
	_ = os.Mkdir(final, 0o755)

	_, err := artifacts.CreateDir(final, false)
	fmt.Println(errors.Is(err, artifacts.ErrExists))
	d, _ := artifacts.CreateDir(final, true)
	_ = d.WriteFile("trace_replay.csv", func(w io.Writer) error { return artifacts.WriteTraceReplay(w, nil) })
	fmt.Println(d.Commit())
	// Output:
	// true
	// <nil>
}
