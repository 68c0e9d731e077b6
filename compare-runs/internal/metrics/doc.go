// Package metrics turns paired runs into the figures of a comparison:
// distribution statistics of each latency on both sides, their signed
// relative errors, per-request paired errors, distribution distances,
// the run-to-run noise floor of the real runs, tolerance verdicts, and
// each run's `vllm bench serve` summary side by side.
//
// Percentiles are artifacts.Percentile, numpy's default linear
// interpolation (Hyndman–Fan type 7), the one definition every tool uses.
package metrics
