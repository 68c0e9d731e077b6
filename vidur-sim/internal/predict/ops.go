package predict

import (
	"fmt"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// Op is one timed operation.
type Op int

// Token-indexed GPU operations of one layer (keyed by the batch's token
// count rounded up to 8; KVSave by the exact count), collectives (keyed
// the same way), per-sequence extras (keyed by how many sequences need
// logits) and CPU overheads (keyed by batch size).
const (
	AttnPreProj Op = iota
	AttnPostProj
	AttnRope
	KVSave
	MLPUpProj
	MLPDownProj
	MLPAct
	InputNorm
	PostAttnNorm
	Add
	AllReduce
	SendRecv
	Emb    // extra: embedding lookup, once per stage 0, by tokens
	QKNorm // extra: per-head q/k norm (Qwen3), per layer, by tokens
	Norm   // extra: final norm, by sequences
	LMHead // extra: LM head, by sequences
	Sample // extra: sampling, by sequences
	CPUSchedule
	CPUSamplerE2E
	CPUPrepareInputs
	CPUProcessOutputs
	CPURayComm
	numOps
)

// opNames are the bundle's names of the ops (the mlp.csv, attention.csv
// and network column groups, and the cpu_overheads.csv columns).
var opNames = [...]string{
	AttnPreProj: artifacts.OpAttnPreProj, AttnPostProj: artifacts.OpAttnPostProj, AttnRope: artifacts.OpAttnRope,
	KVSave: artifacts.OpAttnKVCacheSave, MLPUpProj: artifacts.OpMLPUpProj, MLPDownProj: artifacts.OpMLPDownProj,
	MLPAct: artifacts.OpMLPAct, InputNorm: artifacts.OpInputNorm, PostAttnNorm: artifacts.OpPostAttnNorm, Add: artifacts.OpAdd,
	AllReduce: artifacts.OpAllReduce, SendRecv: artifacts.OpSendRecv, Emb: artifacts.OpEmb, QKNorm: artifacts.OpAttnQKNorm,
	Norm: artifacts.OpNorm, LMHead: artifacts.OpLMHead, Sample: artifacts.OpSample,
	CPUSchedule: artifacts.OpCPUSchedule, CPUSamplerE2E: artifacts.OpCPUSamplerE2E, CPUPrepareInputs: artifacts.OpCPUPrepareInputs,
	CPUProcessOutputs: artifacts.OpCPUProcessOutputs, CPURayComm: artifacts.OpCPURayComm,
}

// inMLP reports whether mlp.csv times op (keyed by its num_tokens).
func (o Op) inMLP() bool {
	return o <= Add && o != KVSave || o >= Emb && o <= Sample
}

// extra reports whether op is timed beyond Vidur, so that Vidur's
// prediction tables never hold it.
func (o Op) extra() bool { return o >= Emb && o <= Sample }

func (o Op) String() string {
	if o >= 0 && o < numOps {
		return opNames[o]
	}
	return fmt.Sprintf("op(%d)", int(o))
}

// Model gives operation times in ms. Methods return an error for a key
// the model cannot answer (a lookup table without it); a model that
// extrapolates answers and reports the fact through its warnings.
type Model interface {
	// Name is the setting that selects the model (vidur_table, native).
	Name() string
	// Has reports whether the model knows op at all (collectives, CPU
	// overheads and extras are optional).
	Has(op Op) bool
	// Op returns op's time for key n (tokens, sequences or batch size).
	Op(op Op, n int) (float64, error)
	// Decode returns decode attention time for batch decodes of mean
	// KV length kv (already rounded to the granularity).
	Decode(batch, kv int) (float64, error)
	// Prefill returns prefill attention time for total KV kv and
	// aggregated chunk c = round(sqrt(Σ c_i²)).
	Prefill(kv, c int) (float64, error)
}

// ErrKey reports a key outside what a lookup model holds.
type ErrKey struct {
	Model, Op string
	Key       string
	Range     string
}

func (e *ErrKey) Error() string {
	return fmt.Sprintf("%s: %s has no entry for %s (it covers %s); Python Vidur raises KeyError here too — use sim.predictor=native, which extrapolates",
		e.Model, e.Op, e.Key, e.Range)
}
