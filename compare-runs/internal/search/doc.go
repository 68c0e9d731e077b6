// Package search builds the search report: the capacity searches of a
// grid of configurations (a vidur-sim --multirun with sim.mode=capacity),
// side by side. It lists every configuration with its capacity and the
// GPUs it occupies, picks the best configuration for each SLO, and finds
// the Pareto front of capacity against GPUs.
//
// The package computes from values already read: the jobs of the sweeps'
// manifests and their capacity.json documents (pkg/artifacts). Reading
// them, and deciding what a job that has none means, is the caller's.
package search
