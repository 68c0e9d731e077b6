// Package refdata gives tests a third-party reference case that the
// repository carries with it: real GPU operator timings of Qwen2-7B on an
// NVIDIA A30 in Vidur's profiling layout, and what Python Vidur produced
// from them for a 2,000-request trace (its per-request output and the
// lookup tables its predictor built). The simulator's exact-agreement
// tests run on it, so they run in any clone.
//
// The files are MIT-licensed measurements; testdata/README.md names their
// origin. Large files are stored gzip-compressed and come back
// uncompressed, in their original layout, under a test's temporary
// directory.
package refdata
