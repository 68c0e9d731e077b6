// Package gen generates a workload: arrival times, prompt and output
// lengths, and prompt texts cut to an exact token count.
//
// The length and arrival rules follow Vidur's synthetic request generator
// (vidur-semantics.md §8.2) so a workload means the same thing to both
// simulators; the random numbers come from our own seeded PCG streams,
// one per concern, so changing the length distribution does not move the
// arrivals.
package gen
