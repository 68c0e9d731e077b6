// Package weights reads Hugging Face safetensors checkpoints (one file or a
// sharded index; F32, F16, BF16) or draws synthetic weights from a seed, and
// binds the Hugging Face tensor names to the decoder's parts in one place
// (bind.go), checking every shape.
//
// Files are memory-mapped: F32 and BF16 tensors are used in place, so a
// large checkpoint is not copied on load; F16 is widened to fp32.
package weights
