// Package replay replays a workload on the project's own Go engine
// (pkg/engine) in real time: each request becomes visible to the scheduler
// at its arrival time (open loop), and every output token is stamped when
// the engine step that sampled it ends, on a monotonic clock.
package replay
