package openai

import (
	"io"
	"math"
	"sort"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// Files the server backends add to a run directory (docs/real-bench.md).
const (
	ClientRequestsFile = "client_requests.csv"
	ClientTokensFile   = "client_tokens.csv"
)

// WriteStats writes client_requests.csv: one row per workload request.
func WriteStats(w io.Writer, stats []Stat) error {
	cw := artifacts.NewCSVWriter(w, "request_id", "arrived_at", "client_queue_time", "sent_at", "dispatch_delay",
		"first_chunk_at", "stream_end_at", "num_chunks", "num_empty_chunks", "num_prefill_chunks", "max_tokens_per_chunk",
		"token_timing", "trace_num_prefill_tokens", "usage_prompt_tokens", "usage_completion_tokens", "prompt_tokens_mismatch",
		"http_status", "finish_reason", "error")
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
		cw.Write(artifacts.Int(s.RequestID), artifacts.Float(s.ArrivedAt), artifacts.Float(s.QueueTime), artifacts.Float(s.SentAt),
			artifacts.Float(s.DispatchDelay), artifacts.Float(s.FirstChunkAt), artifacts.Float(s.StreamEndAt),
			artifacts.Int(s.NumChunks), artifacts.Int(s.NumEmptyChunks), artifacts.Int(s.NumPrefillChunks),
			artifacts.Int(s.MaxTokensPerChunk), s.TokenTiming, artifacts.Int(s.PromptTokensAsked), up, uc, mismatch, status,
			s.FinishReason, s.Error)
	}
	return cw.Flush()
}

// WriteTokens writes client_tokens.csv: for every token of a completed
// request (the rows of token_metrics.csv, same order), the chunk that
// carried it, how many tokens that chunk carried, and how the mapping
// was made.
func WriteTokens(w io.Writer, stats []Stat) error {
	cw := artifacts.NewCSVWriter(w, "request_id", "token_index", "chunk_index", "tokens_in_chunk", "token_timing")
	for _, s := range stats {
		if s.Error != "" {
			continue
		}
		sizes := chunkSizes(s.tokenChunks)
		g := 0
		for k, c := range s.tokenChunks {
			if k > 0 && s.tokenChunks[k-1] != c {
				g++
			}
			cw.Write(artifacts.Int(s.RequestID), artifacts.Int(k), artifacts.Int(c), artifacts.Int(sizes[g]), s.TokenTiming)
		}
	}
	return cw.Flush()
}

// Summary is the client's view of a replay for run_meta.json.
type Summary struct {
	Sent               int     `json:"sent"`
	Failed             int     `json:"failed"`
	PromptMismatches   int     `json:"prompt_tokens_mismatch"`
	InferredTiming     int     `json:"token_timing_inferred"`
	NoUsage            int     `json:"no_usage"`
	MultiTokenChunks   int     `json:"requests_with_multi_token_chunks"`
	DispatchDelayP50   float64 `json:"dispatch_delay_p50_s"`
	DispatchDelayP99   float64 `json:"dispatch_delay_p99_s"`
	DispatchDelayMax   float64 `json:"dispatch_delay_max_s"`
	ClientQueueTimeMax float64 `json:"client_queue_time_max_s"`
}

// Summarize counts what the run's warnings and run_meta.json report.
func Summarize(stats []Stat) Summary {
	var s Summary
	var delays []float64
	for _, st := range stats {
		if !math.IsNaN(st.SentAt) {
			s.Sent++
			delays = append(delays, st.DispatchDelay)
		}
		if st.Error != "" {
			s.Failed++
			continue
		}
		if st.PromptMismatch {
			s.PromptMismatches++
		}
		if st.TokenTiming == TimingInferred {
			s.InferredTiming++
		}
		if st.UsagePrompt < 0 {
			s.NoUsage++
		}
		if st.MaxTokensPerChunk > 1 {
			s.MultiTokenChunks++
		}
		if !math.IsNaN(st.QueueTime) {
			s.ClientQueueTimeMax = max(s.ClientQueueTimeMax, st.QueueTime)
		}
	}
	sort.Float64s(delays)
	s.DispatchDelayP50, s.DispatchDelayP99 = quantile(delays, 0.5), quantile(delays, 0.99)
	if len(delays) > 0 {
		s.DispatchDelayMax = delays[len(delays)-1]
	}
	return s
}

// quantile is numpy's default (linear) percentile of sorted xs, the
// definition serving-semantics.md §7.4 uses; 0 for none.
func quantile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	r := p * float64(len(xs)-1)
	lo := int(math.Floor(r))
	hi := min(lo+1, len(xs)-1)
	return xs[lo] + (r-float64(lo))*(xs[hi]-xs[lo])
}
