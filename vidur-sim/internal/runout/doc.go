// Package runout streams a simulation's results into a run directory, in
// the formats pkg/artifacts defines, plus the optional Chrome trace of
// batch stages, as requests and batches finish.
package runout
