// Package capacity finds the highest request rate at which a simulated
// configuration still meets its latency objectives: the arrival times of
// a workload regenerated at each probed rate, the TTFT and token-gap
// quantiles of each probe, and a bisection between a rate that meets the
// objectives and one that does not.
//
// The package knows nothing of files or the command line; vidur-sim
// wires it to the simulator and writes the result.
package capacity
