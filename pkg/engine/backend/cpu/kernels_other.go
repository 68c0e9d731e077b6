//go:build !amd64 || purego

package cpu

const haveAVX512 = false

func tile4x4(x []float32, ldx int, w wrow, ldw, k int, out *[16]float32) {
	tile4x4Go(x, ldx, w, ldw, k, out)
}

func tile1x4(x []float32, w wrow, ldw, k int, out *[4]float32) { tile1x4Go(x, w, ldw, k, out) }

func pv(out, p, v []float32, ldv, t, d int) { pvGo(out, p, v, ldv, t, d) }
