// Package record collects what a backend observes of each request (times
// on the run's clock, in seconds since t0) and turns it into the run
// artifacts. Latencies are never computed here: pkg/artifacts derives
// them from these raw times.
package record
