// Package backend is the narrow interface the model is written against:
// coarse whole-tensor operations (projections, norms, rotary, attention over
// a paged KV cache), so one call does a lot of work and a GPU backend can
// keep everything on the device. Backends register themselves by name;
// cpu is the pure-Go default, cuda exists only with -tags cuda.
package backend
