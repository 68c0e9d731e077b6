// Package peak measures the two machine limits the engine's speed targets
// are stated against (docs/engine.md, "Speed"): the streaming-read memory
// bandwidth, which bounds a batch-1 decode step (every weight byte is read
// once), and the peak fp32 FMA rate, which bounds a prefill.
//
// Both are plain loops whose only job is to saturate one resource: a sum
// over a large array with several independent vector accumulators (so the
// add latency never stalls the loads), and a register-only run of
// independent fused multiply-adds (enough of them in flight to cover the
// FMA latency on both FMA ports). On amd64 they are Go assembly, AVX-512
// where the CPU has it and AVX2 otherwise; every kernel has a pure-Go twin
// (the fallback under -tags purego and on other GOARCH) that computes the
// same result and is the reference in the tests.
//
// The measurements themselves are Go benchmarks (peak_test.go), run by
// scripts/bench/engine.sh before the Qwen3-0.6B engine benchmarks so that
// all the figures come from one run on one machine.
package peak
