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

	// Memos of StageTime by token count, by (decode requests, KV
	// granules) and by batch size. They assume M and S do not change
	// once the predictor is in use.
	tokMemo []tokenSums
	decMemo [][]float64
	cpuMemo []float64
}

// StageTime returns the stage's total and model execution times in s
// (vidur-semantics.md §4.6), in Vidur's order of float operations.
//
// Everything but attention depends on the batch's token count alone (the
// token-indexed operators, the collectives, the embedding) or on its size
// (the CPU overheads), so those sums are memoised by those counts; the
// additions that follow keep Python's order, so the results are the same
// bits as adding every operator's time in turn.
func (p *Predictor) StageTime(b *entity.Batch, stage int) (total, model float64, err error) {
	m, s := p.M, &p.S
	k, err := p.byTokens(b)
	if err != nil {
		return 0, 0, err
	}
	var e errs
	decB, decKV, nPre, preKV, sumSq := b.AttentionParams(s.KVGranularity)
	dec := 0.0
	if decB > 0 {
		dec = p.decode(&e, decB, decKV) * (1 + float64(s.decodeFrac()*b2f(decB > 1)))
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
	// Explicit float64() conversions below forbid fused multiply-adds,
	// which would round differently from Python.
	attn := k.pre4 + dec + prefill + k.tp + k.attnNorm
	if k.hasQK {
		attn += k.qkNorm
	}
	block := attn + k.mlp + k.add
	pp := 0.0
	if stage != s.PP-1 {
		pp = k.send
	}
	stageMs := float64(block*float64(s.LayersPerStage)) + pp
	if s.Extras {
		stageMs += p.extras(&e, b, stage, k)
	}
	model = stageMs * 1e-3
	cpu := 0.0
	if s.CPUOverhead {
		cpu = p.cpuBySize(&e, b.Size())
	}
	total = model + float64(cpu*1e-3)
	return total, model, e.err
}

// tokenSums is what a stage's time takes from its batch's token count:
// the partial sums of StageTime's additions that involve no attention
// term, in the order Python adds them.
type tokenSums struct {
	pre4     float64 // pre + post + rope + save
	tp       float64 // the all-reduce term (0 without TP)
	attnNorm float64
	qkNorm   float64
	hasQK    bool
	mlp      float64 // up + down + act + tp + mlpNorm
	add      float64
	send     float64 // send/recv to the next stage (PP > 1)
	emb      float64 // the embedding extra
	set      bool
}

// memoKeys bounds the memos by token count and batch size: a batch's
// tokens stay below a chunk or max_tokens_in_batch, far below this.
const memoKeys = 1 << 16

// byTokens returns b's token sums, memoised by its token count.
func (p *Predictor) byTokens(b *entity.Batch) (*tokenSums, error) {
	n := b.TotalTokens
	if n < 0 || n >= memoKeys {
		k, err := p.tokenSums(b)
		return &k, err
	}
	if n >= len(p.tokMemo) {
		p.tokMemo = append(p.tokMemo, make([]tokenSums, max(n+1, 2*len(p.tokMemo), 256)-len(p.tokMemo))...)
	}
	k := &p.tokMemo[n]
	if !k.set {
		v, err := p.tokenSums(b)
		if err != nil {
			return nil, err // not kept: the next batch reports it again
		}
		*k = v
	}
	return k, nil
}

// tokenSums looks up the token-indexed operators of b (KVSave by the exact
// count, the others by the rounded key).
func (p *Predictor) tokenSums(b *entity.Batch) (tokenSums, error) {
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
	tp := 0.0
	if s.TP > 1 {
		tp = e.op(m, AllReduce, tr) + s.NCCLLaunchMs + float64(s.NCCLSkewMs*math.Pow(float64(s.TP), 1.25))
	}
	send := 0.0
	if s.PP > 1 {
		send = e.op(m, SendRecv, tr)
	}
	qk, hasQK := 0.0, s.Extras && m.Has(QKNorm)
	if hasQK {
		qk = e.op(m, QKNorm, tr)
	}
	emb := 0.0
	if s.Extras && m.Has(Emb) {
		emb = e.op(m, Emb, tr)
	}
	return tokenSums{pre4: pre + post + rope + save, tp: tp, attnNorm: attnNorm, qkNorm: qk, hasQK: hasQK,
		mlp: up + down + act + tp + mlpNorm, add: add, send: send, emb: emb, set: true}, e.err
}

// decode is the decode attention time, memoised by (requests, mean KV
// length in granules): the mean is rounded up to the granularity, so a run
// meets few distinct keys. Each batch size's row grows as its keys do.
func (p *Predictor) decode(e *errs, decB, decKV int) float64 {
	g := max(p.S.KVGranularity, 1)
	kv := decKV / g
	if decKV%g != 0 || decB >= memoKeys || kv >= memoKeys {
		v, err := p.M.Decode(decB, decKV)
		e.add(err)
		return v
	}
	if decB >= len(p.decMemo) {
		p.decMemo = append(p.decMemo, make([][]float64, max(decB+1, 2*len(p.decMemo), 64)-len(p.decMemo))...)
	}
	row := p.decMemo[decB]
	if kv >= len(row) {
		old := len(row)
		row = append(row, make([]float64, max(kv+1, 2*old, 16)-old)...)
		for i := old; i < len(row); i++ {
			row[i] = math.NaN()
		}
		p.decMemo[decB] = row
	}
	if v := row[kv]; !math.IsNaN(v) {
		return v
	}
	v, err := p.M.Decode(decB, decKV)
	if err != nil {
		e.add(err)
		return v
	}
	row[kv] = v
	return v
}

// cpuBySize is the CPU overheads' sum for a batch of n requests, memoised.
func (p *Predictor) cpuBySize(e *errs, n int) float64 {
	sum := func() (float64, error) {
		var e1 errs
		cpu := 0.0
		for _, op := range cpuOps {
			if p.M.Has(op) {
				cpu += e1.op(p.M, op, n)
			}
		}
		return cpu, e1.err
	}
	if n < 0 || n >= memoKeys {
		cpu, err := sum()
		e.add(err)
		return cpu
	}
	if n >= len(p.cpuMemo) {
		old := len(p.cpuMemo)
		p.cpuMemo = append(p.cpuMemo, make([]float64, max(n+1, 2*old, 256)-old)...)
		for i := old; i < len(p.cpuMemo); i++ {
			p.cpuMemo[i] = math.NaN()
		}
	}
	if c := p.cpuMemo[n]; !math.IsNaN(c) {
		return c
	}
	cpu, err := sum()
	if err != nil {
		e.add(err)
		return cpu
	}
	p.cpuMemo[n] = cpu
	return cpu
}

var cpuOps = [...]Op{CPUSchedule, CPUSamplerE2E, CPUPrepareInputs, CPUProcessOutputs, CPURayComm}

// extras is the embedding (first stage) and the per-sequence tail (last
// stage: final norm, LM head, sampling) for the sequences that produce a
// token in this batch: decodes, and prefills that finish their prompt.
// The embedding comes from the token sums k.
func (p *Predictor) extras(e *errs, b *entity.Batch, stage int, k *tokenSums) float64 {
	m := p.M
	ms := 0.0
	if stage == 0 && m.Has(Emb) {
		ms += k.emb
	}
	if stage == p.S.PP-1 {
		if seqs := b.LogitSeqs(); seqs > 0 {
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
