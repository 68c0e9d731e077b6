package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/real-bench/internal/record"
)

// Profiles: which request fields a server accepts and how its chunks map
// to tokens (serving-semantics.md §7.1).
const (
	ProfileSarathi = "sarathi"
	ProfileVLLM    = "vllm"
	ProfileGeneric = "generic"
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
}

// Stat is what the client saw of one request beyond its tokens: the
// client_requests.csv row, plus the per-token chunk mapping written to
// client_tokens.csv. Times are s on the run's clock, NaN when unknown.
type Stat struct {
	RequestID         int
	ArrivedAt         float64
	QueueTime         float64 // waiting for a server.max_concurrency slot
	SentAt            float64
	DispatchDelay     float64 // sent_at − arrived_at (queue time included)
	FirstChunkAt      float64 // first SSE data line of any kind
	StreamEndAt       float64
	NumChunks         int // choice-bearing chunks
	NumEmptyChunks    int
	NumPrefillChunks  int
	MaxTokensPerChunk int
	TokenTiming       string
	UsagePrompt       int // -1 when the server sent no usage
	UsageCompletion   int
	PromptTokensAsked int
	PromptMismatch    bool
	HTTPStatus        int
	FinishReason      string
	Error             string
	// tokenChunks[k] is the choice-chunk index that carried token k.
	tokenChunks []int
}

func newStat(q artifacts.Request, arrivedAt float64) Stat {
	nan := math.NaN()
	return Stat{RequestID: q.RequestID, ArrivedAt: arrivedAt, QueueTime: nan, SentAt: nan, DispatchDelay: nan,
		FirstChunkAt: nan, StreamEndAt: nan, UsagePrompt: -1, UsageCompletion: -1, PromptTokensAsked: q.NumPrefillTokens,
		Error: "not sent"}
}

// Client replays workloads against one server. Stats holds one entry per
// workload request after Replay.
type Client struct {
	o       Options
	hc      *http.Client
	bodies  [][]byte // request bodies, encoded before the clock starts
	Stats   []Stat
	WarmupS float64 // s spent on warm-up requests before the clock started
}

// NewTransport is the HTTP client setup serving-semantics.md §2.5 asks for:
// no compression, HTTP/1.1, enough idle connections per host for every
// request in flight, idle connections dropped before a uvicorn server's
// 5 s keep-alive closes them (Go does not retry a POST on a stale one).
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

// TransportSettings describes NewTransport for run_meta.json.
var TransportSettings = map[string]any{
	"http": "HTTP/1.1", "compression": false, "max_idle_conns_per_host": 1024,
	"idle_conn_timeout_s": 4, "dial_timeout_s": 10, "endpoint": "/v1/completions", "stream": true,
}

// New makes a client; Close releases its connections.
func New(o Options) (*Client, error) {
	if o.URL == "" {
		return nil, errors.New("server.url is not set")
	}
	switch o.Profile {
	case ProfileSarathi, ProfileVLLM, ProfileGeneric:
	default:
		return nil, fmt.Errorf("backend.profile %q is not sarathi, vllm or generic", o.Profile)
	}
	if o.TimeScale <= 0 {
		o.TimeScale = 1
	}
	return &Client{o: o, hc: &http.Client{Transport: NewTransport()}}, nil
}

// Close drops idle connections.
func (c *Client) Close() { c.hc.CloseIdleConnections() }

// Encode builds every request body ahead of the replay, so the
// dispatcher's only work at an arrival is to start a goroutine.
func (c *Client) Encode(w *artifacts.Workload) error {
	c.bodies = make([][]byte, len(w.Prompts))
	for i := range w.Prompts {
		b, err := Payload(&w.Prompts[i], c.o)
		if err != nil {
			return fmt.Errorf("request %d: %w", w.Prompts[i].RequestID, err)
		}
		c.bodies[i] = b
	}
	return nil
}

// Warmup sends n requests one after another before the clock starts (the
// workload's first prompts, decode tokens each) and discards them. A
// failure here ends the run: a server that cannot answer one request
// would fail every measured one.
func (c *Client) Warmup(ctx context.Context, w *artifacts.Workload, n, decode int) error {
	start := time.Now()
	defer func() { c.WarmupS = time.Since(start).Seconds() }()
	zero := func() float64 { return 0 }
	for i := 0; i < n && len(w.Prompts) > 0; i++ {
		p := w.Prompts[i%len(w.Prompts)]
		p.NumDecodeTokens = max(decode, 1)
		q := w.Requests[i%len(w.Requests)]
		q.NumDecodeTokens = p.NumDecodeTokens
		body, err := Payload(&p, c.o)
		if err != nil {
			return err
		}
		st := c.one(ctx, body, q, 0, nil, zero)
		if st.Error != "" {
			return fmt.Errorf("warm-up request %d to %s failed: %s", i, c.o.URL, st.Error)
		}
	}
	return nil
}

// Replay sends every request at arrived_at × time_scale on clock (open
// loop: the dispatcher never waits for a response) and records its
// tokens in rec. It returns when every sent request has finished; after
// ctx is cancelled it sends nothing more and in-flight requests end as
// failed ("interrupted").
func (c *Client) Replay(ctx context.Context, w *artifacts.Workload, clock func() float64, rec *record.Recorder) error {
	if len(c.bodies) != len(w.Requests) {
		if err := c.Encode(w); err != nil {
			return err
		}
	}
	c.Stats = make([]Stat, len(w.Requests))
	for i, q := range w.Requests {
		c.Stats[i] = newStat(q, q.ArrivedAt*c.o.TimeScale)
	}
	var sem chan struct{}
	if c.o.MaxConcurrency > 0 {
		sem = make(chan struct{}, c.o.MaxConcurrency)
	}
	var wg sync.WaitGroup
	for i, q := range w.Requests {
		at := c.Stats[i].ArrivedAt
		if !record.SleepUntil(ctx, clock, at) {
			break
		}
		wg.Add(1)
		go func(i int, q artifacts.Request) {
			defer wg.Done()
			if sem != nil {
				t := clock()
				select {
				case sem <- struct{}{}:
					defer func() { <-sem }()
				case <-ctx.Done():
					c.Stats[i].Error = "interrupted while queued for a server.max_concurrency slot"
					rec.Fail(q.RequestID, c.Stats[i].Error)
					return
				}
				c.Stats[i].QueueTime = clock() - t
			} else {
				c.Stats[i].QueueTime = 0
			}
			st := c.one(ctx, c.bodies[i], q, at, rec, clock)
			st.QueueTime = c.Stats[i].QueueTime
			c.Stats[i] = st
		}(i, q)
	}
	wg.Wait()
	return nil
}

// Payload builds the request body for the server profile.
func Payload(p *artifacts.Prompt, o Options) ([]byte, error) {
	body := map[string]any{
		"model": o.Model, "max_tokens": p.NumDecodeTokens, "temperature": 0, "stream": true,
	}
	so := map[string]any{"include_usage": true}
	switch o.Profile {
	case ProfileSarathi:
		// Sarathi rejects unknown fields, inside stream_options too, and
		// token-id prompts (serving-semantics.md §3.2).
		body["prompt"] = p.Prompt
		body["ignore_eos"] = o.IgnoreEOS
	case ProfileVLLM:
		body["prompt"] = p.PromptTokenIDs // the exact prompt length, no re-tokenization
		body["ignore_eos"] = o.IgnoreEOS
		// Cumulative usage on every chunk: exact tokens per chunk even
		// when vLLM merges deltas (serving-semantics.md §2.2, §2.4).
		so["continuous_usage_stats"] = true
	default:
		// A generic server may reject extensions; it gets the OpenAI
		// fields only, so EOS may end a request early.
		body["prompt"] = p.Prompt
	}
	body["stream_options"] = so
	return json.Marshal(body)
}

// one sends one request and records it in rec (nil: warm-up).
func (c *Client) one(ctx context.Context, body []byte, q artifacts.Request, arrivedAt float64,
	rec *record.Recorder, clock func() float64) Stat {
	o := c.o
	st := newStat(q, arrivedAt)
	st.Error = ""
	fail := func(format string, args ...any) Stat {
		st.Error = fmt.Sprintf(format, args...)
		if rec != nil {
			rec.Fail(q.RequestID, st.Error)
		}
		if math.IsNaN(st.StreamEndAt) {
			st.StreamEndAt = clock()
		}
		return st
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
	resp, err := c.hc.Do(req)
	if err != nil {
		return fail("%s", describe(rctx, ctx, err, o.Timeout))
	}
	defer resp.Body.Close()
	st.HTTPStatus = resp.StatusCode
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fail("http %d: %s", resp.StatusCode, strings.Join(strings.Fields(string(b)), " "))
	}
	evs, err := readStream(resp.Body, clock)
	st.StreamEndAt = clock()
	if len(evs) > 0 {
		st.FirstChunkAt = evs[0].t
	}
	if err != nil {
		if rctx.Err() != nil {
			return fail("%s, %d chunks received", describe(rctx, ctx, rctx.Err(), o.Timeout), len(evs))
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
	a, err := attribute(evs, o.Profile, q.NumDecodeTokens)
	if err != nil {
		return fail("token attribution: %v", err)
	}
	st.TokenTiming, st.NumPrefillChunks, st.FinishReason, st.tokenChunks = a.timing, a.prefillChunks, a.finish, a.chunks
	for _, n := range chunkSizes(a.chunks) {
		st.MaxTokensPerChunk = max(st.MaxTokensPerChunk, n)
	}
	if a.usage != nil {
		st.UsagePrompt, st.UsageCompletion = a.usage.PromptTokens, a.usage.CompletionTokens
		// Sarathi adds BOS itself (serving-semantics.md §3.2); a one-token
		// surplus is that, not a mismatch.
		diff := a.usage.PromptTokens - q.NumPrefillTokens
		st.PromptMismatch = !(diff == 0 || (o.Profile == ProfileSarathi && diff == 1))
	}
	if len(a.times) == 0 {
		return fail("no output token (finish_reason %q, usage.completion_tokens %d)", a.finish, st.UsageCompletion)
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
		return fmt.Sprintf("timeout after %gs (server.timeout)", timeout.Seconds())
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return "connection failed: " + op.Err.Error()
	}
	return err.Error()
}
