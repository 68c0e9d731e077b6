package openai

import (
	"context"
	"fmt"
	"math"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/real-bench/internal/fakeserver"
	"github.com/simcheck/simcheck/real-bench/internal/record"
)

// tol is how far a recorded time may be from the test server's nominal
// schedule. The server sleeps (Go timers overshoot by up to ~1-2 ms when
// idle) and both sides share a 2-core machine with other builds running;
// measured deviations stay under 5 ms there (docs/backends.md), so 15 ms
// leaves room for a loaded machine without hiding a wrong attribution
// (one step is 20 ms).
const tol = 0.015

// workload: n requests, arrivals gap s apart, 3 prompt tokens; prompts
// start with the request id so the fake server can tell them apart.
func workload(n, decode int, gap float64) *artifacts.Workload {
	w := &artifacts.Workload{}
	for i := 0; i < n; i++ {
		w.Requests = append(w.Requests, artifacts.Request{RequestID: i, ArrivedAt: float64(i) * gap, NumPrefillTokens: 3, NumDecodeTokens: decode})
		w.Prompts = append(w.Prompts, artifacts.Prompt{RequestID: i, Prompt: fmt.Sprintf("r%d one two", i), PromptTokenIDs: []int{i, 2, 3},
			NumPrefillTokens: 3, NumDecodeTokens: decode})
	}
	return w
}

type replayed struct {
	c   *Client
	run *artifacts.Run
	srv *fakeserver.Server
	clk *record.Clock
}

func replay(t *testing.T, b fakeserver.Behavior, w *artifacts.Workload, o Options) replayed {
	t.Helper()
	srv := fakeserver.New(b)
	defer srv.Close()
	var clk record.Clock
	srv.Clock = clk.Now
	if o.URL == "" {
		o.URL = srv.URL
	}
	o.Model, o.TimeScale, o.IgnoreEOS = "m", 1, true
	if o.Profile == "" {
		o.Profile = b.Profile
	}
	if o.Timeout == 0 {
		o.Timeout = 5 * time.Second
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	rec := record.New(w.Requests, 1)
	clk.Start()
	if err := c.Replay(context.Background(), w, clk.Now, rec); err != nil {
		t.Fatal(err)
	}
	return replayed{c: c, run: writeAndRead(t, rec), srv: srv, clk: &clk}
}

func writeAndRead(t *testing.T, rec *record.Recorder) *artifacts.Run {
	t.Helper()
	d, err := artifacts.CreateDir(t.TempDir()+"/run", false)
	if err != nil {
		t.Fatal(err)
	}
	rw, _ := artifacts.NewRunWriter(d, true, false)
	rec.Write(rw)
	if err := rw.Close(&artifacts.RunMeta{RunID: "r", Kind: artifacts.KindReal, Status: artifacts.RunComplete}); err != nil {
		t.Fatal(err)
	}
	if err := d.Commit(); err != nil {
		t.Fatal(err)
	}
	run, err := artifacts.ReadRunDir(d.Final)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// stampLag is the largest gap between the server writing a token's chunk
// and the client's stamp of that token (both on one clock): the client's
// own timing error, free of the server's sleep overshoot.
func stampLag(t *testing.T, r replayed) float64 {
	worst := 0.0
	for _, st := range r.c.Stats {
		fl := r.srv.Flushed(st.RequestID)
		for k, c := range st.tokenChunks {
			tok := tokenTime(r.run, st.RequestID, k)
			lag := tok - fl[c]
			if lag < 0 {
				t.Errorf("request %d token %d stamped %.6f before the server flushed it at %.6f", st.RequestID, k, tok, fl[c])
			}
			worst = math.Max(worst, lag)
		}
	}
	return worst
}

func tokenTime(run *artifacts.Run, id, k int) float64 {
	for _, tok := range run.Tokens {
		if tok.RequestID == id && tok.TokenIndex == k {
			return tok.CompletedAt
		}
	}
	return math.NaN()
}

// Sarathi-Serve: 2 empty prefill chunks, then one token per step, 20 ms
// apart. TTFT must count the prefill steps (the first token is the third
// chunk, not the first), and every token must be stamped when the server
// flushed its chunk. The stamps are checked against the server's own flush
// times, not the nominal 20 ms schedule: on a loaded machine the fake
// server itself runs late, and that is not the client's error.
func TestSarathiStreamTiming(t *testing.T) {
	const step = 0.020
	r := replay(t, fakeserver.Behavior{Profile: "sarathi", PrefillSteps: 2, Step: 20 * time.Millisecond}, workload(3, 5, 0.05), Options{})
	worst := 0.0
	for _, q := range r.run.Requests {
		m := q.Metrics()
		if q.Status != artifacts.StatusOK || q.NumDecodeTokensActual != 5 {
			t.Fatalf("request %d: %+v", q.RequestID, q)
		}
		worst = math.Max(worst, math.Abs(m.TTFT-3*step))
		// Three server steps at least, whatever the load.
		if m.TTFT < 3*step-tol {
			t.Errorf("request %d TTFT %.4f s, shorter than the 3 steps %.3f s it takes", q.RequestID, m.TTFT, 3*step)
		}
	}
	for _, tok := range r.run.Tokens {
		if tok.TokenIndex > 0 {
			worst = math.Max(worst, math.Abs(tok.Latency-step))
		}
	}
	for _, s := range r.c.Stats {
		// The fake Sarathi counts a BOS: 4 prompt tokens for 3, not a mismatch.
		if s.TokenTiming != TimingOnePerStep || s.NumPrefillChunks != 2 || s.PromptMismatch || s.UsagePrompt != 4 || s.Error != "" {
			t.Errorf("stats %+v", s)
		}
		for k, c := range s.tokenChunks {
			if c != k+2 {
				t.Errorf("request %d: token %d from chunk %d, want %d (after the 2 prefill chunks)", s.RequestID, k, c, k+2)
			}
		}
	}
	lag := stampLag(t, r)
	if lag > tol {
		t.Errorf("a token was stamped %.2f ms after the server flushed it (limit %.0f ms)", lag*1e3, tol*1e3)
	}
	t.Logf("largest deviation from the nominal schedule: %.2f ms; largest stamp lag behind the server's flush: %.3f ms",
		worst*1e3, lag*1e3)
}

// vLLM: continuous usage, two tokens merged per chunk: the merged tokens
// share the chunk's time (a 0 s gap), counts exact, every stamp at its
// chunk's flush (against the server's own times, as above).
func TestVLLMMergedChunks(t *testing.T) {
	r := replay(t, fakeserver.Behavior{Profile: "vllm", Step: 10 * time.Millisecond, PerChunk: 2}, workload(2, 6, 0.02), Options{})
	worst := 0.0
	for _, q := range r.run.Requests {
		if q.NumDecodeTokensActual != 6 {
			t.Fatalf("request %d got %d tokens", q.RequestID, q.NumDecodeTokensActual)
		}
		m := q.Metrics()
		worst = math.Max(worst, math.Abs(m.TTFT-0.010))
		if m.TTFT < 0.010-tol {
			t.Errorf("TTFT %.4f, shorter than the 0.010 s step", m.TTFT)
		}
	}
	zero := 0
	for _, tok := range r.run.Tokens {
		if tok.TokenIndex%2 == 1 && tok.Latency == 0 {
			zero++
		}
		if tok.TokenIndex%2 == 0 && tok.TokenIndex > 0 {
			worst = math.Max(worst, math.Abs(tok.Latency-0.010))
			if tok.Latency <= 0 {
				t.Errorf("token %d/%d gap %.4f: a new chunk's token must come later", tok.RequestID, tok.TokenIndex, tok.Latency)
			}
		}
	}
	if zero != 6 { // tokens 1, 3, 5 of each request share their chunk's time
		t.Errorf("%d zero gaps, want 6", zero)
	}
	for _, s := range r.c.Stats {
		if s.TokenTiming != TimingExact || s.UsagePrompt != 3 || s.MaxTokensPerChunk != 2 || s.PromptMismatch {
			t.Errorf("stats %+v", s)
		}
	}
	var b strings.Builder
	if err := WriteTokens(&b, r.c.Stats); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "0,1,0,2,exact\n") || strings.Count(b.String(), "\n") != 13 {
		t.Errorf("client_tokens.csv:\n%s", b.String())
	}
	lag := stampLag(t, r)
	if lag > tol {
		t.Errorf("a token was stamped %.2f ms after the server flushed it (limit %.0f ms)", lag*1e3, tol*1e3)
	}
	t.Logf("largest deviation from the nominal schedule: %.2f ms; largest stamp lag behind the server's flush: %.3f ms",
		worst*1e3, lag*1e3)
}

// A server whose usage disagrees with the workload is a warning, not a
// failure.
func TestPromptMismatchIsFlagged(t *testing.T) {
	w := workload(1, 2, 0)
	w.Requests[0].NumPrefillTokens = 7
	r := replay(t, fakeserver.Behavior{Profile: "vllm"}, w, Options{})
	if s := r.c.Stats[0]; !s.PromptMismatch || s.Error != "" || Summarize(r.c.Stats).PromptMismatches != 1 {
		t.Errorf("stats %+v", s)
	}
}

// Every failure is recorded with its reason while the other requests of
// the same run complete.
func TestFailuresAreRecordedAndRunGoesOn(t *testing.T) {
	bad := map[int]bool{1: true}
	cases := []struct {
		name string
		b    fakeserver.Behavior
		o    Options
		want string
	}{
		{"http error", fakeserver.Behavior{Status: 500}, Options{}, "http 500"},
		{"stream cut", fakeserver.Behavior{CutAfter: 2}, Options{}, "stream ended before [DONE] after 2 chunks"},
		{"error in stream", fakeserver.Behavior{MidError: true}, Options{}, "server error in stream: engine step failed"},
		{"stalled server", fakeserver.Behavior{Stall: true}, Options{Timeout: 300 * time.Millisecond}, "timeout after 0.3s (server.timeout), 1 chunks received"},
		{"too many requests", fakeserver.Behavior{Status: 429}, Options{}, "http 429"},
		{"malformed chunk", fakeserver.Behavior{Malformed: true}, Options{}, "malformed chunk"},
		{"rejected payload", fakeserver.Behavior{Profile: "sarathi"}, Options{Profile: ProfileVLLM}, "http 400"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.b.Profile == "" {
				tc.b.Profile = ProfileGeneric
			}
			tc.b.Only = bad
			if tc.name == "rejected payload" {
				tc.b.Only = nil
			}
			r := replay(t, tc.b, workload(3, 3, 0.01), tc.o)
			for _, q := range r.run.Requests {
				failing := tc.b.Only == nil || bad[q.RequestID]
				if failing && (q.Status != artifacts.StatusFailed || !strings.Contains(q.FailureReason, tc.want)) {
					t.Errorf("request %d: status %s reason %q, want failed with %q", q.RequestID, q.Status, q.FailureReason, tc.want)
				}
				if !failing && q.Status != artifacts.StatusOK {
					t.Errorf("request %d failed too: %q", q.RequestID, q.FailureReason)
				}
				if s := r.c.Stats[q.RequestID]; failing != (s.Error != "") || s.RequestID != q.RequestID {
					t.Errorf("stats %+v", s)
				}
			}
		})
	}
	t.Run("connection refused", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		r := replay(t, fakeserver.Behavior{Profile: ProfileGeneric}, workload(2, 2, 0), Options{URL: "http://" + addr})
		for _, q := range r.run.Requests {
			if q.Status != artifacts.StatusFailed || !strings.Contains(q.FailureReason, "connection failed") {
				t.Errorf("refused: %+v", q)
			}
		}
		if s := Summarize(r.c.Stats); s.Failed != 2 || s.Sent != 2 {
			t.Errorf("summary %+v", s)
		}
	})
}

// Ctrl-C: nothing more is sent, the requests in flight end as
// interrupted, what completed stays.
func TestInterruptStopsAdmitting(t *testing.T) {
	srv := fakeserver.New(fakeserver.Behavior{Profile: ProfileGeneric, Step: 30 * time.Millisecond})
	defer srv.Close()
	w := workload(4, 2, 0.1) // request 0 takes 60 ms; 1 is in flight at 150 ms; 2 and 3 are never sent
	rec := record.New(w.Requests, 1)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(150*time.Millisecond, cancel)
	c, _ := New(Options{URL: srv.URL, Model: "m", Profile: ProfileGeneric, TimeScale: 1, Timeout: time.Second})
	var clk record.Clock
	clk.Start()
	if err := c.Replay(ctx, w, clk.Now, rec); err != nil {
		t.Fatal(err)
	}
	if n := rec.Finish("interrupted before completion"); n != 2 {
		t.Errorf("%d requests left unfinished, want 2", n)
	}
	run := writeAndRead(t, rec)
	want := []string{"", "interrupted", "interrupted before completion", "interrupted before completion"}
	for i, q := range run.Requests {
		if !strings.HasPrefix(q.FailureReason, want[i]) || (want[i] == "") != (q.FailureReason == "") {
			t.Errorf("request %d: %s %q, want %q", i, q.Status, q.FailureReason, want[i])
		}
	}
	if got := len(srv.Bodies()); got != 2 {
		t.Errorf("server got %d requests, want 2", got)
	}
}

func TestMaxConcurrencyQueues(t *testing.T) {
	r := replay(t, fakeserver.Behavior{Profile: ProfileGeneric, Step: 20 * time.Millisecond}, workload(3, 2, 0), Options{MaxConcurrency: 1})
	s := Summarize(r.c.Stats)
	// Three requests at t=0, one slot, 40 ms each: the last waits at
	// least 80 ms (more when a loaded machine slows the fake server), and
	// far less than a second.
	if s.Failed != 0 || s.ClientQueueTimeMax < 0.080-tol || s.ClientQueueTimeMax > 0.5 {
		t.Errorf("summary %+v", s)
	}
}

func TestWarmupFailsFastOnADeadServer(t *testing.T) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	c, _ := New(Options{URL: "http://" + addr, Model: "m", Profile: ProfileVLLM, Timeout: time.Second})
	err := c.Warmup(context.Background(), workload(1, 2, 0), 1, 2)
	if err == nil || !strings.Contains(err.Error(), "warm-up request 0 to http://"+addr+" failed: connection failed") {
		t.Errorf("err = %v", err)
	}
}

func TestListModels(t *testing.T) {
	srv := fakeserver.New(fakeserver.Behavior{Models: []string{"a", "meta-llama/Llama-2-7b-hf"}})
	defer srv.Close()
	card, served, err := ListModels(context.Background(), srv.URL, "meta-llama/Llama-2-7b-hf")
	if err != nil || card["max_model_len"] != 4096.0 || len(served) != 2 {
		t.Errorf("card %v served %v err %v", card, served, err)
	}
	if card, _, _ := ListModels(context.Background(), srv.URL, "b"); card != nil {
		t.Errorf("card for an unserved model: %v", card)
	}
	none := fakeserver.New(fakeserver.Behavior{})
	defer none.Close()
	if _, _, err := ListModels(context.Background(), none.URL, "a"); err == nil || !strings.Contains(err.Error(), "http 404") {
		t.Errorf("err = %v", err)
	}
}

func TestPayloadProfiles(t *testing.T) {
	p := &artifacts.Prompt{Prompt: "hi there", PromptTokenIDs: []int{1, 2}, NumPrefillTokens: 2, NumDecodeTokens: 4}
	for profile, want := range map[string]string{
		ProfileSarathi: `{"ignore_eos":true,"max_tokens":4,"model":"m","prompt":"hi there","stream":true,"stream_options":{"include_usage":true},"temperature":0}`,
		ProfileVLLM:    `{"ignore_eos":true,"max_tokens":4,"model":"m","prompt":[1,2],"stream":true,"stream_options":{"continuous_usage_stats":true,"include_usage":true},"temperature":0}`,
		ProfileGeneric: `{"max_tokens":4,"model":"m","prompt":"hi there","stream":true,"stream_options":{"include_usage":true},"temperature":0}`,
	} {
		b, err := Payload(p, Options{Model: "m", Profile: profile, IgnoreEOS: true})
		if err != nil || string(b) != want {
			t.Errorf("%s payload\n got %s\nwant %s", profile, b, want)
		}
	}
}
