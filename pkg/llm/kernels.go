package llm

import (
	"math"
	"sync"
)

// rmsnorm normalises each row of x (rows × n) into y, scaled by w.
func rmsnorm(y, x, w []float32, rows, n int, eps float64) {
	for r := 0; r < rows; r++ {
		xr, yr := x[r*n:(r+1)*n], y[r*n:(r+1)*n]
		var ss float64
		for _, v := range xr {
			ss += float64(v) * float64(v)
		}
		inv := float32(1 / math.Sqrt(ss/float64(n)+eps))
		for i, v := range xr {
			yr[i] = v * inv * w[i]
		}
	}
}

// ropeTable returns, for each token row of the batch, the cosines then
// the sines of its position's d/2 rotary angles (computed in float64).
func ropeTable(batch []chunk, T int, inv []float64) []float32 {
	half := len(inv)
	cs := make([]float32, T*2*half)
	r := 0
	for _, ch := range batch {
		for i := range ch.tokens {
			for j, f := range inv {
				s, c := math.Sincos(float64(ch.start+i) * f)
				cs[r*2*half+j], cs[r*2*half+half+j] = float32(c), float32(s)
			}
			r++
		}
	}
	return cs
}

// rope rotates pairs (i, i+d/2) of one head vector by its position's
// angles, the "neox" layout Hugging Face's Qwen and Llama use.
func rope(v, cos, sin []float32) {
	half := len(v) / 2
	for i := 0; i < half; i++ {
		a, b := v[i], v[i+half]
		v[i] = a*cos[i] - b*sin[i]
		v[i+half] = b*cos[i] + a*sin[i]
	}
}

// parallel runs f(i) for i in [0, n) on up to workers goroutines.
func parallel(n, workers int, f func(i int)) {
	if n <= 1 || workers <= 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	var wg sync.WaitGroup
	next := make(chan int, n)
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	for w := 0; w < min(workers, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	wg.Wait()
}

func silu(x float32) float32 { return x / (1 + float32(math.Exp(float64(-x)))) }

// expNeg returns e^x for x ≤ 0 (softmax after subtracting the maximum) in
// float32 without math.Exp's float64 path, which was a large share of
// prefill attention: x = n·ln2 + r with |r| ≤ ln2/2, e^r by a degree-6
// Taylor polynomial (relative error < 3e-7), 2^n put in the exponent.
func expNeg(x float32) float32 {
	if x < -87 {
		return 0
	}
	n := float32(math.Floor(float64(x*1.442695041 + 0.5)))
	r := x - n*0.693145752 - n*1.42860677e-06
	p := 1 + r*(1+r*(0.5+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720))))))
	return p * math.Float32frombits(uint32(int32(n)+127)<<23)
}
