// Package sched holds the iteration-level schedulers, selected by name:
// transformers (one request at a time, like HF generate), sarathi
// (Sarathi-Serve: token budget, decodes first, chunked prefills, FIFO
// admission) and vllm (the v0 policy as Sarathi reimplements it:
// prefill-only batches when any prompt can be admitted, else decode-only).
// serving-semantics.md §5 describes the policies; each rule is commented where
// it is coded.
//
// KV blocks are reserved through kvcache.Cache. When a decode needs a block
// and none is free, the most recently arrived running request is preempted
// by restart: its blocks are freed and it re-enters the queue at the front
// with its prompt and generated tokens to prefill again (Sarathi's
// recompute preemption), so no generated token is lost.
package sched
