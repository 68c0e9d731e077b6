// Package predict turns a batch into a stage's execution time: the keys
// and rounding of vidur-semantics.md §4.5 and the composition of §4.6 ([Predictor]),
// over per-operation time models ([Model]).
//
// Two models exist. vidur_table ([LoadTables]) reads the *_predictions.csv
// lookup tables Python Vidur writes to its cache (vidur-semantics.md §4.7), so that a run
// reproduces Vidur's timestamps exactly. native ([Train]) is trained here
// on the profiling bundle (package bundle loads it) and chosen per
// operation by its error on a 20 %
// hold-out of the profile rows.
//
// Operations Vidur leaves out (embedding, final norm, LM head, sampling,
// Qwen3's q/k norm, CPU overheads) add into the stage time when the
// model has them and the settings allow it; when absent, the composition
// is Vidur's to the last floating-point operation.
package predict
