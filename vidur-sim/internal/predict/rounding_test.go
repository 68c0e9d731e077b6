package predict

import (
	"testing"

	"github.com/simcheck/simcheck/vidur-sim/internal/entity"
)

// vidur-semantics.md §4.5 rounds the token count up to 8; a CPU bundle sets 1.
func TestSection4_5_TokenRoundingSetting(t *testing.T) {
	reqs := []*entity.Request{{}, {}, {}}
	b := entity.NewBatch(0, 0, reqs, []int{1, 1, 1})
	for _, tc := range []struct{ g, want int }{{0, 8}, {8, 8}, {1, 3}, {2, 4}, {16, 16}} {
		s := Settings{TokenRounding: tc.g}
		if got := s.tokensKey(b); got != tc.want {
			t.Errorf("rounding %d: key %d, want %d", tc.g, got, tc.want)
		}
	}
}
