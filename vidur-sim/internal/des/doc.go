// Package des is the discrete-event core of vidur-sim: simulated time and
// an event queue ordered by (time, creation sequence).
//
// Vidur (vidur-semantics.md §1.1) orders its heap by (time, event id) where the id
// is a global counter over every event constructed; its event-type
// priorities are dead code. [Queue] reproduces exactly that order. The
// package has no wall clock, no goroutines and no random source.
package des
