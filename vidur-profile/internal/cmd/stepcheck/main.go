// Command stepcheck compares, operator by operator, what a real engine
// decode step of b sequences costs with what the profiler measures for the
// same shapes: it runs the runner (sarathi) with b requests decoding over
// caches of about -kv tokens in a large KV cache, sums each operator's time
// within those steps, then times the same operators the way vidur-profile
// does (the token-indexed operators in a forward of one b-token prefill,
// attention alone on layer 0 with b decodes over -kv tokens, the tail with
// b one-token decodes). A per-step error of the simulator that grows with
// the batch shows here as the operator whose two columns part.
//
//	go run ./internal/cmd/stepcheck -batches 1,2,4,8 -kv 128
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/simcheck/simcheck/pkg/engine"
	"github.com/simcheck/simcheck/pkg/engine/arch"
	"github.com/simcheck/simcheck/pkg/engine/backend"
	"github.com/simcheck/simcheck/pkg/engine/model"
	"github.com/simcheck/simcheck/pkg/engine/sched"
	"github.com/simcheck/simcheck/pkg/engine/weights"
)

// clock sums each operator's time (the engine's operators do not nest).
type clock struct {
	acc map[string]time.Duration
	t0  time.Time
}

func (c *clock) OpStart(string, int, int)  { c.t0 = time.Now() }
func (c *clock) OpEnd(op string, _, _ int) { c.acc[op] += time.Since(c.t0) }
func (c *clock) reset()                    { clear(c.acc) }

func main() {
	batchList := flag.String("batches", "1,2,4,8", "decode batch sizes")
	kv := flag.Int("kv", 128, "cached tokens per sequence")
	steps := flag.Int("steps", 15, "steps measured per batch size")
	blocks := flag.Int("blocks", 1024, "KV cache blocks the engine holds")
	dtype := flag.String("dtype", "BF16", "weight dtype")
	evictMB := flag.Int("evict", 0, "MB read before each profiled attention sample (0: none)")
	flag.Parse()
	evictBuf = make([]byte, *evictMB<<20)
	a := arch.Qwen3_0_6B()
	w, err := weights.Bind(weights.Synthetic(a, 1, *dtype), a)
	check(err)
	m, err := engine.NewModel(a, w, "cpu", backend.Options{WeightDType: *dtype}, sched.Settings{Kind: "sarathi", BlockSize: 16, NumKVBlocks: *blocks})
	check(err)
	c := &clock{acc: map[string]time.Duration{}}
	m.Timer = c
	layers := float64(a.NumHiddenLayers)
	for _, f := range strings.Split(*batchList, ",") {
		b, err := strconv.Atoi(f)
		check(err)
		real, wall := realSteps(m, c, b, *kv, *steps)
		prof := profiled(m, c, b, *kv, *steps, layers)
		var ops []string
		for op := range real {
			ops = append(ops, op)
		}
		sort.Strings(ops)
		var sumR, sumP float64
		fmt.Printf("batch %d, kv %d: real step p50 %.2f ms\n", b, *kv, wall)
		fmt.Printf("  %-26s %9s %9s %7s\n", "op (ms per step)", "in step", "profiled", "error")
		for _, op := range ops {
			sumR += real[op]
			sumP += prof[op]
			fmt.Printf("  %-26s %9.3f %9.3f %+6.1f%%\n", op, real[op], prof[op], 100*(prof[op]-real[op])/real[op])
		}
		fmt.Printf("  %-26s %9.3f %9.3f %+6.1f%%\n", "sum of ops", sumR, sumP, 100*(sumP-sumR)/sumR)
		fmt.Printf("  %-26s %9.3f\n\n", "step − ops (runner)", wall-sumR)
	}
}

// realSteps runs b requests through the runner until all decode over about
// kv cached tokens, then returns each operator's median time per step and
// the median step wall time, over n steps.
func realSteps(m *model.Model, c *clock, b, kv, n int) (map[string]float64, float64) {
	r, err := engine.NewRunner(m, engine.Config{Sched: sched.Settings{Kind: "sarathi", MaxBatchSize: b, ChunkSize: 4096, BlockSize: 16}})
	check(err)
	for i := 0; i < b; i++ {
		prompt := make([]int32, kv-n/2)
		for j := range prompt {
			prompt[j] = int32((j*31 + i) % 1000)
		}
		check(r.Add(engine.Request{ID: int64(i), Prompt: prompt, MaxNewTokens: n + 3}))
	}
	per := map[string][]float64{}
	var wall []float64
	for !r.Idle() {
		c.reset()
		rep, err := r.Step()
		check(err)
		dec := 0
		for _, it := range rep.Items {
			if it.Decode {
				dec++
			}
		}
		if dec != b || len(wall) >= n {
			continue
		}
		wall = append(wall, ms(rep.Completed.Sub(rep.Scheduled)))
		for op, d := range c.acc {
			per[op] = append(per[op], ms(d))
		}
	}
	out := map[string]float64{}
	for op, v := range per {
		out[op] = median(v)
	}
	return out, median(wall)
}

// profiled times the operators as vidur-profile does, per step (per-layer
// attention times × layers).
func profiled(m *model.Model, c *clock, b, kv, n int, layers float64) map[string]float64 {
	out := map[string]float64{}
	sample := func(run func(model.Shape) error, s model.Shape, keep func(op string) bool, scale float64) {
		per := map[string][]float64{}
		for i := 0; i <= n; i++ {
			if scale > 1 {
				evict()
			}
			c.reset()
			check(run(s))
			if i == 0 {
				continue // warm-up
			}
			for op, d := range c.acc {
				if keep(op) {
					per[op] = append(per[op], ms(d)*scale)
				}
			}
		}
		for op, v := range per {
			out[op] = median(v)
		}
	}
	attn := func(op string) bool { return op == model.OpAttnDecode || op == model.OpAttnKVCacheSave }
	tail := func(op string) bool { return op == model.OpNorm || op == model.OpLMHead || op == model.OpSample }
	tokens := func(op string) bool { return !attn(op) && !tail(op) && op != model.OpAttnPrefill }
	sample(m.ProfileForward, model.Shape{Prefill: [][2]int{{b, 0}}}, tokens, 1)
	dec := make([]int, b)
	ones := make([]int, b)
	for i := range dec {
		dec[i], ones[i] = kv, 1
	}
	sample(m.ProfileAttention, model.Shape{Decode: dec}, attn, 1)
	sample(m.ProfileForward, model.Shape{Decode: ones}, tail, 1)
	return out
}

var evictBuf []byte
var sink byte

// evict reads evictBuf a cache line at a time, pushing earlier data out.
func evict() {
	var x byte
	for i := 0; i < len(evictBuf); i += 64 {
		x += evictBuf[i]
	}
	sink = x
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "stepcheck:", err)
		os.Exit(1)
	}
}
