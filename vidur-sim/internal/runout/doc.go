// Package runout streams a simulation's results into a run directory
// (DESIGN §4.2) through pkg/artifacts, plus the optional Chrome trace of
// batch stages (vidur-spec §2.3), as requests and batches finish.
package runout
