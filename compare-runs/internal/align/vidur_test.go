package align

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts/refdata"
)

func TestVidurFixture(t *testing.T) {
	r, err := Load(filepath.Join("..", "..", "testdata", "vidur-small"), true)
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != KindVidur || len(r.Requests) != 5 || r.HasTokens() {
		t.Fatalf("kind %s, %d requests, tokens %v", r.Kind, len(r.Requests), r.HasTokens())
	}
	q, _ := r.Request(2)
	m := q.Metrics()
	// Request 2 arrives 1.0 s after request 0 (two 0.5 s gaps).
	if q.ArrivedAt != 1.0 || math.Abs(m.TTFT-0.07) > 1e-12 || math.Abs(m.E2E-0.52) > 1e-12 || math.Abs(m.TPOT-(0.52-0.07)/9) > 1e-12 {
		t.Errorf("request 2: arrived %g, metrics %+v", q.ArrivedAt, m)
	}
	if _, err := Load(filepath.Join("..", "..", "testdata", "vidur-small"), false); err == nil {
		t.Error("Vidur output accepted as a real run")
	}
}

// The A30 reference case (Python Vidur's output): every Vidur latency must come back from
// the rebuilt timestamps through the shared definitions.
func TestVidurReferenceRoundTrip(t *testing.T) {
	dir := filepath.Join(refdata.A30(t), refdata.Reference)
	f, err := os.Open(filepath.Join(dir, "request_metrics.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	r, err := Load(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, row := range rows[1:] {
		id, _ := strconv.Atoi(row[col["Request Id"]])
		q, ok := r.Request(id)
		if !ok {
			t.Fatalf("request %d missing", id)
		}
		m := q.Metrics()
		for name, got := range map[string]float64{"prefill_e2e_time": m.TTFT, "request_e2e_time": m.E2E,
			"request_e2e_time_normalized": m.E2ENormalized, "decode_time_execution_plus_preemption_normalized": m.DecodeNormalized,
			"request_scheduling_delay": m.SchedulingDelay} {
			want, _ := strconv.ParseFloat(row[col[name]], 64)
			if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
				t.Fatalf("request %d %s = %.17g, Vidur wrote %.17g", id, name, got, want)
			}
		}
	}
}

func FuzzVidurRequestMetrics(f *testing.F) {
	seed, err := os.ReadFile(filepath.Join("..", "..", "testdata", "vidur-small", "request_metrics.csv"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte("Request Id,request_e2e_time,prefill_e2e_time,request_num_prefill_tokens,request_num_decode_tokens\n0,1,NaN,1,1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "config.json"), []byte("{}"), 0o644)
		os.WriteFile(filepath.Join(dir, "request_metrics.csv"), data, 0o644)
		r, err := Load(dir, true)
		if err != nil {
			return
		}
		for _, q := range r.Requests {
			m := q.Metrics()
			if m.TTFT < 0 || m.E2E < m.TTFT {
				t.Fatalf("accepted an inconsistent row: %+v", q)
			}
		}
	})
}
