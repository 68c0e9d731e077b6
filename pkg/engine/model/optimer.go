package model

// Vidur's operator names (vidur-spec.md), used for OpTimer calls.
const (
	OpEmb             = "emb"
	OpInputLayernorm  = "input_layernorm"
	OpAttnPreProj     = "attn_pre_proj" // fused q/k/v projection (+ biases)
	OpAttnQKNorm      = "attn_qk_norm"  // Qwen3 only
	OpAttnRope        = "attn_rope"
	OpAttnKVCacheSave = "attn_kv_cache_save"
	OpAttnPrefill     = "attn_prefill"
	OpAttnDecode      = "attn_decode"
	OpAttnPostProj    = "attn_post_proj"
	OpPostAttnNorm    = "post_attention_layernorm"
	OpMLPUpProj       = "mlp_up_proj" // fused gate+up
	OpMLPAct          = "mlp_act"
	OpMLPDownProj     = "mlp_down_proj"
	OpAdd             = "add" // each residual add
	OpNorm            = "norm"
	OpLMHead          = "lm_head"
	OpSample          = "sample"
)

// OpTimer is told when each operator starts and ends. layer is the decoder
// layer, or -1 outside the layers. tokens is the number of rows the
// operator processes (for attention, the rows of that phase). The cpu
// backend is synchronous, so OpEnd follows the work; an asynchronous
// backend must synchronise before OpEnd when a timer is set.
type OpTimer interface {
	OpStart(op string, layer, tokens int)
	OpEnd(op string, layer, tokens int)
}

// op brackets f with the timer; with no timer it is a plain call, which
// the compiler inlines, so the hook costs nothing when unused.
func (m *Model) start(op string, layer, tokens int) {
	if m.Timer != nil {
		m.sync()
		m.Timer.OpStart(op, layer, tokens)
	}
}

func (m *Model) end(op string, layer, tokens int) {
	if m.Timer != nil {
		m.sync()
		m.Timer.OpEnd(op, layer, tokens)
	}
}

// syncer is an asynchronous backend (cuda): Sync waits for queued work.
type syncer interface{ Sync() error }

// sync waits for an asynchronous backend, so a timer brackets the
// operator's work and not its launch. Only called with a timer set.
func (m *Model) sync() {
	if s, ok := m.B.(syncer); ok {
		_ = s.Sync() // a failed wait shows up as the next call's error
	}
}
