// Package align loads the runs of a comparison and lines them up: it
// reads run directories (and Python Vidur output directories as
// request-level simulated runs), checks that every run replayed the same
// workload, reads each run's configuration (its scheduler settings,
// model and hardware) and lists the scheduler settings on which a
// simulated run differs from a real one, and pairs requests and tokens
// by id.
//
// Latencies are never computed here: every per-request figure comes from
// [artifacts.RequestRecord.Metrics], every token latency from the run's
// token_metrics.csv. What this package does to records is limited to
// re-expressing them (a Vidur row becomes timestamps relative to its
// arrival) or cutting a simulated request short where the real one
// stopped early, so that the shared definition still applies.
package align
