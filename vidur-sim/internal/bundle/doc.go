// Package bundle loads a profiling bundle for the simulator: it reads the
// files through pkg/artifacts, keeps the rows of one model and
// parallelism, drops whole-row duplicates as Vidur does, and hands the
// predictors a column view (Rows) of the keys and medians they train on.
// Predicting is package predict's.
package bundle
