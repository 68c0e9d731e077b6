package cpu

// Packed bf16 weights. A bf16 matrix whose row count is a multiple of 16
// (and column count even) is stored, on a CPU with AVX512_BF16, as panels
// of 16 weight rows (16 output columns), each [k/2][16][2]: for every pair
// of input positions, the 16 rows' two values side by side. One panel row
// is then one zmm, and VDPBF16PS with an activation pair broadcast adds
// two products into each of 16 outputs: the outer-product form of a GEMM,
// with no horizontal sums and each loaded weight used by up to 8
// activation rows. The dot-product tiles (matmul_bf16.go) end every 4×4
// tile with 16 horizontal sums and reread the activations from L2; at 32
// rows they reached about half the bf16 peak.

// packable says whether a rows×cols bf16 matrix is stored packed.
func packable(rows, cols int) bool { return haveBF16 && rows > 1 && rows%16 == 0 && cols%2 == 0 }

// pack writes w (rows×k, row-major) into dst in the panel layout.
func (c *CPU) pack(dst, w []uint16, rows, k int) {
	c.parallel(rows/16, 8, func(_, p0, p1 int) {
		for p := p0; p < p1; p++ {
			pan := dst[p*16*k : (p+1)*16*k]
			for lane := range 16 {
				row := w[(16*p+lane)*k : (16*p+lane+1)*k]
				for kp := 0; kp < k/2; kp++ {
					pan[kp*32+lane*2] = row[2*kp]
					pan[kp*32+lane*2+1] = row[2*kp+1]
				}
			}
		}
	})
}

// packedAt is element (row, col) of a packed rows×k matrix.
func packedAt(pk []uint16, k, row, col int) uint16 {
	return pk[(row/16)*16*k+(col/2)*32+(row%16)*2+col&1]
}

// panelGroup is the panels one kernel call covers.
const panelGroup = 3

// matmulPacked is y = xb·wᵀ for the m bf16 activation rows xb (m×k) and
// packed w: groups of 3 panels (48 outputs) split over the workers, each
// swept by blocks of up to 8 activation rows, the group's panels staying
// in L2 from one block to the next.
//
// Only the first block of a group reads its weights from memory; the
// later ones compute on cached weights and would leave the memory bus
// idle. So full 8-row blocks after the first each fetch one panel of the
// worker's next group into L2 meanwhile (at 32 rows, blocks 2-4 fetch
// the next group's 3 panels), and that group's first block finds its
// weights in cache.
func (c *CPU) matmulPacked(y []float32, xb []uint16, m, k int, w *Tensor) {
	n := w.rows
	panels := n / 16
	panel := 16 * k // values per panel
	c.sweepGroups(panels, m, func(p0, np, next int) {
		// Panels of the next group this worker computes.
		nextPanels := 0
		if next >= 0 {
			nextPanels = min(panelGroup, panels-next*panelGroup)
		}
		for b, r0 := 0, 0; r0 < m; b, r0 = b+1, r0+8 {
			rows := min(8, m-r0)
			if rows == 8 && np == panelGroup && b >= 1 && b <= nextPanels {
				pf := w.pk[(next*panelGroup+b-1)*panel:]
				gemm8x3PF(y[r0*n+16*p0:], n, xb[r0*k:], k, w.pk[p0*panel:], panel, k/2, pf)
				continue
			}
			gemm(y[r0*n+16*p0:], n, xb[r0*k:], k, w.pk[p0*panel:], panel, k/2, rows, np)
		}
	})
}

// sweepGroups hands the groups of panelGroup panels out of panels to the
// workers: f gets a group's first panel, its panel count and the index of
// the group the worker takes next (-1 for none). With more than 8 rows a
// worker needs to know its next group in advance (the products fetch it),
// so the groups are swept from both ends; with one block of rows (m <= 8)
// the workers keep to ascending chunks, where each group's weight streams
// run on into the next group's.
func (c *CPU) sweepGroups(panels, m int, f func(p0, np, next int)) {
	groups := (panels + panelGroup - 1) / panelGroup
	grain := max(1, groups/(8*c.threads))
	c.sweep(groups, grain, m > 8, func(_, g, next int) {
		p0 := g * panelGroup
		f(p0, min(panelGroup, panels-p0), next)
	})
}
