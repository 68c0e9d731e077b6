// Package engine runs a Qwen3-family decoder over a paged KV cache with an
// iteration-level scheduler, one step at a time, for real-bench (which
// replays a workload in real time) and vidur-profile (which times the same
// operators one by one).
//
// The work is split into small packages: arch (the model shape from a
// config.json), weights (safetensors or synthetic), backend (the narrow op
// interface; cpu is the pure-Go default, cuda a stub unless built with
// -tags cuda), kvcache (block bookkeeping), model (the forward pass and
// sampling) and sched (transformers, sarathi and vllm policies). Runner ties
// them together behind Add/Step/Idle with an injected clock, so tests run on
// a fake clock and real-bench on a monotonic one.
package engine
