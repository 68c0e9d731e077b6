// Package sched holds the replica schedulers of vidur-semantics.md §3 (sarathi,
// vllm, orca, faster_transformer, lightllm, plus transformers: one request
// at a time like Hugging Face generate), the KV block accounting and
// memory planner they share, and the global schedulers of vidur-semantics.md §3.8.
//
// Loop and break order follow Vidur exactly: which check stops admission
// first decides which request runs, and so every timestamp downstream.
package sched
