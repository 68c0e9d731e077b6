//go:build !amd64 || purego

package cpu

const haveBF16 = false

func tile4x4BB(x []uint16, ldx int, w []uint16, ldw, k int, out *[16]float32) {
	tile4x4BBGo(x, ldx, w, ldw, k, out)
}

func tile1x4BB(x, w []uint16, ldw, k int, out *[4]float32) { tile1x4BBGo(x, w, ldw, k, out) }

func roundBF16s(dst []uint16, src []float32) { roundBF16Go(dst, src) }

func prefetch16([]uint16) {}
