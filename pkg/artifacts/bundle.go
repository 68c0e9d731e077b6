package artifacts

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// A profiling bundle is the contract between vidur-profile, which writes
// it, and vidur-sim, which predicts from it; Vidur's own profiler and
// simulator read and write the same files. Its column and operator names
// are Vidur's and are spelled here only (docs/artifacts.md, "Profiling
// bundle").

// Operator names: the timers of Vidur's profiler, a time_stats.<op>.<stat>
// column group each in mlp.csv or attention.csv, and the engine's own
// operator timer names.
const (
	OpEmb             = "emb"
	OpInputNorm       = "input_layernorm"
	OpAttnPreProj     = "attn_pre_proj" // fused q/k/v projection (+ biases)
	OpAttnRope        = "attn_rope"
	OpAttnPostProj    = "attn_post_proj"
	OpPostAttnNorm    = "post_attention_layernorm"
	OpMLPUpProj       = "mlp_up_proj" // fused gate+up
	OpMLPAct          = "mlp_act"
	OpMLPDownProj     = "mlp_down_proj"
	OpAdd             = "add" // each residual add
	OpAttnQKNorm      = "attn_qk_norm"
	OpNorm            = "norm"
	OpLMHead          = "lm_head"
	OpSample          = "sample"
	OpAttnInReshape   = "attn_input_reshape"
	OpAttnDecode      = "attn_decode"
	OpAttnOutReshape  = "attn_output_reshape"
	OpAttnPrefill     = "attn_prefill"
	OpAttnKVCacheSave = "attn_kv_cache_save"
	OpAllReduce       = "all_reduce"
	OpSendRecv        = "send_recv"
	// CPU-side step costs of cpu_overheads.csv (<op>_mean, <op>_median).
	OpCPUSchedule       = "schedule"
	OpCPUSamplerE2E     = "sampler_e2e"
	OpCPUPrepareInputs  = "prepare_inputs_e2e"
	OpCPUProcessOutputs = "process_model_outputs"
	OpCPURayComm        = "ray_comm_time" // written as its _mean only, as Vidur reads it
)

// MLPOps are the operators of Vidur's mlp.csv, in its column order.
var MLPOps = []string{OpEmb, OpInputNorm, OpAttnPreProj, OpAttnRope, OpAttnPostProj,
	OpPostAttnNorm, OpMLPUpProj, OpMLPAct, OpMLPDownProj, OpAdd}

// MLPCoreOps are the mlp.csv operators a bundle must have a column for:
// Vidur cannot predict a step without them. It fills the other MLPOps
// with 0 when their column is absent.
var MLPCoreOps = []string{OpAttnPreProj, OpAttnPostProj, OpAttnRope, OpMLPUpProj, OpMLPDownProj, OpMLPAct}

// MLPExtraOps are timed beyond Vidur, as extra mlp.csv columns after
// Vidur's: Qwen3's per-head q/k norm (by tokens) and the per-sequence
// tail, keyed by the row's num_tokens read as a number of sequences that
// need logits.
var MLPExtraOps = []string{OpAttnQKNorm, OpNorm, OpLMHead, OpSample}

// AttentionOps are attention.csv's operators in column order: Vidur's
// four, then attn_kv_cache_save, which Vidur's reader creates as zeros
// when absent.
var AttentionOps = []string{OpAttnInReshape, OpAttnDecode, OpAttnOutReshape, OpAttnPrefill, OpAttnKVCacheSave}

// CPUOps are cpu_overheads.csv's step costs, each an _mean and a _median
// column; ray_comm_time_mean follows them.
var CPUOps = []string{OpCPUSchedule, OpCPUSamplerE2E, OpCPUPrepareInputs, OpCPUProcessOutputs}

// StatNames are the statistics of a time_stats column group, in order.
var StatNames = []string{"min", "max", "mean", "median", "std"}

// StatColumn names one statistic of an operator: time_stats.<op>.<stat>.
func StatColumn(op, stat string) string { return "time_stats." + op + "." + stat }

// MedianColumn is the statistic the predictors train on.
func MedianColumn(op string) string { return StatColumn(op, "median") }

// Model-description columns (mlp.csv and attention.csv spell the query
// heads differently), row keys and cpu_overheads.csv's columns.
const (
	ColNumTokens      = "num_tokens"
	ColNHead          = "n_head"   // mlp.csv
	ColNQHead         = "n_q_head" // attention.csv
	ColNKVHead        = "n_kv_head"
	ColNEmbd          = "n_embd"
	ColNExpandedEmbd  = "n_expanded_embd"
	ColVocabSize      = "vocab_size"
	ColGatedMLP       = "use_gated_mlp"
	ColTPWorkers      = "num_tensor_parallel_workers"
	ColBlockSize      = "block_size"
	ColMaxModelLen    = "max_model_len"
	ColBatchSize      = "batch_size"
	ColPrefillChunk   = "prefill_chunk_size"
	ColKVCacheSize    = "kv_cache_size"
	ColIsPrefill      = "is_prefill"
	ColAttnBackend    = "attention_backend"
	ColModelName      = "model_name"
	ColTPDegree       = "tensor_parallel_degree"
	ColNumWorkers     = "num_workers"
	ColSize           = "size"
	ColCollective     = "collective"
	ColDevicesPerNode = "devices_per_node"
)

// OpStats summarise repeated timings of one operator, in ms, as Vidur's
// profiler does. NaN is an empty cell: not measured.
type OpStats struct {
	Min, Max, Mean, Median, Std float64
}

// NoStats is an operator not measured: every cell empty.
func NoStats() OpStats {
	nan := math.NaN()
	return OpStats{nan, nan, nan, nan, nan}
}

// Summarise returns the stats of samples (ms) the way Vidur's profiler
// does: min, max, mean, median and the population standard deviation
// (numpy's default, ddof=0). No samples give NaNs, which the CSVs write as
// empty cells.
func Summarise(samples []float64) OpStats {
	if len(samples) == 0 {
		return NoStats()
	}
	s := append([]float64(nil), samples...)
	sort.Float64s(s)
	return summariseSorted(s)
}

// summariseSorted is Summarise of a non-empty ascending sample.
func summariseSorted(s []float64) OpStats {
	var sum float64
	for _, v := range s {
		sum += v
	}
	mean := sum / float64(len(s))
	var ss float64
	for _, v := range s {
		ss += (v - mean) * (v - mean)
	}
	n := len(s)
	median := s[n/2]
	if n%2 == 0 {
		median = (s[n/2-1] + s[n/2]) / 2
	}
	return OpStats{Min: s[0], Max: s[n-1], Mean: mean, Median: median, Std: math.Sqrt(ss / float64(n))}
}

func (s OpStats) fields() []string {
	return []string{Float(s.Min), Float(s.Max), Float(s.Mean), Float(s.Median), Float(s.Std)}
}

// BundleModel is the model and parallelism a bundle row was measured
// for: the columns Vidur filters rows by. mlp.csv holds the first six
// and GatedMLP; attention.csv the heads, Embd, TP, BlockSize and
// MaxModelLen.
type BundleModel struct {
	NumQHeads, NumKVHeads, Embd, ExpandedEmbd, VocabSize, TP int
	GatedMLP                                                 bool
	BlockSize, MaxModelLen                                   int
}

func statColumns(op string) []string {
	out := make([]string, len(StatNames))
	for i, s := range StatNames {
		out[i] = StatColumn(op, s)
	}
	return out
}

// readStats reads op's column group; absent columns and empty cells are
// NaN.
func readStats(t *Table, op string) OpStats {
	return OpStats{t.OptFloat(StatColumn(op, "min")), t.OptFloat(StatColumn(op, "max")),
		t.OptFloat(StatColumn(op, "mean")), t.OptFloat(StatColumn(op, "median")), t.OptFloat(StatColumn(op, "std"))}
}

// readAllStats reads the column groups of ops.
func readAllStats(t *Table, ops []string) map[string]OpStats {
	m := make(map[string]OpStats, len(ops))
	for _, op := range ops {
		m[op] = readStats(t, op)
	}
	return m
}

// statOps lists the operators with a time_stats.<op>.median column in
// header order: hand-made bundles add their own.
func statOps(t *Table) []string {
	var ops []string
	for _, h := range t.Header() {
		rest, ok := strings.CutPrefix(h, "time_stats.")
		if op, median := strings.CutSuffix(rest, ".median"); ok && median && op != "" {
			ops = append(ops, op)
		}
	}
	return ops
}

// pyBool writes a boolean as pandas does, which Vidur compares against.
func pyBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// boolCell reads a pandas boolean (True/False) or 0/1; an absent column
// or empty cell is false.
func boolCell(t *Table, col string) bool {
	switch s := t.String(col); s {
	case "True", "true", "TRUE", "1", "1.0":
		return true
	case "False", "false", "FALSE", "0", "0.0", "":
		return false
	default:
		t.Fail(col, fmt.Errorf("%q is not a boolean (True or False)", s))
		return false
	}
}

// optIntCell is an optional integer column: 0 when absent or empty.
func optIntCell(t *Table, col string) int {
	v, _ := t.OptInt(col)
	return v
}
