package predict

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/vidur-sim/internal/bundle"
	"github.com/simcheck/simcheck/vidur-sim/internal/entity"
)

// writeBundle writes a tiny TP=2 bundle whose op times are linear in the
// key, with vidur-profile's extra columns and a cpu_overheads.csv.
func writeBundle(t *testing.T) artifacts.ProfilePaths {
	root := t.TempDir()
	p := artifacts.NewProfilePaths(root, "dev", "net", "org/m")
	for _, f := range []string{p.MLP, p.AllReduce, p.CPUOverheads} {
		os.MkdirAll(filepath.Dir(f), 0o755)
	}
	ops := []string{"attn_pre_proj", "attn_post_proj", "attn_rope", "mlp_up_proj", "mlp_down_proj", "mlp_act",
		"input_layernorm", "post_attention_layernorm", "add", "emb", "norm", "lm_head", "sample"}
	var b strings.Builder
	for _, op := range ops {
		b.WriteString("time_stats." + op + ".median,")
	}
	b.WriteString("n_head,n_kv_head,n_embd,n_expanded_embd,vocab_size,use_gated_mlp,num_tokens,num_tensor_parallel_workers\n")
	for _, n := range []int{1, 2, 4, 8, 16, 32, 64, 128, 256, 512} {
		for i := range ops {
			fmt.Fprintf(&b, "%g,", 0.001*float64(i+1)*float64(n)+0.01)
		}
		fmt.Fprintf(&b, "8,2,512,1024,1000,True,%d,2\n", n)
	}
	os.WriteFile(p.MLP, []byte(b.String()), 0o644)
	b.Reset()
	b.WriteString("time_stats.attn_prefill.median,time_stats.attn_decode.median,n_embd,n_q_head,n_kv_head,block_size,num_tensor_parallel_workers,batch_size,prefill_chunk_size,kv_cache_size\n")
	for _, c := range []int{16, 64, 256, 512} {
		for _, kv := range []int{0, 256, 1024} {
			fmt.Fprintf(&b, "%g,,512,8,2,16,2,1,%d,%d\n", 0.01+1e-6*float64(c*c+c*kv), c, kv)
		}
	}
	for _, bs := range []int{1, 2, 8, 32} {
		for _, kv := range []int{64, 512, 2048} {
			fmt.Fprintf(&b, ",%g,512,8,2,16,2,%d,0,%d\n", 0.01+1e-5*float64(bs*kv), bs, kv)
		}
	}
	os.WriteFile(p.Attention, []byte(b.String()), 0o644)
	b.Reset()
	b.WriteString(",time_stats.all_reduce.median,rank,num_workers,size,collective,devices_per_node,max_devices_per_node\n")
	for i, n := range []int{1, 64, 512, 4096} {
		fmt.Fprintf(&b, "%d,%g,0,2,%d,all_reduce,2,2\n", i, 0.02+1e-5*float64(n), n*512*2)
	}
	os.WriteFile(p.AllReduce, []byte(b.String()), 0o644)
	b.Reset()
	b.WriteString("model_name,batch_size,tensor_parallel_degree,schedule_mean,schedule_median,sampler_e2e_mean,sampler_e2e_median,prepare_inputs_e2e_mean,prepare_inputs_e2e_median,process_model_outputs_mean,process_model_outputs_median,ray_comm_time_mean\n")
	for _, bs := range []int{1, 8, 64} {
		fmt.Fprintf(&b, "org/m,%d,2,0,0.1,0,0.2,0,0.3,0,0.4,0.5\n", bs)
	}
	os.WriteFile(p.CPUOverheads, []byte(b.String()), 0o644)
	return p
}

// trainTiny fits the native predictor on writeBundle's bundle.
func trainTiny(t *testing.T) *Native {
	t.Helper()
	b, err := bundle.Load(writeBundle(t), bundle.ModelDims{NumQHeads: 8, NumKVHeads: 2, EmbeddingDim: 512, MLPHiddenDim: 1024, TP: 2, BlockSize: 16, ModelID: "org/m"}, true, false)
	if err != nil {
		t.Fatal(err)
	}
	n, err := Train(b, 1, 512)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSpec4_6_ExtrasAddIntoStageTime: with the bundle's extras the stage
// time grows by exactly embedding + (norm + LM head + sampling) per
// sequence needing logits + the CPU overheads; without them it is
// Vidur's composition, including the TP all-reduce term twice per layer.
func TestSpec4_6_ExtrasAddIntoStageTime(t *testing.T) {
	n := trainTiny(t)
	for _, op := range []Op{Emb, Norm, LMHead, Sample, CPUSchedule, CPURayComm, AllReduce} {
		if !n.Has(op) {
			t.Fatalf("model lacks %s", op)
		}
	}
	// Two decodes and one prefill chunk that finishes its prompt: three
	// sequences need logits.
	var reqs []*entity.Request
	for _, p := range []int{100, 300} {
		r := entity.NewRequest(len(reqs), 0, 50, 500)
		r.Processed, r.PrefillComplete = p, true
		reqs = append(reqs, r)
	}
	reqs = append(reqs, entity.NewRequest(2, 0, 64, 5))
	batch := entity.NewBatch(0, 0, reqs, []int{1, 1, 64})
	s := Settings{LayersPerStage: 4, PP: 1, TP: 2, GQA: true, PostAttnNorm: true, KVGranularity: 64,
		DecodeOverhead: 0.1, PrefillOverhd: 0.1, NCCLLaunchMs: 0.02}
	base := &Predictor{M: n, S: s}
	tot0, mod0, err := base.StageTime(batch, 0)
	if err != nil || tot0 != mod0 {
		t.Fatalf("plain: %v %v %v", tot0, mod0, err)
	}
	s.Extras, s.CPUOverhead = true, true
	ext := &Predictor{M: n, S: s}
	tot1, mod1, err := ext.StageTime(batch, 0)
	if err != nil {
		t.Fatal(err)
	}
	v := func(op Op, k int) float64 { x, _ := n.Op(op, k); return x }
	wantModel := (v(Emb, 72) + v(Norm, 3) + v(LMHead, 3) + v(Sample, 3)) * 1e-3
	wantCPU := (v(CPUSchedule, 3) + v(CPUSamplerE2E, 3) + v(CPUPrepareInputs, 3) + v(CPUProcessOutputs, 3) + v(CPURayComm, 3)) * 1e-3
	// 1e-12 s: the extras are added in a different order than this sum.
	if math.Abs(mod1-mod0-wantModel) > 1e-12 || math.Abs(tot1-mod1-wantCPU) > 1e-12 {
		t.Errorf("extras added %g (want %g), cpu %g (want %g)", mod1-mod0, wantModel, tot1-mod1, wantCPU)
	}
	// CPU overheads at batch size 3 interpolate 1 and 8: schedule 0.1 ms.
	if math.Abs(v(CPUSchedule, 3)-0.1) > 1e-12 {
		t.Errorf("schedule(3) = %v", v(CPUSchedule, 3))
	}
	// TP: the all-reduce (plus launch overhead) enters twice per layer.
	s0 := Settings{LayersPerStage: 4, PP: 1, TP: 1, GQA: true, PostAttnNorm: true, KVGranularity: 64, DecodeOverhead: 0.1, PrefillOverhd: 0.1, NCCLLaunchMs: 0.02}
	_, modTP1, _ := (&Predictor{M: n, S: s0}).StageTime(batch, 0)
	wantTP := 2 * 4 * (v(AllReduce, 72) + 0.02) * 1e-3
	if math.Abs(mod0-modTP1-wantTP) > 1e-12 {
		t.Errorf("TP term %g, want %g", mod0-modTP1, wantTP)
	}
}

// TestStageTimeMemoMatchesComposition: the memoised StageTime gives the
// same bits as adding every operator's time in Vidur's order
// (composeAfresh), on first use of a key and on reuse, for mixed batches with and without the extras and the CPU
// overheads, at TP 1 and 2.
func TestStageTimeMemoMatchesComposition(t *testing.T) {
	n := trainTiny(t)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tp := range []int{1, 2} {
		for _, extras := range []bool{false, true} {
			s := Settings{LayersPerStage: 4, PP: 1, TP: tp, GQA: true, PostAttnNorm: true, KVGranularity: 64,
				DecodeOverhead: 0.1, PrefillOverhd: 0.1, NCCLLaunchMs: 0.02, Extras: extras, CPUOverhead: extras}
			memo := &Predictor{M: n, S: s}
			for i := range 400 {
				var reqs []*entity.Request
				var toks []int
				for j := range 1 + rng.IntN(40) {
					r := entity.NewRequest(j, 0, 1+rng.IntN(2000), 1+rng.IntN(500))
					if rng.IntN(4) > 0 {
						r.PrefillComplete, r.Processed = true, r.PrefillTokens+rng.IntN(r.DecodeTokens)
						toks = append(toks, 1)
					} else {
						r.Processed = rng.IntN(r.PrefillTokens)
						toks = append(toks, 1+rng.IntN(r.PrefillTokens-r.Processed))
					}
					reqs = append(reqs, r)
				}
				batch := entity.NewBatch(i, 0, reqs, toks)
				want, wantModel := composeAfresh(t, &Predictor{M: n, S: s}, batch, 0)
				for range 2 {
					got, gotModel, err := memo.StageTime(batch, 0)
					if err != nil || got != want || gotModel != wantModel {
						t.Fatalf("tp %d extras %t batch %d: memoised (%v, %v, %v), composed (%v, %v)", tp, extras, i, got, gotModel, err, want, wantModel)
					}
				}
			}
		}
	}
}

// composeAfresh is a stage's time as Vidur adds it up, term by term in its
// order, every operator looked up afresh: the memoised StageTime's oracle.
func composeAfresh(t *testing.T, p *Predictor, b *entity.Batch, stage int) (total, model float64) {
	t.Helper()
	m, s := p.M, &p.S
	at := func(op Op, k int) float64 {
		v, err := m.Op(op, k)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	sum := func(xs ...float64) float64 {
		acc := 0.0 // 0 + x is x: the sum is Python's left-to-right one
		for _, x := range xs {
			acc += x
		}
		return acc
	}
	tr := s.tokensKey(b)
	tp := 0.0
	if s.TP > 1 {
		tp = at(AllReduce, tr) + s.NCCLLaunchMs + float64(s.NCCLSkewMs*math.Pow(float64(s.TP), 1.25))
	}
	decB, decKV, nPre, preKV, sumSq := b.AttentionParams(s.KVGranularity)
	dec, pre := 0.0, 0.0
	if decB > 0 {
		v, err := m.Decode(decB, decKV)
		if err != nil {
			t.Fatal(err)
		}
		dec = v * (1 + float64(s.decodeFrac()*b2f(decB > 1)))
	}
	if nPre > 0 {
		v, err := m.Prefill(preKV, int(math.Round(math.Sqrt(float64(sumSq)))))
		if err != nil {
			t.Fatal(err)
		}
		pre = v * (1 + float64(s.prefillFrac()*b2f(nPre > 1)))
	}
	attn := sum(at(AttnPreProj, tr), at(AttnPostProj, tr), at(AttnRope, tr), at(KVSave, b.TotalTokens), dec, pre, tp, at(InputNorm, tr))
	if s.Extras && m.Has(QKNorm) {
		attn += at(QKNorm, tr)
	}
	block := attn + sum(at(MLPUpProj, tr), at(MLPDownProj, tr), at(MLPAct, tr), tp, at(PostAttnNorm, tr)) + at(Add, tr)
	pp := 0.0
	if stage != s.PP-1 {
		pp = at(SendRecv, tr)
	}
	ms := float64(block*float64(s.LayersPerStage)) + pp
	if s.Extras {
		ex := 0.0
		if stage == 0 && m.Has(Emb) {
			ex += at(Emb, tr)
		}
		seqs := 0
		for i, r := range b.Requests {
			if r.PrefillComplete || r.Processed+b.Tokens[i] >= r.PrefillTokens {
				seqs++
			}
		}
		if stage == s.PP-1 && seqs > 0 {
			for _, op := range []Op{Norm, LMHead, Sample} {
				if m.Has(op) {
					ex += at(op, seqs)
				}
			}
		}
		ms += ex
	}
	model = ms * 1e-3
	cpu := 0.0
	if s.CPUOverhead {
		for _, op := range []Op{CPUSchedule, CPUSamplerE2E, CPUPrepareInputs, CPUProcessOutputs, CPURayComm} {
			if m.Has(op) {
				cpu += at(op, b.Size())
			}
		}
	}
	return model + float64(cpu*1e-3), model
}
