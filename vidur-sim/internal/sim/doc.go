// Package sim composes the simulation: the event handlers of
// vidur-semantics.md §1.3 over the des queue, the replicas' schedulers and stage schedulers,
// and the predictor. It streams results to an [Observer] as requests and
// batches finish, so memory grows with the requests in flight only.
package sim
