package record

import (
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

func TestRecorderStates(t *testing.T) {
	r := New([]artifacts.Request{{RequestID: 0, ArrivedAt: 1}, {RequestID: 1, ArrivedAt: 2}, {RequestID: 2, ArrivedAt: 3}}, 2)
	var seen []int
	r.OnFinish = func(n int) { seen = append(seen, n) }
	r.Token(0, 0, 2.5, 0)
	r.Token(0, 1, 2.7, 0)
	r.Token(0, 1, 2.9, 0) // recomputed after a restart: the first time stays
	r.Done(0)
	r.Fail(0, "late failure") // ignored: already done
	r.Fail(1, "boom")
	r.Done(1) // ignored for counting: already failed
	if n := r.Finish("interrupted"); n != 1 {
		t.Errorf("Finish marked %d, want 1", n)
	}
	if len(seen) != 2 || seen[1] != 2 {
		t.Errorf("OnFinish calls %v, want [1 2]", seen)
	}
	q := r.reqs[0]
	if q.ArrivedAt != 2 || len(q.Tokens) != 2 || q.Tokens[1] != 2.7 || q.Failed {
		t.Errorf("request 0: %+v", q)
	}
	if r.reqs[1].FailureReason != "boom" || r.reqs[2].FailureReason != "interrupted" {
		t.Errorf("reasons %q %q", r.reqs[1].FailureReason, r.reqs[2].FailureReason)
	}
}
