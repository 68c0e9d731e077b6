// Package cpu is the pure-Go backend (no cgo), the default. Work is spread
// over all cores by splitting output rows (projections) or (sequence, head,
// query-chunk) items (attention) across goroutines.
//
// Projections are dot-product tiles over Hugging Face's [out][in] weight
// layout: a 4×4 tile (4 activation rows × 4 weight rows) for batches and
// prefill, a 1×4 tile for single rows. On amd64 with AVX-512 the tiles, and
// the attention's probability×V accumulation, run in Go assembly
// (kernels_amd64.s); every kernel has a pure-Go twin (kernels.go) used
// elsewhere and compared against the assembly in kernels_test.go. Weights
// may stay bf16 (the checkpoint's dtype): the kernels widen them to fp32 in
// registers, which halves the bytes a decode step reads. The attention
// softmax and SiluMul share a vector exp (exp_amd64.s, Go twin in exp.go).
// docs/engine.md has the measurements behind these choices.
package cpu
