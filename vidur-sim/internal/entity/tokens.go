package entity

import (
	"math/bits"
	"sync"
)

// A run with token metrics records every output token's time and batch
// size on its request until an observer has written them: two arrays per
// request, 32 MB for 10,000 requests, each page of which faulted in afresh
// and then went to the collector. GrowTokens and ReleaseTokens recycle
// them instead, by power-of-two capacity: the arrays in use at once are
// those of the running requests and of the requests an observer has not
// written yet.

// tokenArrays is a pair of released arrays of one capacity.
type tokenArrays struct {
	times []float64
	sizes []int
}

// tokenClasses covers capacities 16 to 16·2^15 tokens; larger arrays are
// not recycled.
const tokenClasses = 16

var tokenPools [tokenClasses]sync.Pool

// tokenClass is the class of capacity n's arrays and their capacity.
func tokenClass(n int) (int, int) {
	c := max(0, bits.Len(uint(max(n, 1)-1))-4)
	return c, 16 << c
}

// GrowTokens gives r empty TokenTimes and TokenBatch arrays with room for
// n tokens, recycled when a released pair fits.
func (r *Request) GrowTokens(n int) {
	c, size := tokenClass(n)
	if c < tokenClasses {
		if a, ok := tokenPools[c].Get().(*tokenArrays); ok {
			r.TokenTimes, r.TokenBatch = a.times[:0], a.sizes[:0]
			return
		}
	} else {
		size = n
	}
	r.TokenTimes, r.TokenBatch = make([]float64, 0, size), make([]int, 0, size)
}

// ReleaseTokens hands a request's token arrays back for later requests,
// once nothing reads them; it may be called from any goroutine.
func ReleaseTokens(times []float64, sizes []int) {
	if cap(times) != cap(sizes) {
		return // not a pair GrowTokens made
	}
	c, size := tokenClass(cap(times))
	if c >= tokenClasses || size != cap(times) {
		return
	}
	tokenPools[c].Put(&tokenArrays{times, sizes})
}
