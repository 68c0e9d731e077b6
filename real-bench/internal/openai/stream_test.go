package openai

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/simcheck/simcheck/real-bench/internal/fakeserver"
	"github.com/simcheck/simcheck/real-bench/internal/record"
)

// stream builds an SSE body; each element is one data payload. The
// stamps come from a counter, so data line i is read at time i+1.
func stream(payloads ...string) string {
	var b strings.Builder
	for _, p := range payloads {
		b.WriteString("data: " + p + "\n\n")
	}
	return b.String() + "data: [DONE]\n\n"
}

func counter() func() float64 {
	n := 0.0
	return func() float64 { n++; return n }
}

const (
	empty = `{"choices":[{"index":0,"text":"","finish_reason":null}]}`
	tokA  = `{"choices":[{"index":0,"text":"a","finish_reason":null}]}`
	last  = `{"choices":[{"index":0,"text":"b","finish_reason":"length"}]}`
	stop  = `{"choices":[{"index":0,"text":"","finish_reason":"stop"}]}`
)

func usageChunk(p, c int) string {
	return `{"choices":[],"usage":{"prompt_tokens":` + itoa(p) + `,"completion_tokens":` + itoa(c) + `}}`
}

func itoa(i int) string { return strconv.Itoa(i) }

func cont(text string, c int) string {
	return `{"choices":[{"index":0,"text":"` + text + `","finish_reason":null}],"usage":{"prompt_tokens":3,"completion_tokens":` + itoa(c) + `}}`
}

// The rules of serving-semantics.md §2.3 and §7.1, one case each.
func TestAttribution(t *testing.T) {
	cases := []struct {
		name    string
		profile string
		want    int // requested tokens
		body    string
		times   []float64
		chunks  []int
		timing  string
		prefill int
		err     string
	}{
		{"sarathi prefill chunks are not tokens", ProfileSarathi, 3,
			stream(empty, empty, tokA, tokA, last, usageChunk(4, 3)), []float64{3, 4, 5}, []int{2, 3, 4}, TimingOnePerStep, 2, ""},
		{"sarathi EOS chunk with empty text is a token", ProfileSarathi, 5,
			stream(empty, tokA, stop, usageChunk(4, 2)), []float64{2, 3}, []int{1, 2}, TimingOnePerStep, 1, ""},
		{"sarathi text before the last N chunks is flagged", ProfileSarathi, 1,
			stream(tokA, last, usageChunk(4, 1)), []float64{2}, []int{1}, TimingInferred, 1, ""},
		{"sarathi usage larger than the stream", ProfileSarathi, 3,
			stream(tokA, usageChunk(4, 3)), nil, nil, "", 0, "usage reports 3 tokens but the stream has only 1 chunks"},
		{"sarathi ignored prompt: no token", ProfileSarathi, 3,
			stream(`{"choices":[{"index":0,"text":"","finish_reason":"length"}]}`, usageChunk(9, 0)), nil, nil, TimingOnePerStep, 1, ""},
		{"vllm continuous usage, merged chunk", ProfileVLLM, 3,
			stream(cont("", 0), cont("a", 1), cont("ab", 3), usageChunk(3, 3)), []float64{2, 3, 3}, []int{1, 2, 2}, TimingExact, 1, ""},
		{"generic one token per text chunk", ProfileGeneric, 2,
			stream(empty, tokA, last, usageChunk(3, 2)), []float64{2, 3}, []int{1, 2}, TimingExact, 1, ""},
		{"generic held-back fragment: empty chunk after text is a token", ProfileGeneric, 3,
			stream(tokA, empty, last, usageChunk(3, 3)), []float64{1, 2, 3}, []int{0, 1, 2}, TimingInferred, 0, ""},
		{"generic merged deltas: surplus on the last chunk", ProfileGeneric, 4,
			stream(tokA, last, usageChunk(3, 4)), []float64{1, 2, 2, 2}, []int{0, 1, 1, 1}, TimingInferred, 0, ""},
		{"generic usage on the last choice chunk (llama.cpp)", ProfileGeneric, 2,
			stream(tokA, `{"choices":[{"index":0,"text":"b","finish_reason":"length"}],"usage":{"prompt_tokens":3,"completion_tokens":2}}`),
			[]float64{1, 2}, []int{0, 1}, TimingExact, 0, ""},
		{"generic no usage, stopped at max_tokens", ProfileGeneric, 2,
			stream(tokA, last), []float64{1, 2}, []int{0, 1}, TimingExact, 0, ""},
		{"generic no usage, stopped early: count text chunks", ProfileGeneric, 5,
			stream(tokA, tokA, stop), []float64{1, 2}, []int{0, 1}, TimingInferred, 0, ""},
		{"generic tokens but no text", ProfileGeneric, 2,
			stream(empty, empty, usageChunk(3, 2)), nil, nil, "", 0, "2 tokens reported but no chunk carried text"},
		{"comments, event lines, CRLF and no space after data:", ProfileGeneric, 1,
			": ping\r\nevent: completion\r\ndata:" + last + "\r\n\r\ndata:" + usageChunk(3, 1) + "\r\n\r\ndata:[DONE]\r\n\r\n",
			[]float64{1}, []int{0}, TimingExact, 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			evs, err := readStream(strings.NewReader(tc.body), counter())
			if err != nil {
				t.Fatal(err)
			}
			a, err := attribute(evs, tc.profile, tc.want)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(a.times, tc.times) || !reflect.DeepEqual(a.chunks, tc.chunks) || a.timing != tc.timing || a.prefillChunks != tc.prefill {
				t.Errorf("times %v chunks %v timing %q prefill %d; want %v %v %q %d", a.times, a.chunks, a.timing, a.prefillChunks,
					tc.times, tc.chunks, tc.timing, tc.prefill)
			}
		})
	}
}

func TestReadStreamErrors(t *testing.T) {
	for body, want := range map[string]string{
		"data: " + tokA + "\n\n":                                                            "stream ended before [DONE]",
		"data: {\"choices\":[{\"text\":1}]}\n\ndata: [DONE]\n":                              "malformed chunk",
		"data: " + tokA + "\n\ndata: {\"error\":{\"message\":\"oom\"}}\n\ndata: [DONE]\n\n": "server error in stream: oom",
	} {
		if _, err := readStream(strings.NewReader(body), counter()); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err %v, want %q", body, err, want)
		}
	}
}

// FuzzReadStream: the SSE reader never panics, and the token times it
// attributes never go back. Seeds: the streams under testdata/sse and a
// few built here.
func FuzzReadStream(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join("testdata", "sse", "*.sse"))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no seeds under testdata/sse: %v", err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add(stream(empty, tokA, last, usageChunk(3, 2)))
	f.Add(": ping\nevent: x\ndata:{\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}\r\n\r\ndata: [DONE]")
	f.Add(stream(cont("", 0), cont("ab", 2)))
	f.Fuzz(func(t *testing.T, s string) {
		evs, err := readStream(strings.NewReader(s), counter())
		if err != nil {
			return
		}
		for _, p := range []string{ProfileSarathi, ProfileVLLM, ProfileGeneric} {
			a, err := attribute(evs, p, 3)
			if err != nil {
				continue
			}
			if len(a.times) != len(a.chunks) {
				t.Fatalf("%s: %d times for %d chunks", p, len(a.times), len(a.chunks))
			}
			for k := 1; k < len(a.times); k++ {
				if a.times[k] < a.times[k-1] || a.chunks[k] < a.chunks[k-1] {
					t.Fatalf("%s: token times or chunks go back: %v %v", p, a.times, a.chunks)
				}
			}
		}
	})
}

// BenchmarkClientOverhead drives a local server that answers instantly
// (one token, usage, [DONE]) with every request due at once: the
// requests per second it reaches bound what the client can generate.
// Client and server share the machine, so this is a lower bound.
func BenchmarkClientOverhead(b *testing.B) {
	srv := fakeserver.New(fakeserver.Behavior{Instant: true})
	defer srv.Close()
	w := workload(b.N, 1, 0)
	rec := record.New(w.Requests, 1)
	c, err := New(Options{URL: srv.URL, Model: "m", Profile: ProfileGeneric, TimeScale: 1, Timeout: 30 * time.Second, MaxConcurrency: 64})
	if err != nil {
		b.Fatal(err)
	}
	var clk record.Clock
	b.ResetTimer()
	clk.Start()
	if err := c.Replay(context.Background(), w, clk.Now, rec); err != nil {
		b.Fatal(err)
	}
	d := clk.Now()
	if s := Summarize(c.Stats); s.Failed > 0 {
		b.Fatalf("%d failed: %+v", s.Failed, c.Stats[0])
	}
	b.ReportMetric(float64(b.N)/d, "req/s")
}

// BenchmarkDispatchDelay replays an open-loop 1,000 requests/s schedule
// against the instant server and reports how late requests were sent
// (dispatch_delay = sent_at − arrived_at): whether the client keeps up
// with a given rate, not how fast it can go.
func BenchmarkDispatchDelay(b *testing.B) {
	srv := fakeserver.New(fakeserver.Behavior{Instant: true})
	defer srv.Close()
	w := workload(b.N, 1, 0.001)
	rec := record.New(w.Requests, 1)
	c, err := New(Options{URL: srv.URL, Model: "m", Profile: ProfileGeneric, TimeScale: 1, Timeout: 30 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Encode(w); err != nil {
		b.Fatal(err)
	}
	var clk record.Clock
	b.ResetTimer()
	clk.Start()
	if err := c.Replay(context.Background(), w, clk.Now, rec); err != nil {
		b.Fatal(err)
	}
	s := Summarize(c.Stats)
	if s.Failed > 0 {
		b.Fatalf("%d failed", s.Failed)
	}
	b.ReportMetric(s.DispatchDelayP50*1e6, "p50-dispatch-µs")
	b.ReportMetric(s.DispatchDelayP99*1e6, "p99-dispatch-µs")
	b.ReportMetric(s.DispatchDelayMax*1e6, "max-dispatch-µs")
}

// TestRecordedStreams: the streams under testdata/sse read as their
// servers meant them: tokens, or the error that names the fault.
func TestRecordedStreams(t *testing.T) {
	for name, want := range map[string]string{
		"vllm_continuous_usage.sse": "", "sarathi_prefill.sse": "",
		"sarathi_error.sse": "server error in stream: engine step failed",
		"cut_short.sse":     "stream ended before [DONE]",
		"malformed.sse":     "malformed chunk",
	} {
		b, err := os.ReadFile(filepath.Join("testdata", "sse", name))
		if err != nil {
			t.Fatal(err)
		}
		evs, err := readStream(strings.NewReader(string(b)), counter())
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v", name, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%s: error %v, want %q", name, err, want)
		case want == "" && len(evs) == 0:
			t.Errorf("%s: no events", name)
		}
	}
}
