package predict

import "fmt"

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

var opNames = [...]string{"attn_pre_proj", "attn_post_proj", "attn_rope", "attn_kv_cache_save",
	"mlp_up_proj", "mlp_down_proj", "mlp_act", "input_layernorm", "post_attention_layernorm", "add",
	"all_reduce", "send_recv", "emb", "attn_qk_norm", "norm", "lm_head", "sample",
	"schedule", "sampler_e2e", "prepare_inputs_e2e", "process_model_outputs", "ray_comm_time"}

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
