package openai

import (
	"io"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// ClientRequestsFile holds what the client saw of each request beyond
// the shared run schema (docs/real-bench.md).
const ClientRequestsFile = "client_requests.csv"

// WriteStats writes client_requests.csv.
func WriteStats(w io.Writer, stats []Stat) error {
	cw := artifacts.NewCSVWriter(w, "request_id", "sent_at", "dispatch_delay", "first_chunk_at", "stream_end_at",
		"num_chunks", "num_empty_chunks", "num_prefill_chunks", "token_timing", "usage_prompt_tokens",
		"usage_completion_tokens", "prompt_tokens_mismatch", "http_status", "finish_reason", "error")
	for _, s := range stats {
		up, uc := "", ""
		if s.UsagePrompt >= 0 {
			up, uc = artifacts.Int(s.UsagePrompt), artifacts.Int(s.UsageCompletion)
		}
		mismatch := "false"
		if s.PromptMismatch {
			mismatch = "true"
		}
		status := ""
		if s.HTTPStatus != 0 {
			status = artifacts.Int(s.HTTPStatus)
		}
		cw.Write(artifacts.Int(s.RequestID), artifacts.Float(s.SentAt), artifacts.Float(s.DispatchDelay), artifacts.Float(s.FirstChunkAt),
			artifacts.Float(s.StreamEndAt), artifacts.Int(s.NumChunks), artifacts.Int(s.NumEmptyChunks), artifacts.Int(s.NumPrefillChunks),
			s.TokenTiming, up, uc, mismatch, status, s.FinishReason, s.Error)
	}
	return cw.Flush()
}
