package runout

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/vidur-sim/internal/des"
	"github.com/simcheck/simcheck/vidur-sim/internal/entity"
)

// TestWriterMatchesRunWriter: Writer's fast rows are the bytes
// pkg/artifacts' RunWriter writes (the owner of these formats), and its
// run_meta.json, serving summary included, is what RunWriter.Close then
// WriteServing write from the files, for finished and failed requests,
// unknown times, repeated and extreme numbers, missing batch sizes and
// failure reasons that need quoting.
func TestWriterMatchesRunWriter(t *testing.T) {
	for _, c := range []struct {
		name            string
		tokens, batches bool
	}{{"all", true, true}, {"requests_only", false, false}, {"no_batches", true, false}} {
		t.Run(c.name, func(t *testing.T) {
			reqs, failed, batches := fixture(rand.New(rand.NewPCG(1, 2)))
			slo := artifacts.SLO{TTFTms: 500, TPOTms: 50}
			fast, want := t.TempDir(), t.TempDir()

			d1 := mustDir(t, filepath.Join(fast, "run"))
			w, err := New(d1, c.tokens, c.batches, false)
			if err != nil {
				t.Fatal(err)
			}
			d2 := mustDir(t, filepath.Join(want, "run"))
			rw, err := artifacts.NewRunWriter(d2, c.tokens, c.batches)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range reqs {
				rec := Record(r, "")
				rw.Request(&rec)
				rw.Tokens(r.ID, float64(r.ArrivedAt), r.TokenTimes, r.TokenBatch)
				w.RequestDone(r)
				if i < len(batches) {
					b := batches[i]
					rw.Batch(artifacts.BatchRow{BatchID: b.ID, ScheduledAt: float64(b.ScheduledAt), CompletedAt: float64(b.CompletedAt),
						BatchSize: b.Size(), NumPrefillTokens: b.PrefillTokens, NumDecodeTokens: b.DecodeTokens()})
					w.BatchDone(b)
				}
			}
			for _, f := range failed {
				rec := Record(f.r, f.reason)
				rw.Request(&rec)
				rw.Tokens(f.r.ID, float64(f.r.ArrivedAt), f.r.TokenTimes, f.r.TokenBatch)
				w.Failed(f.r, f.reason)
			}
			m1, m2 := meta(), meta()
			if err := w.Close(m1, slo); err != nil {
				t.Fatal(err)
			}
			if err := rw.Close(m2); err != nil {
				t.Fatal(err)
			}
			if err := artifacts.WriteServing(d2, m2, slo); err != nil {
				t.Fatal(err)
			}
			for _, d := range []*artifacts.Dir{d1, d2} {
				if err := d.Commit(); err != nil {
					t.Fatal(err)
				}
			}
			names := []string{artifacts.RequestMetricsFile, artifacts.RunMetaFile}
			if c.tokens {
				names = append(names, artifacts.TokenMetricsFile)
			}
			if c.batches {
				names = append(names, artifacts.BatchMetricsFile)
			}
			for _, n := range names {
				a, err1 := os.ReadFile(filepath.Join(fast, "run", n))
				b, err2 := os.ReadFile(filepath.Join(want, "run", n))
				if err1 != nil || err2 != nil {
					t.Fatal(err1, err2)
				}
				if !bytes.Equal(a, b) {
					t.Errorf("%s differs from RunWriter's:\n%s\nwant\n%s", n, head(a), head(b))
				}
			}
			for _, n := range []string{artifacts.TokenMetricsFile, artifacts.BatchMetricsFile} {
				if _, err := os.Stat(filepath.Join(fast, "run", n)); (err == nil) != ((n == artifacts.TokenMetricsFile && c.tokens) || (n == artifacts.BatchMetricsFile && c.batches)) {
					t.Errorf("%s present: %v", n, err == nil)
				}
			}
		})
	}
}

type failedReq struct {
	r      *entity.Request
	reason string
}

// fixture is a mix of what a simulation hands the writer. Times are
// drawn from a few shared values, as batches share completion times, so
// the float cache is hit, and from the extremes of float64.
func fixture(rng *rand.Rand) (reqs []*entity.Request, failed []failedReq, batches []*entity.Batch) {
	shared := []float64{0.1, 1.0 / 3, 12.5, 1e-7, 123456.789012345, 5e-324, 1e9, 2.5e15}
	tm := func() float64 {
		if rng.IntN(3) == 0 {
			return shared[rng.IntN(len(shared))]
		}
		return rng.Float64() * math.Pow(10, float64(rng.IntN(12)-4))
	}
	for id := range 300 {
		n := 1 + rng.IntN(40)
		if id%17 == 0 {
			n = 1 // the prefill's token alone: no gap, no TPOT
		}
		r := entity.NewRequest(id, des.Time(tm()), 1+rng.IntN(2000), n)
		r.Track = true
		at := float64(r.ArrivedAt) + tm()
		r.Scheduled, r.ScheduledAt = true, des.Time(at)
		r.NumRestarts = rng.IntN(2)
		r.Emitted = n
		for i := range n {
			at += tm()
			r.TokenTimes = append(r.TokenTimes, at)
			if i%5 != 3 { // some sizes unknown, some missing at the end
				r.TokenBatch = append(r.TokenBatch, rng.IntN(4))
			}
		}
		r.PrefillCompletedAt, r.CompletedAt, r.Completed = des.Time(r.TokenTimes[0]), des.Time(at), true
		if id%3 == 0 {
			b := entity.NewBatch(id, 0, []*entity.Request{r}, []int{1 + rng.IntN(500)})
			b.ScheduledAt, b.CompletedAt = des.Time(tm()), des.Time(tm())
			batches = append(batches, b)
		}
		reqs = append(reqs, r)
	}
	reasons := []string{"never finished: the scheduler could not run it (see warnings)", `says "no", twice`, "a, b",
		" leading space", "line\nbreak", `\.`, "tab\tinside", "naïve"}
	for i, reason := range reasons {
		r := entity.NewRequest(1000+i, des.Time(tm()), 10, 10)
		r.Track = true
		if i%2 == 0 {
			r.Scheduled, r.ScheduledAt = true, des.Time(tm())
			r.TokenTimes, r.TokenBatch = []float64{float64(r.ArrivedAt) + 1}, []int{2}
		}
		failed = append(failed, failedReq{r, reason})
	}
	return reqs, failed, batches
}

func mustDir(t *testing.T, path string) *artifacts.Dir {
	t.Helper()
	d, err := artifacts.CreateDir(path, false)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func meta() *artifacts.RunMeta {
	return &artifacts.RunMeta{RunID: "r", Kind: artifacts.KindSim, Status: artifacts.RunComplete, Duration: 1234.5,
		StartedAt: "2026-01-01T00:00:00Z", Extra: map[string]any{"k": 1}}
}

func head(b []byte) []byte { return b[:min(len(b), 400)] }
