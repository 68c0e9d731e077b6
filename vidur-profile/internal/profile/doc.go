// Package profile measures the engine's operators on a grid of shapes and
// writes them in Vidur's profiling layout (vidur-semantics.md §5), so that both
// Python Vidur and vidur-sim read the bundle.
//
// The timings come from the engine's own operator hooks around the very
// kernels real-bench runs; nothing here re-implements an operator.
package profile
