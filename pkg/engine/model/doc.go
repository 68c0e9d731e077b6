// Package model is the decoder's forward pass, written once against the
// backend interface: a batch of sequences, each contributing a chunk of new
// tokens (a whole or partial prefill over existing KV, or one decode token),
// KV written into the paged cache, logits returned for the sequences whose
// chunk ends at their last known token. An optional OpTimer sees every
// operator under Vidur's names, so vidur-profile times the exact kernels
// real-bench runs.
package model
