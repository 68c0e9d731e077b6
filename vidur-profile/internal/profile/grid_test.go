package profile

import (
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

func TestGridsAndStats(t *testing.T) {
	g := TokenGrid(512, 1)
	if g[0] != 1 || g[3] != 8 || g[len(g)-1] != 512 {
		t.Errorf("grid %v", g)
	}
	if g4 := TokenGrid(500, 4); g4[len(g4)-1] != 496 {
		t.Errorf("thinned grid must keep its largest point: %v", g4)
	}
	s := artifacts.Summarise([]float64{4, 1, 3, 2})
	if s.Min != 1 || s.Max != 4 || s.Median != 2.5 || s.Mean != 2.5 || s.Std != 1.118033988749895 {
		t.Errorf("stats %+v", s)
	}
}
