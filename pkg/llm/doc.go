// Package llm is the project's inference engine: a Qwen3-family decoder
// (also Qwen2- and Llama-style configurations) over a paged KV cache, with
// iteration-level schedulers (transformers, sarathi, vllm) and a Runner
// that real-bench drives in real time.
//
// The CPU path needs no cgo: projections stream fp32 weights kept in
// Hugging Face's [out][in] layout through gonum's Sdot (a few token rows,
// bandwidth-bound) or an AVX2+FMA tile kernel in Go assembly (four rows
// or more); attention reads the paged KV cache in place with the same
// kind of kernels; other CPUs and -tags purego fall back to gonum
// (docs/engine.md has the measurements behind each choice). Every
// operator reports its time through an optional OpTimer under Vidur's
// operator names, so vidur-profile times exactly the kernels real-bench
// runs.
package llm
