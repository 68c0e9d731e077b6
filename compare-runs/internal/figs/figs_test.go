package figs

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

func TestECDFThinsToQuantiles(t *testing.T) {
	xs, ys := ecdf([]float64{3, 1, 2})
	if len(xs) != 3 || xs[0] != 1 || xs[2] != 3 || ys[0] != 1.0/3 || ys[2] != 1 {
		t.Errorf("small sample: %v %v", xs, ys)
	}
	big := make([]float64, 10000)
	for i := range big {
		big[i] = float64(len(big) - i)
	}
	xs, ys = ecdf(big)
	if len(xs) != maxCurvePoints || xs[0] != 1 || xs[len(xs)-1] != 10000 || ys[len(ys)-1] != 1 {
		t.Errorf("thinned: %d points, first %g, last %g/%g", len(xs), xs[0], xs[len(xs)-1], ys[len(ys)-1])
	}
}

func TestPagesAreOfflineAndStable(t *testing.T) {
	set := &Set{Title: "t",
		CDFs:     []CDF{{Key: "ttft", Title: "TTFT", Unit: "ms", Series: []Series{{Name: "real", Values: []float64{1, 2}}}}},
		Scatters: []Scatter{{Key: "ttft", Title: "TTFT", Unit: "ms", Series: []XY{{Name: "sim", X: []float64{1, 2}, Y: []float64{1.1, 2.2}}}}},
	}
	render := func() map[string]string {
		out := map[string]string{}
		_, err := WriteHTML(set, func(name string, fn func(io.Writer) error) error {
			var b bytes.Buffer
			err := fn(&b)
			out[name] = b.String()
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	a, b := render(), render()
	for name, html := range a {
		if html != b[name] {
			t.Errorf("%s differs between two renders", name)
		}
		if !strings.Contains(html, `src="./echarts.min.js"`) || strings.Contains(html, "https://") {
			t.Errorf("%s must load only ./echarts.min.js", name)
		}
	}
	if !strings.Contains(a[CDFPage], `id="cdf_ttft"`) || !strings.Contains(a[ScatterPage], `id="scatter_ttft"`) {
		t.Error("chart ids are not the fixed ones")
	}
}
