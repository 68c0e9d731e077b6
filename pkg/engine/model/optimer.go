package model

import "github.com/simcheck/simcheck/pkg/artifacts"

// Operator names given to OpTimer: the profiling bundle's, which
// pkg/artifacts owns (vidur-profile writes each one's timings under it).
const (
	OpEmb             = artifacts.OpEmb
	OpInputLayernorm  = artifacts.OpInputNorm
	OpAttnPreProj     = artifacts.OpAttnPreProj
	OpAttnQKNorm      = artifacts.OpAttnQKNorm // Qwen3 only
	OpAttnRope        = artifacts.OpAttnRope
	OpAttnKVCacheSave = artifacts.OpAttnKVCacheSave
	OpAttnPrefill     = artifacts.OpAttnPrefill
	OpAttnDecode      = artifacts.OpAttnDecode
	OpAttnPostProj    = artifacts.OpAttnPostProj
	OpPostAttnNorm    = artifacts.OpPostAttnNorm
	OpMLPUpProj       = artifacts.OpMLPUpProj
	OpMLPAct          = artifacts.OpMLPAct
	OpMLPDownProj     = artifacts.OpMLPDownProj
	OpAdd             = artifacts.OpAdd
	OpNorm            = artifacts.OpNorm
	OpLMHead          = artifacts.OpLMHead
	OpSample          = artifacts.OpSample
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
