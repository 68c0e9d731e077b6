// Package cuda is the GPU backend. Without -tags cuda it only registers a
// constructor that explains how to get the real one, so asking for a GPU on
// a CPU-only build is a clear error, never a crash.
package cuda
