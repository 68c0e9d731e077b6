package predict

import (
	"math"

	"github.com/simcheck/simcheck/vidur-sim/internal/entity"
)

// Settings are the composition's constants (vidur-semantics.md §4.5–§4.6, §7.7).
type Settings struct {
	LayersPerStage int // L / PP
	PP, TP         int
	GQA            bool // num_q_heads > num_kv_heads: batching overheads apply
	PostAttnNorm   bool
	KVGranularity  int     // 64
	DecodeOverhead float64 // 0.1
	PrefillOverhd  float64 // 0.1
	NCCLLaunchMs   float64 // 0.02
	NCCLSkewMs     float64 // 0.0
	// CPUOverhead adds the CPU ops when the model has them (Vidur's
	// skip_cpu_overhead_modeling=false).
	CPUOverhead bool
	// Extras adds embedding, q/k norm, final norm, LM head and sampling
	// when the model has them. Vidur has none of these.
	Extras bool
	// TokenRounding is the multiple the batch's token count is rounded up
	// to before token-indexed operators are looked up: Vidur's 8 (spec
	// vidur-semantics.md §4.5), right for GPUs whose kernels are flat at small sizes; a CPU's
	// GEMM time grows with every token, so its bundles want 1. 0 means 8.
	TokenRounding int
}

// tokensKey is the token-indexed operators' key for a batch.
func (s *Settings) tokensKey(b *entity.Batch) int {
	if s.TokenRounding <= 0 || s.TokenRounding == 8 {
		return b.TotalTokensRounded
	}
	g := s.TokenRounding
	return (b.TotalTokens + g - 1) / g * g
}

// Predictor composes a stage's time from a [Model].
type Predictor struct {
	M Model
	S Settings
	// Wake, when set, adds the idle wake-up penalty to a replica's first
	// batch after an idle period (simcheck's extra; nil in Vidur mode).
	Wake *Wakeup
	// Jitter, when set, scales each stage's time by a factor drawn from
	// the measured step-time spread (simcheck's extra; nil in Vidur mode).
	Jitter *Jitter
}

// StageTime returns the stage's total and model execution times in s
// (vidur-semantics.md §4.6), in Vidur's order of float operations.
func (p *Predictor) StageTime(b *entity.Batch, stage int) (total, model float64, err error) {
	m, s := p.M, &p.S
	tr := s.tokensKey(b)
	var e errs
	pre := e.op(m, AttnPreProj, tr)
	post := e.op(m, AttnPostProj, tr)
	rope := e.op(m, AttnRope, tr)
	save := e.op(m, KVSave, b.TotalTokens)
	up := e.op(m, MLPUpProj, tr)
	down := e.op(m, MLPDownProj, tr)
	act := e.op(m, MLPAct, tr)
	attnNorm := e.op(m, InputNorm, tr)
	mlpNorm := 0.0
	if s.PostAttnNorm {
		mlpNorm = e.op(m, PostAttnNorm, tr)
	}
	add := e.op(m, Add, tr)

	decB, decKV, nPre, preKV, sumSq := b.AttentionParams(s.KVGranularity)
	dec := 0.0
	if decB > 0 {
		v, err := m.Decode(decB, decKV)
		e.add(err)
		dec = v * (1 + float64(s.decodeFrac()*b2f(decB > 1)))
	}
	prefill := 0.0
	if nPre > 0 {
		// round(sqrt(Σc²)): never a .5 tie, so Go's Round (half away
		// from zero) agrees with Python's round (half to even).
		c := int(math.Round(math.Sqrt(float64(sumSq))))
		v, err := m.Prefill(preKV, c)
		e.add(err)
		prefill = v * (1 + float64(s.prefillFrac()*b2f(nPre > 1)))
	}
	tp := 0.0
	if s.TP > 1 {
		tp = e.op(m, AllReduce, tr) + s.NCCLLaunchMs + float64(s.NCCLSkewMs*math.Pow(float64(s.TP), 1.25))
	}
	pp := 0.0
	if stage != s.PP-1 {
		pp = e.op(m, SendRecv, tr)
	}
	// Explicit float64() conversions below forbid fused multiply-adds,
	// which would round differently from Python.
	attn := pre + post + rope + save + dec + prefill + tp + attnNorm
	if s.Extras && m.Has(QKNorm) {
		attn += e.op(m, QKNorm, tr)
	}
	mlp := up + down + act + tp + mlpNorm
	block := attn + mlp + add
	stageMs := float64(block*float64(s.LayersPerStage)) + pp
	if s.Extras {
		stageMs += p.extras(&e, b, stage)
	}
	model = stageMs * 1e-3
	cpu := 0.0
	if s.CPUOverhead {
		for _, op := range []Op{CPUSchedule, CPUSamplerE2E, CPUPrepareInputs, CPUProcessOutputs, CPURayComm} {
			if m.Has(op) {
				cpu += e.op(m, op, b.Size())
			}
		}
	}
	total = model + float64(cpu*1e-3)
	return total, model, e.err
}

// extras is the embedding (first stage) and the per-sequence tail (last
// stage: final norm, LM head, sampling) for the sequences that produce a
// token in this batch: decodes, and prefills that finish their prompt.
func (p *Predictor) extras(e *errs, b *entity.Batch, stage int) float64 {
	m := p.M
	ms := 0.0
	if stage == 0 && m.Has(Emb) {
		ms += e.op(m, Emb, p.S.tokensKey(b))
	}
	if stage == p.S.PP-1 {
		seqs := 0
		for i, r := range b.Requests {
			if r.PrefillComplete || r.Processed+b.Tokens[i] >= r.PrefillTokens {
				seqs++
			}
		}
		if seqs > 0 {
			for _, op := range []Op{Norm, LMHead, Sample} {
				if m.Has(op) {
					ms += e.op(m, op, seqs)
				}
			}
		}
	}
	return ms
}

func (s *Settings) decodeFrac() float64 {
	if !s.GQA {
		return 0
	}
	return s.DecodeOverhead
}

func (s *Settings) prefillFrac() float64 {
	if !s.GQA {
		return 0
	}
	return s.PrefillOverhd
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// errs keeps the first lookup error of a composition.
type errs struct{ err error }

func (e *errs) add(err error) {
	if e.err == nil && err != nil {
		e.err = err
	}
}

func (e *errs) op(m Model, op Op, n int) float64 {
	v, err := m.Op(op, n)
	e.add(err)
	return v
}
