package cpu

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/simcheck/simcheck/pkg/engine/backend"
)

// BenchmarkAttentionDecode is one decode step's attention over a few
// layers of Qwen3-0.6B's layout (16 query and 8 KV heads of 128): 32
// sequences of 512 cached tokens in scattered blocks, layers cycled so the
// cache is read from memory, not from L3.
//
//	go test -run XXX -bench AttentionDecode .
func BenchmarkAttentionDecode(b *testing.B) {
	interleave := os.Getenv("SIMCHECK_BENCH_INTERLEAVE") != ""
	for _, kvdt := range []string{"BF16", "F32"} {
		for _, batch := range []int{1, 8, 32} {
			b.Run(fmt.Sprintf("%s/batch%d", kvdt, batch), func(b *testing.B) {
				const layers, bs, keys = 8, 16, 513
				l := backend.QKV{NumHeads: 16, NumKVHeads: 8, HeadDim: 128}
				c, err := New(backend.Options{KVDType: kvdt})
				if err != nil {
					b.Fatal(err)
				}
				per := (keys + bs - 1) / bs
				kv, err := c.NewKVStore(layers, batch*per+7, bs, l)
				if err != nil {
					b.Fatal(err)
				}
				seqs := make([]backend.AttnSeq, batch)
				for i := range seqs {
					tab := make([]int32, per)
					for j := range tab {
						tab[j] = int32(i*per + j) // each sequence's blocks in one run, as a fresh cache gives
						if interleave {
							tab[j] = int32((j*batch + i*7) % (batch*per + 7)) // as a busy cache's are
						}
					}
					seqs[i] = backend.AttnSeq{QStart: i, QLen: 1, KVLen: keys, Blocks: tab}
				}
				q := c.NewTensor(batch, l.Width())
				out := c.NewTensor(batch, l.NumHeads*l.HeadDim)
				if huge := anonHuge(); huge != "" {
					b.Logf("AnonHugePages of this process: %s", huge)
				}
				bytes := 2 * keys * l.NumKVHeads * l.HeadDim * batch * 2
				if kvdt == "F32" {
					bytes *= 2
				}
				b.SetBytes(int64(bytes))
				b.ResetTimer()
				cpu0 := cpuTime()
				for i := range b.N {
					c.Attention(out, q, l, kv, i%layers, seqs)
				}
				b.ReportMetric(float64(cpuTime()-cpu0)/1e3/float64(b.N), "cpu-µs/op")
			})
		}
	}
}

// cpuTime is the process's user + system CPU time so far: under
// contention it counts the work, not the waiting.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// anonHuge is the process's AnonHugePages line from /proc/self/smaps_rollup.
func anonHuge() string {
	data, err := os.ReadFile("/proc/self/smaps_rollup")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "AnonHugePages:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "AnonHugePages:"))
		}
	}
	return ""
}
