package openai

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/real-bench/internal/record"
)

// Timing tolerance: the test server sleeps and the client stamps on a
// shared 2-core machine; scheduling noise there stays well under 15 ms.
const tol = 0.015

type fakeServer struct {
	profile      string
	prefillSteps int           // Sarathi: empty chunks before the first token
	step         time.Duration // delay before each chunk
	perChunk     int           // vLLM: tokens merged per chunk
	status       int           // non-200: fail
	cutAfter     int           // close the stream after this many chunks (0: never)
	stall        bool          // stop sending after the first chunk
}

func (f *fakeServer) handler(t *testing.T) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			t.Errorf("bad body: %v", err)
		}
		if f.status != 0 {
			http.Error(w, `{"error":"boom"}`, f.status)
			return
		}
		n := int(body["max_tokens"].(float64))
		w.Header().Set("Content-Type", "text/event-stream")
		fl := w.(http.Flusher)
		send := func(s string) { fmt.Fprintf(w, "data: %s\n\n", s); fl.Flush() }
		chunks := 0
		emit := func(s string) bool {
			time.Sleep(f.step)
			send(s)
			chunks++
			if f.stall && chunks == 1 {
				<-r.Context().Done()
				return false
			}
			return !(f.cutAfter > 0 && chunks >= f.cutAfter)
		}
		prompt := 0
		switch p := body["prompt"].(type) {
		case string:
			prompt = len(strings.Fields(p)) + 1 // + BOS, as Sarathi adds
		case []any:
			prompt = len(p)
		}
		fmt.Fprint(w, ": keep-alive\n\n")
		for i := 0; i < f.prefillSteps; i++ {
			if !emit(`{"id":"x","choices":[{"index":0,"text":"","finish_reason":null}]}`) {
				return
			}
		}
		per := max(f.perChunk, 1)
		for done := 0; done < n; {
			k := min(per, n-done)
			done += k
			fin := "null"
			if done == n {
				fin = `"length"`
			}
			s := fmt.Sprintf(`{"choices":[{"index":0,"text":"%s","finish_reason":%s}]`, strings.Repeat("a", k), fin)
			if f.profile == "vllm" {
				s += fmt.Sprintf(`,"usage":{"prompt_tokens":%d,"completion_tokens":%d}`, prompt, done)
			}
			if !emit(s + "}") {
				return
			}
		}
		send(fmt.Sprintf(`{"choices":[],"usage":{"prompt_tokens":%d,"completion_tokens":%d}}`, prompt, n))
		send("[DONE]")
	}
}

func workload(n, decode int, gap float64) *artifacts.Workload {
	w := &artifacts.Workload{}
	for i := 0; i < n; i++ {
		w.Requests = append(w.Requests, artifacts.Request{RequestID: i, ArrivedAt: float64(i) * gap, NumPrefillTokens: 3, NumDecodeTokens: decode})
		w.Prompts = append(w.Prompts, artifacts.Prompt{RequestID: i, Prompt: "one two three", PromptTokenIDs: []int{1, 2, 3}, NumPrefillTokens: 3, NumDecodeTokens: decode})
	}
	return w
}

func replay(t *testing.T, f *fakeServer, w *artifacts.Workload, o Options) (*Result, *artifacts.Run) {
	t.Helper()
	srv := httptest.NewServer(f.handler(t))
	defer srv.Close()
	if o.URL == "" {
		o.URL = srv.URL
	}
	o.Model, o.Profile, o.TimeScale, o.IgnoreEOS = "m", f.profile, 1, true
	if o.Timeout == 0 {
		o.Timeout = 5 * time.Second
	}
	rec := record.New(w.Requests, 1)
	res, err := Run(context.Background(), w, rec, o)
	if err != nil {
		t.Fatal(err)
	}
	return res, writeAndRead(t, rec)
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

// Sarathi: 2 empty prefill chunks then one token per step, 20 ms apart.
// TTFT must count the prefill chunks (3 steps = 60 ms), not stop at the
// first chunk, and every gap must be one step.
func TestSarathiStreamTiming(t *testing.T) {
	f := &fakeServer{profile: "sarathi", prefillSteps: 2, step: 20 * time.Millisecond}
	res, run := replay(t, f, workload(3, 5, 0.05), Options{})
	worst := 0.0
	defer func() { t.Logf("largest deviation from the server's schedule: %.2f ms", worst*1e3) }()
	for _, r := range run.Requests {
		m := r.Metrics()
		worst = math.Max(worst, math.Max(math.Abs(m.TTFT-0.060), math.Abs(m.TPOT-0.020)))
		if r.Status != artifacts.StatusOK || r.NumDecodeTokensActual != 5 {
			t.Fatalf("request %d: %+v", r.RequestID, r)
		}
		if math.Abs(m.TTFT-0.060) > tol {
			t.Errorf("request %d TTFT %.4f s, want 0.060", r.RequestID, m.TTFT)
		}
		if math.Abs(m.TPOT-0.020) > tol {
			t.Errorf("request %d TPOT %.4f s, want 0.020", r.RequestID, m.TPOT)
		}
	}
	for _, tok := range run.Tokens {
		if tok.TokenIndex > 0 {
			worst = math.Max(worst, math.Abs(tok.Latency-0.020))
		}
		if tok.TokenIndex > 0 && math.Abs(tok.Latency-0.020) > tol {
			t.Errorf("token %d/%d gap %.4f, want 0.020", tok.RequestID, tok.TokenIndex, tok.Latency)
		}
	}
	for _, s := range res.Stats {
		if s.TokenTiming != TimingOnePerStep || s.NumPrefillChunks != 2 || s.PromptMismatch {
			t.Errorf("stats %+v", s)
		}
	}
}

// vLLM: continuous usage, two tokens merged per chunk: the merged tokens
// share the chunk's time (gap 0), counts exact.
func TestVLLMMergedChunks(t *testing.T) {
	f := &fakeServer{profile: "vllm", step: 10 * time.Millisecond, perChunk: 2}
	res, run := replay(t, f, workload(2, 6, 0.02), Options{})
	for _, r := range run.Requests {
		if r.NumDecodeTokensActual != 6 {
			t.Fatalf("request %d got %d tokens", r.RequestID, r.NumDecodeTokensActual)
		}
		if m := r.Metrics(); math.Abs(m.TTFT-0.010) > tol {
			t.Errorf("TTFT %.4f want 0.010", m.TTFT)
		}
	}
	zero := 0
	for _, tok := range run.Tokens {
		if tok.TokenIndex > 0 && tok.Latency == 0 {
			zero++
		}
	}
	if zero != 6 { // tokens 1, 3, 5 of each request share their chunk's time
		t.Errorf("%d zero gaps, want 6", zero)
	}
	if res.Stats[0].TokenTiming != TimingExact || res.Stats[0].UsagePrompt != 3 {
		t.Errorf("stats %+v", res.Stats[0])
	}
}

func TestFailuresAreRecordedAndRunGoesOn(t *testing.T) {
	cases := []struct {
		name string
		f    *fakeServer
		o    Options
		want string
	}{
		{"http error", &fakeServer{profile: "generic", status: 500}, Options{}, "http 500"},
		{"cut stream", &fakeServer{profile: "generic", cutAfter: 2}, Options{}, "stream ended before [DONE]"},
		{"stalled server", &fakeServer{profile: "generic", stall: true}, Options{Timeout: 200 * time.Millisecond}, "timeout"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, run := replay(t, tc.f, workload(2, 3, 0), tc.o)
			for _, r := range run.Requests {
				if r.Status != artifacts.StatusFailed || !strings.Contains(r.FailureReason, tc.want) {
					t.Errorf("request %d: status %s reason %q, want failed with %q", r.RequestID, r.Status, r.FailureReason, tc.want)
				}
			}
		})
	}
	// Connection refused: a port with no listener.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	_, run := replay(t, &fakeServer{profile: "generic"}, workload(1, 2, 0), Options{URL: "http://" + addr})
	if r := run.Requests[0]; r.Status != artifacts.StatusFailed || !strings.Contains(r.FailureReason, "connection") {
		t.Errorf("refused: %+v", r)
	}
}

func TestInterruptStopsAdmitting(t *testing.T) {
	srv := httptest.NewServer((&fakeServer{profile: "generic", step: time.Millisecond}).handler(t))
	defer srv.Close()
	w := workload(4, 2, 0.3)
	rec := record.New(w.Requests, 1)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	res, err := Run(ctx, w, rec, Options{URL: srv.URL, Model: "m", Profile: "generic", TimeScale: 1, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted {
		t.Fatal("not marked interrupted")
	}
	rec.Finish("interrupted")
	run := writeAndRead(t, rec)
	if run.Requests[0].Status != artifacts.StatusOK || run.Requests[3].Status != artifacts.StatusFailed {
		t.Errorf("first should complete, last never sent: %+v", run.Requests)
	}
}

func TestPayloadProfiles(t *testing.T) {
	p := &artifacts.Prompt{Prompt: "hi there", PromptTokenIDs: []int{1, 2}, NumPrefillTokens: 2, NumDecodeTokens: 4}
	for profile, want := range map[string][]string{
		"sarathi": {`"prompt":"hi there"`, `"ignore_eos":true`, `"stream_options":{"include_usage":true}`},
		"vllm":    {`"prompt":[1,2]`, `"continuous_usage_stats":true`},
		"generic": {`"prompt":"hi there"`},
	} {
		b, _ := payload(p, Options{Model: "m", Profile: profile, IgnoreEOS: true})
		for _, w := range want {
			if !strings.Contains(string(b), w) {
				t.Errorf("%s payload %s lacks %s", profile, b, w)
			}
		}
		if profile == "generic" && strings.Contains(string(b), "ignore_eos") {
			t.Errorf("generic payload sends ignore_eos: %s", b)
		}
	}
}

func FuzzReadStream(f *testing.F) {
	f.Add("data: {\"choices\":[{\"text\":\"a\"}]}\n\ndata: [DONE]\n\n")
	f.Add(": ping\nevent: x\ndata:{\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}\r\n\r\ndata: [DONE]")
	f.Fuzz(func(t *testing.T, s string) {
		evs, err := readStream(strings.NewReader(s), func() float64 { return 0 })
		if err == nil {
			_, _ = attribute(evs, "sarathi", 3)
			_, _ = attribute(evs, "generic", 3)
		}
	})
}

// BenchmarkClientOverhead drives an instant local server: the requests
// per second the client sustains is its own overhead's bound.
func BenchmarkClientOverhead(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: {\"choices\":[{\"text\":\"a\",\"finish_reason\":\"length\"}]}\n\ndata: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}\n\ndata: [DONE]\n\n")
	}))
	defer srv.Close()
	w := workload(b.N, 1, 0)
	rec := record.New(w.Requests, 1)
	b.ResetTimer()
	res, err := Run(context.Background(), w, rec, Options{URL: srv.URL, Model: "m", Profile: "generic", TimeScale: 1, Timeout: 10 * time.Second, MaxConcurrency: 64})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/res.Duration, "req/s")
}
