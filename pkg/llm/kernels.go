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

// rope rotates pairs (i, i+d/2) of one head vector by position pos, the
// "neox" layout Hugging Face's Qwen and Llama use.
func rope(v []float32, pos int, inv []float64) {
	half := len(v) / 2
	for i := 0; i < half; i++ {
		s, c := math.Sincos(float64(pos) * inv[i])
		a, b := float64(v[i]), float64(v[i+half])
		v[i] = float32(a*c - b*s)
		v[i+half] = float32(b*c + a*s)
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
