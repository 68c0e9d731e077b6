package gen

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func baseSettings() Settings {
	return Settings{
		NumRequests: 200, Seed: 7, MaxTokens: 4096,
		Arrival: ArrivalSettings{Kind: "poisson", QPS: 4, CV: 1},
		Length:  LengthSettings{Kind: "uniform", PrefillTokens: 100, DecodeTokens: 20, MinTokens: 64, MaxTokens: 512, PDRatio: 4, Theta: 0.6, Shuffle: true},
		Prompt:  PromptSettings{Source: "builtin"},
	}
}

func TestRequestsDeterministic(t *testing.T) {
	s := baseSettings()
	a, err := Requests(&s)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Requests(&s)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same settings gave different requests")
	}
	s.Seed++
	c, _ := Requests(&s)
	if reflect.DeepEqual(a, c) {
		t.Fatal("a different seed gave the same requests")
	}
}

// Changing the length law must not move the arrivals: they use their own
// random stream.
func TestArrivalsIndependentOfLengths(t *testing.T) {
	s := baseSettings()
	a, _ := Requests(&s)
	s.Length.Kind = "zipf"
	b, err := Requests(&s)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a {
		if a[i].ArrivedAt != b[i].ArrivedAt {
			t.Fatalf("request %d: arrival moved from %g to %g", i, a[i].ArrivedAt, b[i].ArrivedAt)
		}
	}
}

func TestPoissonRateAndClip(t *testing.T) {
	s := baseSettings()
	s.NumRequests = 20000
	s.Arrival.QPS = 2
	reqs, err := Requests(&s)
	if err != nil {
		t.Fatal(err)
	}
	prev, maxGap := 0.0, 0.0
	for _, r := range reqs {
		maxGap = math.Max(maxGap, r.ArrivedAt-prev)
		prev = r.ArrivedAt
	}
	mean := prev / float64(len(reqs))
	// Clipping at 3/qps removes e^-3 of the mass beyond: the mean gap is
	// (1 − e^-3)/qps = 0.4751 s; 20k samples put it within ±2%.
	if want := (1 - math.Exp(-3)) / 2; math.Abs(mean-want)/want > 0.02 {
		t.Errorf("mean gap %.4f, want %.4f", mean, want)
	}
	if maxGap > 1.5+1e-9 {
		t.Errorf("gap %g exceeds the 3/qps clip", maxGap)
	}
}

func TestGammaMeanAndCV(t *testing.T) {
	s := baseSettings()
	s.NumRequests = 40000
	s.Arrival = ArrivalSettings{Kind: "gamma", QPS: 5, CV: 2}
	reqs, err := Requests(&s)
	if err != nil {
		t.Fatal(err)
	}
	var sum, sum2 float64
	prev := 0.0
	for _, r := range reqs {
		g := r.ArrivedAt - prev
		prev = r.ArrivedAt
		sum += g
		sum2 += g * g
	}
	n := float64(len(reqs))
	mean := sum / n
	cv := math.Sqrt(sum2/n-mean*mean) / mean
	if math.Abs(mean-0.2)/0.2 > 0.03 {
		t.Errorf("mean gap %.4f, want 0.2", mean)
	}
	if math.Abs(cv-2)/2 > 0.06 {
		t.Errorf("cv %.3f, want 2", cv)
	}
}

func TestStaticArrivals(t *testing.T) {
	s := baseSettings()
	s.Arrival.Kind = "static"
	reqs, err := Requests(&s)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reqs {
		if r.ArrivedAt != 0 {
			t.Fatalf("static arrival at %g", r.ArrivedAt)
		}
	}
}

func TestDuration(t *testing.T) {
	s := baseSettings()
	s.NumRequests = 0
	s.Duration = 30
	reqs, err := Requests(&s)
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) < 60 || len(reqs) > 180 {
		t.Errorf("%d requests in 30 s at 4 qps", len(reqs))
	}
	if last := reqs[len(reqs)-1].ArrivedAt; last >= 30 {
		t.Errorf("last arrival %g not before the duration", last)
	}
}

func TestUniformLengthsSplit(t *testing.T) {
	s := baseSettings()
	reqs, _ := Requests(&s)
	for _, r := range reqs {
		total := r.NumPrefillTokens + r.NumDecodeTokens
		if total < 63 || total > 512 {
			t.Fatalf("total %d outside [64, 512]", total)
		}
		// decode = ceil(total/(1+4)): prefill is about four times decode.
		if r.NumDecodeTokens < 13 || float64(r.NumPrefillTokens) > 4*float64(r.NumDecodeTokens)+1 {
			t.Fatalf("split %d/%d does not follow pd_ratio 4", r.NumPrefillTokens, r.NumDecodeTokens)
		}
	}
}

func TestZipfRange(t *testing.T) {
	s := baseSettings()
	s.Length.Kind = "zipf"
	s.NumRequests = 2000
	reqs, err := Requests(&s)
	if err != nil {
		t.Fatal(err)
	}
	small := 0
	for _, r := range reqs {
		total := r.NumPrefillTokens + r.NumDecodeTokens
		if total < 63 || total > 512 {
			t.Fatalf("zipf total %d outside [64, 512]", total)
		}
		if total < 128 {
			small++
		}
	}
	// Zipf puts most mass on small totals.
	if small < len(reqs)/3 {
		t.Errorf("only %d of %d totals below 128: not Zipf-shaped", small, len(reqs))
	}
}

func TestMaxTokensClipsPrompt(t *testing.T) {
	s := baseSettings()
	s.MaxTokens = 100
	s.Length = LengthSettings{Kind: "uniform", MinTokens: 200, MaxTokens: 300, PDRatio: 4}
	reqs, err := Requests(&s)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reqs {
		if r.NumPrefillTokens+r.NumDecodeTokens != 100 {
			t.Fatalf("request clipped to %d+%d, want a total of 100", r.NumPrefillTokens, r.NumDecodeTokens)
		}
	}
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTraceFiles(t *testing.T) {
	s := baseSettings()
	s.NumRequests = 3
	s.Arrival = ArrivalSettings{Kind: "trace", TraceFile: writeFile(t, "a.csv", "arrived_at,extra\n0.5,x\n1.25,y\n2,z\n")}
	s.Length = LengthSettings{Kind: "trace", TraceFile: writeFile(t, "l.csv", "num_prefill_tokens,num_decode_tokens\n10,5\n20,6\n30,7\n")}
	reqs, err := Requests(&s)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0.5, 1.25, 2}
	for i, r := range reqs {
		if r.ArrivedAt != want[i] {
			t.Errorf("request %d arrived at %g, want %g", i, r.ArrivedAt, want[i])
		}
	}
	s.NumRequests = 4
	if _, err := Requests(&s); err == nil || !strings.Contains(err.Error(), "more than the 3 rows") {
		t.Errorf("num_requests beyond the trace: got %v", err)
	}
}

func TestBadInput(t *testing.T) {
	cases := []struct {
		name string
		edit func(*Settings)
		want string
	}{
		{"negative count", func(s *Settings) { s.NumRequests = -1 }, "workload.num_requests: -1 is negative"},
		{"qps zero", func(s *Settings) { s.Arrival.QPS = 0 }, "workload.arrival.qps: 0 must be > 0"},
		{"gamma cv", func(s *Settings) { s.Arrival.Kind = "gamma"; s.Arrival.CV = 0 }, "workload.arrival.cv"},
		{"unknown arrival", func(s *Settings) { s.Arrival.Kind = "bursty" }, `"bursty" is not one of`},
		{"max tokens below prompt", func(s *Settings) {
			s.Length = LengthSettings{Kind: "fixed", PrefillTokens: 2048, DecodeTokens: 16}
			s.MaxTokens = 1000
		}, "workload.max_tokens: 1000 is smaller than a request"},
		{"min above max", func(s *Settings) { s.Length.MinTokens = 600 }, "below length.min_tokens"},
		{"trace without file", func(s *Settings) { s.Length.Kind = "trace" }, "workload.length.trace_file: required"},
		{"corpus without file", func(s *Settings) { s.Prompt.Source = "corpus" }, "workload.prompt.corpus_file: required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := baseSettings()
			tc.edit(&s)
			_, err := Requests(&s)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestBadTraceCSV(t *testing.T) {
	cases := []struct{ body, want string }{
		{"num_prefill_tokens\n10\n", "missing required column(s) num_decode_tokens"},
		{"num_prefill_tokens,num_decode_tokens\n10,5\nten,5\n", `l.csv:3:1: column "num_prefill_tokens": "ten" is not an integer`},
		{"num_prefill_tokens,num_decode_tokens\n10,-5\n", `l.csv:2:4: column "num_decode_tokens": -5 is negative`},
	}
	for _, tc := range cases {
		s := baseSettings()
		s.Length = LengthSettings{Kind: "trace", TraceFile: writeFile(t, "l.csv", tc.body)}
		_, err := Requests(&s)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
}
