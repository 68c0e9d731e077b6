package gen

import (
	"errors"
	"fmt"
)

// Settings are the workload.* keys.
type Settings struct {
	NumRequests int             `koanf:"num_requests" json:"num_requests"`
	Duration    float64         `koanf:"duration" json:"duration"`
	Seed        uint64          `koanf:"seed" json:"seed"`
	MaxTokens   int             `koanf:"max_tokens" json:"max_tokens"`
	Arrival     ArrivalSettings `koanf:"arrival" json:"arrival"`
	Length      LengthSettings  `koanf:"length" json:"length"`
	Prompt      PromptSettings  `koanf:"prompt" json:"prompt"`
}

// ArrivalSettings are the workload.arrival.* keys.
type ArrivalSettings struct {
	Kind      string  `koanf:"kind" json:"kind"` // static | poisson | gamma | trace
	QPS       float64 `koanf:"qps" json:"qps"`
	CV        float64 `koanf:"cv" json:"cv"`
	TraceFile string  `koanf:"trace_file" json:"trace_file"`
}

// LengthSettings are the workload.length.* keys.
type LengthSettings struct {
	Kind          string  `koanf:"kind" json:"kind"` // fixed | uniform | zipf | trace
	PrefillTokens int     `koanf:"prefill_tokens" json:"prefill_tokens"`
	DecodeTokens  int     `koanf:"decode_tokens" json:"decode_tokens"`
	MinTokens     int     `koanf:"min_tokens" json:"min_tokens"`
	MaxTokens     int     `koanf:"max_tokens" json:"max_tokens"`
	PDRatio       float64 `koanf:"pd_ratio" json:"pd_ratio"`
	Theta         float64 `koanf:"theta" json:"theta"`
	TraceFile     string  `koanf:"trace_file" json:"trace_file"`
	Shuffle       bool    `koanf:"shuffle" json:"shuffle"`
}

// PromptSettings are the workload.prompt.* keys.
type PromptSettings struct {
	Source     string `koanf:"source" json:"source"` // builtin | corpus
	CorpusFile string `koanf:"corpus_file" json:"corpus_file"`
}

// maxGenerated bounds a duration-driven workload, so a typo in qps cannot
// fill the disk.
const maxGenerated = 10_000_000

// Validate checks the settings and names the key at fault.
func (s *Settings) Validate() error {
	var errs []error
	bad := func(key string, format string, args ...any) {
		errs = append(errs, fmt.Errorf("workload.%s: %s", key, fmt.Sprintf(format, args...)))
	}
	if s.NumRequests < 0 {
		bad("num_requests", "%d is negative", s.NumRequests)
	}
	if s.Duration < 0 {
		bad("duration", "%g is negative", s.Duration)
	}
	if s.NumRequests == 0 && s.Duration == 0 {
		bad("num_requests", "set num_requests > 0 or duration > 0")
	}
	if s.NumRequests > maxGenerated {
		bad("num_requests", "%d is more than the %d this tool generates", s.NumRequests, maxGenerated)
	}
	if s.MaxTokens < 2 {
		bad("max_tokens", "%d leaves no room for a prompt and an output token", s.MaxTokens)
	}
	a := s.Arrival
	switch a.Kind {
	case "static":
	case "poisson", "gamma":
		if a.QPS <= 0 {
			bad("arrival.qps", "%g must be > 0 for %s arrivals", a.QPS, a.Kind)
		}
		if a.Kind == "gamma" && a.CV <= 0 {
			bad("arrival.cv", "%g must be > 0 for gamma arrivals", a.CV)
		}
	case "trace":
		if a.TraceFile == "" {
			bad("arrival.trace_file", "required for arrival.kind=trace")
		}
	default:
		bad("arrival.kind", "%q is not one of static, poisson, gamma, trace", a.Kind)
	}
	if s.Duration > 0 && a.Kind == "static" {
		bad("duration", "static arrivals are all at t=0; use num_requests")
	}
	l := s.Length
	switch l.Kind {
	case "fixed":
		if l.PrefillTokens < 1 {
			bad("length.prefill_tokens", "%d must be at least 1", l.PrefillTokens)
		}
		if l.DecodeTokens < 1 {
			bad("length.decode_tokens", "%d must be at least 1", l.DecodeTokens)
		}
		if l.PrefillTokens+l.DecodeTokens > s.MaxTokens && s.MaxTokens >= 2 {
			bad("max_tokens", "%d is smaller than a request (prefill_tokens %d + decode_tokens %d)", s.MaxTokens, l.PrefillTokens, l.DecodeTokens)
		}
	case "uniform", "zipf":
		if l.MinTokens < 2 {
			bad("length.min_tokens", "%d must be at least 2 (one prompt and one output token)", l.MinTokens)
		}
		if l.MaxTokens < l.MinTokens {
			bad("length.max_tokens", "%d is below length.min_tokens %d", l.MaxTokens, l.MinTokens)
		}
		if l.PDRatio <= 0 {
			bad("length.pd_ratio", "%g must be > 0", l.PDRatio)
		}
		if l.Kind == "zipf" && (l.Theta <= 0 || l.Theta == 1) {
			bad("length.theta", "%g must be > 0 and not 1", l.Theta)
		}
	case "trace":
		if l.TraceFile == "" {
			bad("length.trace_file", "required for length.kind=trace")
		}
	default:
		bad("length.kind", "%q is not one of fixed, uniform, zipf, trace", l.Kind)
	}
	switch s.Prompt.Source {
	case "builtin":
	case "corpus":
		if s.Prompt.CorpusFile == "" {
			bad("prompt.corpus_file", "required for prompt.source=corpus")
		}
	default:
		bad("prompt.source", "%q is not one of builtin, corpus", s.Prompt.Source)
	}
	return errors.Join(errs...)
}
