// Package metrics turns paired runs into the figures of a comparison:
// distribution statistics of each latency on both sides, their signed
// relative errors, per-request paired errors, distribution distances,
// the run-to-run noise floor of the real runs, and tolerance verdicts.
//
// Percentiles are montanaflynn/stats' Percentile, Hyndman–Fan type 7,
// which equals numpy's default linear interpolation (go-libraries.md §4;
// pinned at v0.14.0, the method holds from v0.8.0 on).
package metrics
