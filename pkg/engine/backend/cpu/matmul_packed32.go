package cpu

//go:generate go run gen_packed32.go

// Packed fp32 weights. An fp32 matrix whose row count is a multiple of 16
// is stored, on a CPU with AVX-512, as panels of 16 weight rows (16 output
// columns), each [k][16]: for every input position, the 16 rows' values
// side by side. One panel row is then one zmm, and an FMA with an
// activation broadcast adds a product into each of 16 outputs: the
// outer-product form of a GEMM, as the bf16 panels (matmul_packed.go) are,
// with no horizontal sums and each loaded weight used by up to 8
// activation rows. The dot-product tiles (matmul.go) end every 4×4 tile
// with 16 horizontal sums; at a 512-token prefill they reached about 60%
// of the fp32 FMA peak, and eager PyTorch (OpenBLAS) 53%.
//
// Every output accumulates its products in k order with one FMA each,
// whatever the row block or panel count of the kernel: a row's result does
// not depend on the batch it is in.

// packable32 says whether a rows×cols fp32 matrix is stored packed.
func packable32(rows, cols int) bool { return haveAVX512 && rows > 1 && rows%16 == 0 && cols > 0 }

// pack32 writes w (rows×k, row-major) into dst in the panel layout.
func (c *CPU) pack32(dst, w []float32, rows, k int) {
	c.parallel(rows/16, 8, func(_, p0, p1 int) {
		for p := p0; p < p1; p++ {
			pan := dst[p*16*k : (p+1)*16*k]
			for lane := range 16 {
				row := w[(16*p+lane)*k : (16*p+lane+1)*k]
				for kk, v := range row {
					pan[kk*16+lane] = v
				}
			}
		}
	})
}

// packedAt32 is element (row, col) of a packed fp32 rows×k matrix.
func packedAt32(pk []float32, k, row, col int) float32 {
	return pk[(row/16)*16*k+col*16+row%16]
}

// matmulPacked32 is y = x·wᵀ for the m fp32 activation rows x (m×k) and
// packed fp32 w: groups of panelGroup panels (48 outputs) split over the
// workers, each swept by blocks of up to 8 activation rows, the group's
// panels staying in L2 from one block to the next.
func (c *CPU) matmulPacked32(y, x []float32, m, k int, w *Tensor) {
	n := w.rows
	panel := 16 * k // values per panel
	c.sweepGroups(n/16, m, func(p0, np, _ int) {
		for r0 := 0; r0 < m; r0 += 8 {
			gemm32(y[r0*n+16*p0:], n, x[r0*k:], k, w.pk32[p0*panel:], panel, k, min(8, m-r0), np)
		}
	})
}
