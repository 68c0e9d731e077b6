// Package entity holds the simulator's mutable entities, the request and
// the batch, with the state machines of vidur-semantics.md §2.1–§2.2.
//
// Every transition mirrors Python Vidur's order of float operations, so
// accumulated times (execution, preemption) match it bit for bit. Where
// Vidur has a bug (vidur-semantics.md §10), the method takes a compat flag: false is the
// correct behaviour, true is Vidur's.
package entity
