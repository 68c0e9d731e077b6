package runout

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestCountsMatchesMap: the ITL counter agrees with a Go map over many
// increments of few keys, through several growths of its table.
func TestCountsMatchesMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var c counts
	want := map[uint64]int{}
	for range 200_000 {
		k := rng.Uint64N(5000) * 0x10000 // keys that differ in high bits only, as float bits do
		c.add(k)
		want[k]++
	}
	got := map[uint64]int{}
	c.each(func(k uint64, n int) { got[k] = n })
	if c.len != len(want) || len(got) != len(want) {
		t.Fatalf("%d keys (len %d), want %d", len(got), c.len, len(want))
	}
	for k, n := range want {
		if got[k] != n {
			t.Fatalf("key %x counted %d, want %d", k, got[k], n)
		}
	}
}

// TestAppendInt: the digit-by-digit formatting equals strconv's.
func TestAppendInt(t *testing.T) {
	for _, v := range []int{0, 1, 9, 10, 99, 100, 999, 1000, 123456, -1, -99, -1000, 1 << 62} {
		if got, want := string(appendInt([]byte("x"), v)), "x"+strconv.Itoa(v); got != want {
			t.Errorf("appendInt(%d) = %q, want %q", v, got, want)
		}
	}
}
