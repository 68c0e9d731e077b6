package cpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAttnKernelsMatchGoTwins: the attention kernels (assembly where the
// machine has it) against their Go twins, over 1 to 4 rows, head
// dimensions on and off the assembly's steps, strides wider than a row,
// and 1 to 8 value pairs. The bf16 kernels sum in the twins' order, so
// they must agree bit for bit; the fp32 score kernel fuses its multiply-adds,
// so it agrees to a few roundings of Σ|q·k|.
func TestAttnKernelsMatchGoTwins(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	f32 := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = float32(r.NormFloat64())
		}
		return s
	}
	for _, d := range []int{6, 8, 16, 20, 64, 128, 192, 256} {
		for rows := 1; rows <= 4; rows++ {
			const lds, ldk = 40, 48
			ldq := d + 8
			q, k := f32(rows*ldq), f32(d*ldk)
			got, want := make([]float32, rows*lds), make([]float32, rows*lds)
			scoresFF(got, lds, q, ldq, k, ldk, d, rows)
			scoresFFGo(want, lds, q, ldq, k, ldk, d, rows)
			for i := range rows {
				for j := range 16 {
					var abs float64
					for c := range d {
						abs += math.Abs(float64(q[i*ldq+c]) * float64(k[c*ldk+j]))
					}
					if diff := math.Abs(float64(got[i*lds+j] - want[i*lds+j])); diff > 4*float64(d)*u*abs {
						t.Fatalf("scoresFF d=%d rows=%d [%d][%d] = %g, twin %g", d, rows, i, j, got[i*lds+j], want[i*lds+j])
					}
				}
			}
			if d%2 != 0 {
				continue
			}
			qb, kb := bfSlice(r, rows*ldq, false), bfSlice(r, d/2*2*ldk, false)
			clear(got)
			clear(want)
			scoresBB(got, lds, qb, ldq, kb, 2*ldk, d, rows)
			scoresBBGo(want, lds, qb, ldq, kb, 2*ldk, d, rows)
			for i := range rows {
				for j := range 16 {
					if got[i*lds+j] != want[i*lds+j] {
						t.Fatalf("scoresBB d=%d rows=%d [%d][%d] = %g, twin %g", d, rows, i, j, got[i*lds+j], want[i*lds+j])
					}
				}
			}
		}
		for pairs := 1; pairs <= 8; pairs++ {
			p, v := bfSlice(r, 2*pairs, false), bfSlice(r, pairs*2*d, false)
			o0 := f32(d)
			got, want := append([]float32(nil), o0...), append([]float32(nil), o0...)
			pvBB(got, p, v, d, pairs)
			pvBBGo(want, p, v, d, pairs)
			for c := range d {
				if got[c] != want[c] {
					t.Fatalf("pvBB d=%d pairs=%d [%d] = %g, twin %g", d, pairs, c, got[c], want[c])
				}
			}
			// Two rows sharing the value loads (64- and 128-column
			// kernels): each row as pvBBGo gives it.
			ldp, ldo := 2*pairs+6, d+3
			pp := bfSlice(r, ldp+2*pairs, false)
			o2 := f32(ldo + d)
			got2, want2 := append([]float32(nil), o2...), append([]float32(nil), o2...)
			pvBB2(got2, ldo, pp, ldp, v, d, pairs)
			pvBBGo(want2, pp, v, d, pairs)
			pvBBGo(want2[ldo:], pp[ldp:], v, d, pairs)
			for c := range want2 {
				if got2[c] != want2[c] {
					t.Fatalf("pvBB2 d=%d pairs=%d [%d] = %g, twin %g", d, pairs, c, got2[c], want2[c])
				}
			}
			// The twin itself against float64: it accumulates onto o.
			for c := range d {
				ref := float64(o0[c])
				for i := range 2 * pairs {
					ref += float64(widenDAZ(p[i])) * float64(widenDAZ(v[(i/2)*2*d+2*c+i%2]))
				}
				if math.Abs(float64(want[c])-ref) > 1e-5*math.Max(1, math.Abs(ref)) {
					t.Fatalf("pvBBGo d=%d pairs=%d [%d] = %g, float64 %g", d, pairs, c, want[c], ref)
				}
			}
		}
	}
	if !haveBF16 {
		t.Log("no AVX512_BF16 here: the bf16 kernels ran as their twins")
	}
}

// TestPVBB2RunMatchesBlocks: the multi-block value kernel gives the bits
// of one pvBB2 call per block, over block tables that run on, jump back
// and repeat a block, with 1 to 8 pairs a block.
func TestPVBB2RunMatchesBlocks(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	const d, region = 128, 16 * 128
	v := bfSlice(r, 12*region, false)
	for _, blocks := range [][]int{{0}, {0, 1, 2, 3}, {5, 2, 9, 3, 3, 11}, {11, 10, 9}} {
		for pairs := 1; pairs <= 8; pairs++ {
			const pstep, ldp, ldo = 16, 200, 131
			p := bfSlice(r, (len(blocks)-1)*pstep+ldp+2*pairs, false)
			tab := testBlockTable(blocks, region)
			o0 := make([]float32, ldo+d)
			for i := range o0 {
				o0[i] = float32(r.NormFloat64())
			}
			got, want := append([]float32(nil), o0...), append([]float32(nil), o0...)
			pvBB2Run(got, ldo, p, ldp, pstep, v, tab, d, pairs)
			for i, b := range blocks {
				pvBB2(want, ldo, p[i*pstep:], ldp, v[b*region:], d, pairs)
			}
			for c := range want {
				if got[c] != want[c] {
					t.Fatalf("blocks %v, %d pairs: [%d] = %g, block by block %g", blocks, pairs, c, got[c], want[c])
				}
			}
		}
	}
}

// TestScoresBB2RunMatchesBlocks: the multi-block score kernel gives the
// bits of one scoresBB call per block.
func TestScoresBB2RunMatchesBlocks(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	// d = 16 and 24: a block is smaller than the KiB asked for ahead, and
	// {3, 10} asks for the store's last block.
	for _, d := range []int{16, 24, 64, 128, 192} {
		region := 16 * d
		k := bfSlice(r, 12*region, false)
		const ldq, lds = 200, 300
		q := bfSlice(r, ldq+d, false)
		for _, blocks := range [][]int{{0}, {0, 1, 2, 3}, {5, 2, 9, 3, 3, 11}, {11, 10, 9}, {3, 10}} {
			tab := testBlockTable(blocks, region)
			got, want := make([]float32, lds+16*len(blocks)), make([]float32, lds+16*len(blocks))
			scoresBB2Run(got, lds, q, ldq, k, 32, d, tab)
			for i, b := range blocks {
				scoresBB(want[16*i:], lds, q, ldq, k[b*region:], 32, d, 2)
			}
			for c := range want {
				if got[c] != want[c] {
					t.Fatalf("d=%d blocks %v: [%d] = %g, block by block %g", d, blocks, c, got[c], want[c])
				}
			}
		}
	}
}

// testBlockTable is a multi-block kernel's table over blocks of region
// values each in a store of 12, the last entry a block only asked for
// (the one after the last block).
func testBlockTable(blocks []int, region int) []int {
	var tab []int
	for _, b := range blocks {
		tab = append(tab, b*region)
	}
	return append(tab, (blocks[len(blocks)-1]+1)%12*region)
}
