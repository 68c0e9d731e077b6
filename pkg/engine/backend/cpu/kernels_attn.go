package cpu

// The pure-Go twins of the attention kernels (kernels_attn_amd64.s), over
// the KV store's layouts (attention.go). The bf16 ones compute what
// VDPBF16PS computes (dotBB's pair order, subnormals read as zero), in the
// same order per output, so the assembly matches them exactly.

// scoresFFGo: s[r*lds+j] = Σ_c q[r*ldq+c]·k[c*ldk+j] for j < 16 and
// r < rows: one row of scores per query row against 16 transposed keys.
func scoresFFGo(s []float32, lds int, q []float32, ldq int, k []float32, ldk, d, rows int) {
	for r := range rows {
		var acc [16]float32
		qr := q[r*ldq : r*ldq+d]
		for c, x := range qr {
			kr := k[c*ldk : c*ldk+16]
			for j := range acc {
				acc[j] += x * kr[j]
			}
		}
		copy(s[r*lds:r*lds+16], acc[:])
	}
}

// scoresBBGo is scoresFFGo over bf16 queries and keys whose dimensions
// come in pairs: k[(c/2)*ldk+2j+c%2] is dimension c of key j. Pair i adds
// into partial sum i%4, and the partials combine as (0+1)+(2+3), the
// assembly's order.
func scoresBBGo(s []float32, lds int, q []uint16, ldq int, k []uint16, ldk, d, rows int) {
	for r := range rows {
		var acc [4][16]float32
		qr := q[r*ldq : r*ldq+d]
		for c := 0; c+1 < d; c += 2 {
			q0, q1 := widenDAZ(qr[c]), widenDAZ(qr[c+1])
			kr := k[(c/2)*ldk : (c/2)*ldk+32]
			a := &acc[(c/2)%4]
			for j := range a {
				a[j] += q1 * widenDAZ(kr[2*j+1])
				a[j] += q0 * widenDAZ(kr[2*j])
			}
		}
		for j := range 16 {
			s[r*lds+j] = (acc[0][j] + acc[1][j]) + (acc[2][j] + acc[3][j])
		}
	}
}

// pvBBGo: o[c] += Σ_i p[2i]·v[i*2d+2c] + p[2i+1]·v[i*2d+2c+1] for c < d
// over pairs i < pairs: bf16 probabilities times value rows stored in
// slot pairs.
func pvBBGo(o []float32, p []uint16, v []uint16, d, pairs int) {
	o = o[:d]
	for i := range pairs {
		p0, p1 := widenDAZ(p[2*i]), widenDAZ(p[2*i+1])
		vr := v[i*2*d : (i+1)*2*d]
		for c := range o {
			o[c] += p1 * widenDAZ(vr[2*c+1])
			o[c] += p0 * widenDAZ(vr[2*c])
		}
	}
}

// pvBB2RunGo is pvBB2Run as one pvBB2 call per block.
func pvBB2RunGo(o []float32, ldo int, p []uint16, ldp, pstep int, v []uint16, tab []int, d, pairs int) {
	eachTableBlock(v, tab, func(i, off int) {
		pvBB2(o, ldo, p[i*pstep:], ldp, v[off:], d, pairs)
	})
}

// scoresBB2RunGo is scoresBB2Run as one scoresBB call per block.
func scoresBB2RunGo(s []float32, lds int, q []uint16, ldq int, k []uint16, ldk, d int, tab []int) {
	eachTableBlock(k, tab, func(i, off int) {
		scoresBB(s[16*i:], lds, q, ldq, k[off:], ldk, d, 2)
	})
}

// eachTableBlock walks a multi-block kernel's table (kvStore.blockTable)
// over the store x as the kernels do: for block i, the request for the
// next block's first KiB (what of it lies in x), then f with the block's
// offset.
func eachTableBlock(x []uint16, tab []int, f func(i, off int)) {
	for i := 0; i+1 < len(tab); i++ {
		next := tab[i+1]
		prefetch16(x[next:min(next+attnHead, len(x))])
		f(i, tab[i])
	}
}
