// Package load builds the load report: several load points, each a
// simulated run against the real run(s) of one workload at one offered
// load, reported side by side against the offered load, with the
// latency–load curves and the capacity each side reaches at an SLO.
//
// Every figure of a point comes from the same paired samples a
// single comparison reports (metrics.Samples over the point's pairings),
// with the same percentile (artifacts.Percentile, numpy's linear) and the
// same noise floor (metrics.NoiseFloor), so a point's numbers are the
// ones `compare-runs real_run_dirs=… sim_run_dir=…` gives for that pair.
package load
