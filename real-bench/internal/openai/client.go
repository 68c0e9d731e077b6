package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/real-bench/internal/record"
)

// Options configure a replay against a server.
type Options struct {
	URL            string // base URL, e.g. http://127.0.0.1:8000
	Model          string // served model name
	Profile        string // sarathi | vllm | generic
	Timeout        time.Duration
	MaxConcurrency int // 0 = unlimited
	TimeScale      float64
	IgnoreEOS      bool
	Progress       func(done int)
}

// Stat is what the client saw of one request beyond its tokens: the
// client_requests.csv row.
type Stat struct {
	RequestID         int
	SentAt            float64
	DispatchDelay     float64 // sent_at − arrived_at
	FirstChunkAt      float64
	StreamEndAt       float64
	NumChunks         int
	NumEmptyChunks    int
	NumPrefillChunks  int
	TokenTiming       string
	UsagePrompt       int // -1 when the server sent no usage
	UsageCompletion   int
	PromptMismatch    bool
	HTTPStatus        int
	FinishReason      string
	Error             string
	promptTokensAsked int
}

// Result describes the replay.
type Result struct {
	StartedAt   time.Time
	Duration    float64
	Interrupted bool
	Stats       []Stat
}

// NewTransport is the HTTP client setup serving-bench.md §2.5 asks for:
// no compression, enough idle connections per host, idle connections
// dropped before a server's 5 s keep-alive closes them.
func NewTransport() *http.Transport {
	return &http.Transport{
		DisableCompression:  true,
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 1024,
		IdleConnTimeout:     4 * time.Second,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		ForceAttemptHTTP2:   false,
	}
}

// Run sends every request at its arrival time and records its tokens.
func Run(ctx context.Context, w *artifacts.Workload, rec *record.Recorder, o Options) (*Result, error) {
	if o.URL == "" {
		return nil, errors.New("server.url is not set")
	}
	client := &http.Client{Transport: NewTransport()}
	defer client.CloseIdleConnections()
	res := &Result{Stats: make([]Stat, len(w.Requests))}
	t0 := time.Now()
	res.StartedAt = t0
	clock := func() float64 { return time.Since(t0).Seconds() }
	var sem chan struct{}
	if o.MaxConcurrency > 0 {
		sem = make(chan struct{}, o.MaxConcurrency)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	finish := func() {
		mu.Lock()
		done++
		d := done
		mu.Unlock()
		if o.Progress != nil {
			o.Progress(d)
		}
	}
	for i, q := range w.Requests {
		at := q.ArrivedAt * o.TimeScale
		if wait := time.Duration((at - clock()) * float64(time.Second)); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
			case <-t.C:
			}
		}
		if ctx.Err() != nil {
			res.Interrupted = true
			break
		}
		wg.Add(1)
		go func(i int, q artifacts.Request) {
			defer wg.Done()
			defer finish()
			if sem != nil {
				select {
				case sem <- struct{}{}:
					defer func() { <-sem }()
				case <-ctx.Done():
					rec.Fail(q.RequestID, "interrupted before sending")
					return
				}
			}
			res.Stats[i] = one(ctx, client, &w.Prompts[i], q, at, rec, clock, o)
		}(i, q)
	}
	wg.Wait()
	if ctx.Err() != nil {
		res.Interrupted = true
	}
	res.Duration = clock()
	return res, nil
}

// payload builds the request body for the server profile.
func payload(p *artifacts.Prompt, o Options) ([]byte, error) {
	body := map[string]any{
		"model": o.Model, "max_tokens": p.NumDecodeTokens, "temperature": 0, "stream": true,
	}
	so := map[string]any{"include_usage": true}
	switch o.Profile {
	case "sarathi":
		// Sarathi rejects unknown fields and token-id prompts (serving-bench §3.2).
		body["prompt"] = p.Prompt
		body["ignore_eos"] = o.IgnoreEOS
	case "vllm":
		body["prompt"] = p.PromptTokenIDs // exact prompt length
		body["ignore_eos"] = o.IgnoreEOS
		so["continuous_usage_stats"] = true
	default:
		body["prompt"] = p.Prompt
	}
	body["stream_options"] = so
	return json.Marshal(body)
}

// one sends one request and records it.
func one(ctx context.Context, client *http.Client, p *artifacts.Prompt, q artifacts.Request, arrivedAt float64,
	rec *record.Recorder, clock func() float64, o Options) Stat {
	st := Stat{RequestID: q.RequestID, UsagePrompt: -1, UsageCompletion: -1, promptTokensAsked: q.NumPrefillTokens}
	fail := func(format string, args ...any) Stat {
		st.Error = fmt.Sprintf(format, args...)
		rec.Fail(q.RequestID, st.Error)
		st.StreamEndAt = clock()
		return st
	}
	body, err := payload(p, o)
	if err != nil {
		return fail("encode request: %v", err)
	}
	rctx := ctx
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		rctx, cancel = context.WithTimeout(ctx, o.Timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, strings.TrimRight(o.URL, "/")+"/v1/completions", bytes.NewReader(body))
	if err != nil {
		return fail("build request: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	st.SentAt = clock()
	st.DispatchDelay = st.SentAt - arrivedAt
	resp, err := client.Do(req)
	if err != nil {
		return fail("%s", describe(rctx, ctx, err, o.Timeout))
	}
	defer resp.Body.Close()
	st.HTTPStatus = resp.StatusCode
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fail("http %d: %s", resp.StatusCode, strings.TrimSpace(string(b)))
	}
	evs, err := readStream(resp.Body, clock)
	st.StreamEndAt = clock()
	if err != nil {
		if rctx.Err() != nil {
			return fail("%s", describe(rctx, ctx, rctx.Err(), o.Timeout))
		}
		return fail("%v after %d chunks", err, len(evs))
	}
	for _, e := range evs {
		if e.choice {
			st.NumChunks++
			if e.text == "" {
				st.NumEmptyChunks++
			}
		}
	}
	if len(evs) > 0 {
		st.FirstChunkAt = evs[0].t
	}
	a, err := attribute(evs, o.Profile, q.NumDecodeTokens)
	if err != nil {
		return fail("token attribution: %v", err)
	}
	st.TokenTiming, st.NumPrefillChunks, st.FinishReason = a.timing, a.prefillChunks, a.finish
	if a.usage != nil {
		st.UsagePrompt, st.UsageCompletion = a.usage.PromptTokens, a.usage.CompletionTokens
		// Sarathi adds BOS itself; a one-token surplus is that, not a mismatch.
		diff := a.usage.PromptTokens - q.NumPrefillTokens
		st.PromptMismatch = !(diff == 0 || (o.Profile == "sarathi" && diff == 1))
	}
	if len(a.times) == 0 {
		return fail("no output token (finish_reason %q)", a.finish)
	}
	if rec != nil {
		for k, t := range a.times {
			rec.Token(q.RequestID, k, t, 0)
		}
		rec.Done(q.RequestID)
	}
	return st
}

func describe(rctx, parent context.Context, err error, timeout time.Duration) string {
	switch {
	case parent.Err() != nil:
		return "interrupted"
	case errors.Is(rctx.Err(), context.DeadlineExceeded):
		return fmt.Sprintf("timeout: no complete response within %s", timeout)
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return "connection failed: " + op.Err.Error()
	}
	return err.Error()
}
