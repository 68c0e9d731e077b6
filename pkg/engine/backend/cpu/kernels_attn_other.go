//go:build !amd64 || purego

package cpu

func scoresFF(s []float32, lds int, q []float32, ldq int, k []float32, ldk, d, rows int) {
	scoresFFGo(s, lds, q, ldq, k, ldk, d, rows)
}

func scoresBB(s []float32, lds int, q []uint16, ldq int, k []uint16, ldk, d, rows int) {
	scoresBBGo(s, lds, q, ldq, k, ldk, d, rows)
}

func pvBB(o []float32, p []uint16, v []uint16, d, pairs int) { pvBBGo(o, p, v, d, pairs) }

func pvBB2(o []float32, ldo int, p []uint16, ldp int, v []uint16, d, pairs int) {
	pvBBGo(o, p, v, d, pairs)
	pvBBGo(o[ldo:], p[ldp:], v, d, pairs)
}

func pvBB2Run(o []float32, ldo int, p []uint16, ldp, pstep int, v []uint16, tab []int, d, pairs int) {
	pvBB2RunGo(o, ldo, p, ldp, pstep, v, tab, d, pairs)
}

func scoresBB2Run(s []float32, lds int, q []uint16, ldq int, k []uint16, ldk, d int, tab []int) {
	scoresBB2RunGo(s, lds, q, ldq, k, ldk, d, tab)
}
