// Package arch describes a decoder-only model's shape as Hugging Face's
// config.json spells it. It is validated once, in Validate, so the rest of
// the engine can trust every field.
package arch
