package llm

import (
	"slices"
	"testing"
)

// Every request finishes exactly once, on its last token; no step holds
// more requests than MaxBatchSize; vllm prefill steps stay within
// MaxTokensInBatch; FirstScheduled is reported once per request.
func TestSchedulerInvariants(t *testing.T) {
	reqs := requests(7)
	for _, sc := range []SchedulerConfig{
		{Kind: "transformers", MaxBatchSize: 1, ChunkSize: 8, BlockSize: 4, NumKVBlocks: 64, MaxTokensInBatch: 64},
		{Kind: "sarathi", MaxBatchSize: 3, ChunkSize: 8, BlockSize: 4, NumKVBlocks: 64, MaxTokensInBatch: 64},
		{Kind: "vllm", MaxBatchSize: 3, ChunkSize: 8, BlockSize: 4, NumKVBlocks: 64, MaxTokensInBatch: 30},
		{Kind: "sarathi", MaxBatchSize: 4, ChunkSize: 8, BlockSize: 4, NumKVBlocks: 10, MaxTokensInBatch: 64},
		{Kind: "vllm", MaxBatchSize: 4, ChunkSize: 8, BlockSize: 4, NumKVBlocks: 10, MaxTokensInBatch: 64},
	} {
		got, reps := runAll(t, sc, reqs)
		done, first := map[int]int{}, map[int]int{}
		for _, rep := range reps {
			size, prefillTokens := 0, 0
			for _, e := range rep.Entries {
				if e.FirstScheduled {
					first[e.RequestID]++
				}
				if e.Done {
					done[e.RequestID]++
					if e.TokenIndex != len(got[e.RequestID])-1 {
						t.Errorf("%s: request %d done at token %d of %d", sc.Kind, e.RequestID, e.TokenIndex, len(got[e.RequestID]))
					}
				}
				if !e.Restarted {
					size++
					prefillTokens += e.PrefillTokens
				}
			}
			if size > sc.MaxBatchSize {
				t.Errorf("%s: batch %d holds %d requests", sc.Kind, rep.BatchID, size)
			}
			if sc.Kind == "vllm" && prefillTokens > sc.MaxTokensInBatch {
				t.Errorf("vllm: batch %d prefills %d tokens", rep.BatchID, prefillTokens)
			}
			if rep.CompletedAt <= rep.ScheduledAt {
				t.Errorf("%s: batch %d completed at %g, scheduled at %g", sc.Kind, rep.BatchID, rep.CompletedAt, rep.ScheduledAt)
			}
		}
		for _, q := range reqs {
			if done[q.ID] != 1 || first[q.ID] != 1 {
				t.Errorf("%s (blocks %d): request %d done %d times, first-scheduled %d times", sc.Kind, sc.NumKVBlocks, q.ID, done[q.ID], first[q.ID])
			}
		}
	}
}

// StopAtEOS ends a request at the first EOS token; without it the EOS
// token is just another token.
func TestStopAtEOS(t *testing.T) {
	sc := SchedulerConfig{Kind: "sarathi", MaxBatchSize: 2, ChunkSize: 16, BlockSize: 4, NumKVBlocks: 64, MaxTokensInBatch: 64}
	base := requests(1)[0]
	base.MaxNewTokens = 6
	free, _ := runAll(t, sc, []Request{base})
	toks := free[base.ID]
	stop := base
	stop.StopAtEOS, stop.EOS = true, []int{toks[2]}
	got, _ := runAll(t, sc, []Request{stop})
	want := toks[:slices.Index(toks, toks[2])+1]
	if !slices.Equal(got[base.ID], want) {
		t.Errorf("with EOS %d: %v, want %v", toks[2], got[base.ID], want)
	}
}

// A vllm prompt longer than MaxTokensInBatch and a transformers prompt
// longer than ChunkSize still run (whole prefill alone), not stall.
func TestLongPrompts(t *testing.T) {
	long := Request{ID: 9, Prompt: make([]int, 20), MaxNewTokens: 2}
	for _, sc := range []SchedulerConfig{
		{Kind: "vllm", MaxBatchSize: 2, ChunkSize: 8, BlockSize: 4, NumKVBlocks: 64, MaxTokensInBatch: 8},
		{Kind: "transformers", MaxBatchSize: 1, ChunkSize: 8, BlockSize: 4, NumKVBlocks: 64, MaxTokensInBatch: 8},
	} {
		got, _ := runAll(t, sc, []Request{long})
		if len(got[9]) != 2 {
			t.Errorf("%s: %d tokens", sc.Kind, len(got[9]))
		}
	}
}
