//go:build !purego

package cpu

//go:noescape
func scoresFFAVX512(s *float32, lds int, q *float32, ldq int, k *float32, ldk int, d int, rows int)

//go:noescape
func scoresBBAVX512(s *float32, lds int, q *uint16, ldq int, k *uint16, ldk int, d int, rows int)

//go:noescape
func pvBBAVX512(o *float32, p *uint16, v *uint16, d int, pairs int)

// The wrappers check bounds once, in Go, because the assembly trusts its
// arguments; then pick assembly when the shapes fit its steps.

func scoresFF(s []float32, lds int, q []float32, ldq int, k []float32, ldk, d, rows int) {
	if !haveAVX512 || d%4 != 0 || d == 0 || rows < 1 || rows > 4 {
		scoresFFGo(s, lds, q, ldq, k, ldk, d, rows)
		return
	}
	_ = s[(rows-1)*lds+15]
	_ = q[(rows-1)*ldq+d-1]
	_ = k[(d-1)*ldk+15]
	scoresFFAVX512(&s[0], lds, &q[0], ldq, &k[0], ldk, d, rows)
}

func scoresBB(s []float32, lds int, q []uint16, ldq int, k []uint16, ldk, d, rows int) {
	if !haveBF16 || d%8 != 0 || d == 0 || rows < 1 || rows > 4 {
		scoresBBGo(s, lds, q, ldq, k, ldk, d, rows)
		return
	}
	_ = s[(rows-1)*lds+15]
	_ = q[(rows-1)*ldq+d-1]
	_ = k[(d/2-1)*ldk+31]
	scoresBBAVX512(&s[0], lds, &q[0], ldq, &k[0], ldk, d, rows)
}

func pvBB(o []float32, p []uint16, v []uint16, d, pairs int) {
	if !haveBF16 || d%64 != 0 || pairs == 0 {
		pvBBGo(o, p, v, d, pairs)
		return
	}
	_ = o[d-1]
	_ = p[2*pairs-1]
	_ = v[(pairs-1)*2*d+2*d-1]
	pvBBAVX512(&o[0], &p[0], &v[0], d, pairs)
}

//go:noescape
func pvBB2WAVX512(o *float32, ldo int, p *uint16, ldp int, v *uint16, d int, pairs int)

//go:noescape
func pvBB2AVX512(o *float32, ldo int, p *uint16, ldp int, v *uint16, d int, pairs int)

// pvBB2 is pvBB for rows o[:d] and o[ldo:ldo+d] with probabilities p and
// p[ldp:], each value row loaded once for both.
func pvBB2(o []float32, ldo int, p []uint16, ldp int, v []uint16, d, pairs int) {
	if !haveBF16 || d%64 != 0 || pairs == 0 {
		pvBBGo(o, p, v, d, pairs)
		pvBBGo(o[ldo:], p[ldp:], v, d, pairs)
		return
	}
	_ = o[ldo+d-1]
	_ = p[ldp+2*pairs-1]
	_ = v[(pairs-1)*2*d+2*d-1]
	if d%128 == 0 {
		pvBB2WAVX512(&o[0], ldo, &p[0], ldp, &v[0], d, pairs)
		return
	}
	pvBB2AVX512(&o[0], ldo, &p[0], ldp, &v[0], d, pairs)
}

//go:noescape
func pvBB2RunAVX512(o *float32, ldo int, p *uint16, ldp int, pstep int, v *uint16, tab *int, nblk int, pairs int)

// pvBB2Run is pvBB2 over several value blocks at once, the two output rows
// kept in registers from the first block to the last: block i's value
// pair rows start tab[i] values into v, and before it starts it asks for
// the first KiB at tab[i+1] (the next block's: a table of n blocks has
// n+1 entries). Its probabilities start i·pstep values into p. Every block has pairs pair rows. The sums are those of
// one pvBB2 call per block.
func pvBB2Run(o []float32, ldo int, p []uint16, ldp, pstep int, v []uint16, tab []int, d, pairs int) {
	nblk := len(tab) - 1
	if nblk <= 0 {
		return
	}
	if !haveBF16 || d != 128 || pairs < 1 {
		pvBB2RunGo(o, ldo, p, ldp, pstep, v, tab, d, pairs)
		return
	}
	_ = o[ldo+d-1]
	_ = p[(nblk-1)*pstep+ldp+2*pairs-1]
	checkTable(v, tab, pairs*2*d)
	pvBB2RunAVX512(&o[0], ldo, &p[0], ldp, pstep, &v[0], &tab[0], nblk, pairs)
}

//go:noescape
func scoresBB2RunAVX512(s *float32, lds int, q *uint16, ldq int, k *uint16, ldk int, d int, tab *int, nblk int)

// scoresBB2Run is scoresBB for two query rows over several blocks of 16
// keys in one call: block i's keys start tab[i] values into k, and before
// it starts it asks for the first KiB at tab[i+1] (the table has an entry
// more than blocks). Its scores go to s[16i:] and s[lds+16i:]. The sums are those of one
// scoresBB call per block.
func scoresBB2Run(s []float32, lds int, q []uint16, ldq int, k []uint16, ldk, d int, tab []int) {
	nblk := len(tab) - 1
	if nblk <= 0 {
		return
	}
	if !haveBF16 || d%8 != 0 || d == 0 {
		scoresBB2RunGo(s, lds, q, ldq, k, ldk, d, tab)
		return
	}
	_ = s[lds+16*nblk-1]
	_ = q[ldq+d-1]
	checkTable(k, tab, (d/2-1)*ldk+32)
	scoresBB2RunAVX512(&s[0], lds, &q[0], ldq, &k[0], ldk, d, &tab[0], nblk)
}

// checkTable panics unless every block of a multi-block kernel's table
// lies in x, span values from its offset, and the last entry, a block only
// asked for, starts in x: the assembly trusts the table. The KiB asked for
// at a block may run past x's end (blocks of a head size under 32 are
// smaller than that); a request is a hint, which never faults.
func checkTable(x []uint16, tab []int, span int) {
	for i, off := range tab {
		_ = x[off]
		if i < len(tab)-1 {
			_ = x[off+span-1]
		}
	}
}
