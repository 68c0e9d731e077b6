package entity

import "testing"

// TestSpec2_1_PrefillEmitsFirstToken: the prefill iteration also produces
// the first output token; decode == 1 completes at the end of the prefill.
func TestSpec2_1_PrefillEmitsFirstToken(t *testing.T) {
	r := NewRequest(0, 1, 10, 3)
	r.OnBatchSchedule(2)
	if n := r.OnBatchEnd(3, 6); n != 0 || r.PrefillComplete {
		t.Fatalf("partial chunk: %d tokens, complete %v", n, r.PrefillComplete)
	}
	if n := r.OnBatchEnd(4, 4); n != 1 || !r.PrefillComplete || r.Processed != 11 || r.PrefillCompletedAt != 4 {
		t.Fatalf("prefill end: %d tokens, processed %d, prefill_completed_at %v", n, r.Processed, r.PrefillCompletedAt)
	}
	r.OnBatchEnd(5, 1)
	if n := r.OnBatchEnd(6, 1); n != 1 || !r.Completed || r.CompletedAt != 6 || r.Emitted != 3 {
		t.Fatalf("end: completed %v at %v, emitted %d", r.Completed, r.CompletedAt, r.Emitted)
	}
	one := NewRequest(1, 0, 5, 1)
	one.OnBatchEnd(1, 5)
	if !one.Completed || one.CompletedAt != 1 || one.PrefillCompletedAt != 1 {
		t.Fatalf("decode=1 request not completed at its prefill end")
	}
}

// TestSpec2_1_Restart: what was processed becomes the prompt; the first
// scheduled_at and prefill_completed_at are kept; no token is emitted twice.
func TestSpec2_1_Restart(t *testing.T) {
	r := NewRequest(0, 0, 8, 5)
	r.OnBatchSchedule(1)
	r.OnBatchEnd(2, 8) // processed 9, 1 token
	r.OnBatchSchedule(2)
	r.OnBatchEnd(3, 1) // processed 10, 2 tokens
	r.Restart(false)
	if r.PrefillTokens != 10 || r.DecodeTokens != 3 || r.Processed != 0 || r.NumRestarts != 1 || r.Scheduled {
		t.Fatalf("after restart: %+v", r)
	}
	r.OnBatchSchedule(9)
	if r.ScheduledAt != 1 {
		t.Fatalf("scheduled_at moved to %v", r.ScheduledAt)
	}
	if n := r.OnBatchEnd(10, 10); n != 1 || r.Emitted != 3 || r.PrefillCompletedAt != 2 {
		t.Fatalf("re-prefill: %d new tokens, emitted %d, prefill_completed_at %v", n, r.Emitted, r.PrefillCompletedAt)
	}
}

// TestSpec10_7_RestartPartialPrefill: Vidur turns a partially prefilled
// victim's unprocessed prompt into decode tokens (compat); the default
// keeps the prompt.
func TestSpec10_7_RestartPartialPrefill(t *testing.T) {
	for _, compat := range []bool{false, true} {
		r := NewRequest(0, 0, 100, 10)
		r.OnBatchEnd(1, 40)
		r.Restart(compat)
		wantP, wantD := 100, 10
		if compat {
			wantP, wantD = 40, 70
		}
		if r.PrefillTokens != wantP || r.DecodeTokens != wantD {
			t.Errorf("compat %v: %d+%d, want %d+%d", compat, r.PrefillTokens, r.DecodeTokens, wantP, wantD)
		}
	}
}

// TestSpec2_1_PreemptedTime sums gaps between a request's stage runs.
func TestSpec2_1_PreemptedTime(t *testing.T) {
	r := NewRequest(0, 0, 4, 4)
	r.OnStageSchedule(1)
	r.OnStageEnd(2, 1, 1)
	r.OnStageSchedule(5)
	r.OnStageEnd(6, 1, 0.5)
	if r.PreemptedTime != 3 || r.ExecutionTime != 2 || r.ModelExecutionTime != 1.5 {
		t.Fatalf("preempted %v exec %v model %v", r.PreemptedTime, r.ExecutionTime, r.ModelExecutionTime)
	}
}

// TestSpec4_5_WorkedExample is the worked key example of vidur-semantics.md §4.6:
// decodes with processed {100, 200, 301} plus a 256-token chunk of a
// request with 512 prompt tokens done.
func TestSpec4_5_WorkedExample(t *testing.T) {
	var reqs []*Request
	for _, p := range []int{100, 200, 301} {
		r := NewRequest(len(reqs), 0, 50, 1000)
		r.Processed, r.PrefillComplete = p, true
		reqs = append(reqs, r)
	}
	pr := NewRequest(3, 0, 1024, 10)
	pr.Processed = 512
	reqs = append(reqs, pr)
	b := NewBatch(0, 0, reqs, []int{1, 1, 1, 256})
	if b.TotalTokens != 259 || b.TotalTokensRounded != 264 || b.PrefillTokens != 256 {
		t.Fatalf("tokens %d rounded %d prefill %d", b.TotalTokens, b.TotalTokensRounded, b.PrefillTokens)
	}
	db, dkv, np, pkv, sq := b.AttentionParams(64)
	if db != 3 || dkv != 256 || np != 1 || pkv != 512 || sq != 65536 {
		t.Fatalf("decode (%d, %d), prefill n=%d (%d, %d)", db, dkv, np, pkv, sq)
	}
}
