package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/config/command"
	"github.com/simcheck/simcheck/real-bench/internal/openai"
	"github.com/simcheck/simcheck/real-bench/internal/record"
)

// serverBackend drives an OpenAI-compatible streaming server:
// backend=openai|sarathi|vllm (backend.profile picks the payload and the
// token attribution rule).
type serverBackend struct {
	cfg       *Config
	o         openai.Options
	client    *openai.Client
	card      openai.ModelCard // GET /v1/models entry of the served model
	modelsErr string           // why GET /v1/models gave nothing
	w         *artifacts.Workload
	managed   *managed // the server real-bench started; nil for server.url
}

func newServerBackend(cfg *Config) (*serverBackend, error) {
	s := cfg.Server
	var m *managed
	if s.URL == "" {
		if p := cfg.Backend.Profile; p != "sarathi" && p != "vllm" {
			return nil, command.Usage(errors.New("server.url is not set"), "e.g. server.url=http://127.0.0.1:8000 (the server's OpenAI-compatible base URL); real-bench starts a server itself only for backend=sarathi|vllm")
		}
		var err error
		if m, err = newManaged(cfg); err != nil {
			return nil, err
		}
		s.URL = m.URL()
	}
	if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, command.Usage(fmt.Errorf("server.url %q is not an http:// or https:// base URL", s.URL), "e.g. server.url=http://127.0.0.1:8000")
	}
	if s.Timeout <= 0 {
		return nil, command.Usage(fmt.Errorf("server.timeout: %g must be > 0 (s per request)", s.Timeout), "")
	}
	if s.MaxConcurrency < 0 {
		return nil, command.Usage(fmt.Errorf("server.max_concurrency: %d must be ≥ 0 (0 = unlimited)", s.MaxConcurrency), "")
	}
	served := s.Model
	switch {
	case served != "":
	case m != nil:
		served = m.model
	case cfg.Model.ModelID != "":
		served = cfg.Model.ModelID
	default:
		served = cfg.Model.HFName
	}
	o := openai.Options{URL: s.URL, Model: served, Profile: cfg.Backend.Profile, MaxConcurrency: s.MaxConcurrency,
		Timeout: time.Duration(s.Timeout * float64(time.Second)), TimeScale: cfg.TimeScale, IgnoreEOS: cfg.IgnoreEOS}
	client, err := openai.New(o)
	if err != nil {
		return nil, command.Usage(err, "")
	}
	return &serverBackend{cfg: cfg, o: o, client: client, managed: m}, nil
}

// Prepare starts the server when real-bench manages it, checks that the
// server serves the model (when it lists its models) and sends the
// warm-up requests. A managed server is stopped again if any of it fails.
func (b *serverBackend) Prepare(ctx context.Context, w *artifacts.Workload, _ *record.Clock) error {
	b.w = w
	if b.managed == nil {
		return b.prepare(ctx, w)
	}
	if err := b.managed.Start(ctx); err != nil {
		return err
	}
	if err := b.prepare(ctx, w); err != nil {
		b.managed.Stop()
		return command.WithHint(err, b.managed.logHint())
	}
	return nil
}

func (b *serverBackend) prepare(ctx context.Context, w *artifacts.Workload) error {
	card, served, err := openai.ListModels(ctx, b.o.URL, b.o.Model)
	switch {
	case err != nil:
		b.modelsErr = err.Error()
	case card == nil && len(served) > 0:
		return command.WithHint(fmt.Errorf("%s does not serve model %q; it serves %s", b.o.URL, b.o.Model, strings.Join(served, ", ")),
			"pass server.model=<served name>")
	default:
		b.card = card
	}
	if err := b.client.Encode(w); err != nil {
		return err
	}
	// A server without GET /v1/models is still usable: the warm-up (or
	// every request) then says whether it answers.
	if err := b.client.Warmup(ctx, w, b.cfg.Warmup.Requests, b.cfg.Warmup.DecodeTokens); err != nil {
		return command.WithHint(err, "check server.url, server.model and that the server is up; warmup.requests=0 skips the warm-up")
	}
	return nil
}

func (b *serverBackend) Replay(ctx context.Context, w *artifacts.Workload, clk *record.Clock, rec *record.Recorder) error {
	defer b.client.Close()
	if b.managed != nil {
		// Stopped before the files are written, so server.log is whole.
		defer b.managed.Stop()
	}
	return b.client.Replay(ctx, w, clk.Now, rec)
}

func (b *serverBackend) Batches() bool { return false }

// maxDispatchP99 is serving-semantics.md §7.1's threshold: a client that sends
// later than this behind schedule is distorting the arrival process.
const maxDispatchP99 = 1e-3

func (b *serverBackend) Describe(d *artifacts.Dir, meta *artifacts.RunMeta) error {
	cfg, stats := b.cfg, b.client.Stats
	sum := openai.Summarize(stats)
	host := ""
	if u, err := url.Parse(b.o.URL); err == nil {
		host = u.Host
	}
	// The client cannot see the server's device: hardware= declares it,
	// so the run lines up with simulations of the same hardware.
	meta.Device = artifacts.DeviceInfo{Name: cfg.Hardware.Name, Host: host,
		Description: fmt.Sprintf("%s server at %s (device as declared by hardware=%s), measured from the client",
			cfg.Backend.Profile, b.o.URL, cfg.Hardware.Name)}
	meta.Model = artifacts.RunModel{Name: cfg.Model.Name, Weights: "external"}
	// The server's scheduler cannot be read over the OpenAI API: what
	// the user wrote in server.launch is recorded as given, unless
	// real-bench started the server and so knows its settings.
	meta.Scheduler = map[string]any{"kind": "server", "profile": cfg.Backend.Profile, "server_launch": cfg.Server.Launch}
	if b.managed != nil {
		meta.Device.Description = fmt.Sprintf("%s started by real-bench at %s (device as declared by hardware=%s), measured from the client",
			b.managed.name, b.o.URL, cfg.Hardware.Name)
		if err := b.managed.Describe(d, meta); err != nil {
			return err
		}
		meta.Scheduler["profile"] = cfg.Backend.Profile
		if cfg.Server.Launch != "" {
			meta.Scheduler["server_launch"] = cfg.Server.Launch
		}
	}
	example := ""
	if len(b.w.Prompts) > 0 {
		p := b.w.Prompts[0]
		p.Prompt, p.PromptTokenIDs = "<request 0's prompt>", []int{}
		if body, err := openai.Payload(&p, b.o); err == nil {
			example = string(body)
		}
	}
	for k, v := range map[string]any{
		"server_url": b.o.URL, "served_model": b.o.Model, "profile": cfg.Backend.Profile,
		"request_timeout_s": cfg.Server.Timeout, "max_concurrency": cfg.Server.MaxConcurrency,
		"payload_example": example, "http_client": openai.TransportSettings, "client_host": artifacts.CPUDevice(0),
		"client": sum, "warmup_s": b.client.WarmupS,
	} {
		meta.Extra[k] = v
	}
	if b.card != nil {
		meta.Extra["server_model_card"] = b.card
	}
	if b.modelsErr != "" {
		meta.Extra["server_models_error"] = b.modelsErr
	}
	warn := func(format string, args ...any) { meta.Warnings = append(meta.Warnings, fmt.Sprintf(format, args...)) }
	if sum.Failed > 0 {
		warn("%d requests failed (reasons in request_metrics.csv failure_reason and client_requests.csv error)", sum.Failed)
	}
	if sum.PromptMismatches > 0 {
		warn("%d requests: the server's usage.prompt_tokens differs from the workload's num_prefill_tokens (client_requests.csv prompt_tokens_mismatch)", sum.PromptMismatches)
	}
	if sum.InferredTiming > 0 {
		warn("%d requests: token times inferred from chunks (token_timing=inferred in client_requests.csv and client_tokens.csv)", sum.InferredTiming)
	}
	if sum.NoUsage > 0 {
		warn("%d requests: the server sent no usage; token counts come from the stream", sum.NoUsage)
	}
	if sum.DispatchDelayP99 > maxDispatchP99 {
		warn("client dispatch delay p99 %.2f ms > 1 ms: requests were sent late (client_requests.csv dispatch_delay)", sum.DispatchDelayP99*1e3)
	}
	if err := d.WriteFile(openai.ClientRequestsFile, func(out io.Writer) error { return openai.WriteStats(out, stats) }); err != nil {
		return err
	}
	return d.WriteFile(openai.ClientTokensFile, func(out io.Writer) error { return openai.WriteTokens(out, stats) })
}
