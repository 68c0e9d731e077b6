// Package llm is the project's inference engine: a Qwen3-family decoder
// (also Qwen2- and Llama-style configurations) over a paged KV cache, with
// iteration-level schedulers (transformers, sarathi, vllm) and a Runner
// that real-bench drives in real time.
//
// The CPU path is pure Go: projections go through gonum's Sgemm on
// [out][in] fp32 weights (the fastest pure-Go GEMM measured on the build
// machine, go-libraries.md §8), attention and the element-wise kernels
// are plain Go spread over goroutines. Every operator reports its time
// through an optional OpTimer under Vidur's operator names, so
// vidur-profile times exactly the kernels real-bench runs.
package llm
