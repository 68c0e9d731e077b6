package artifacts

import (
	"fmt"
	"io"
	"os"
)

// StepJitterFile is the step-time spread table's name in a profiling
// bundle.
const StepJitterFile = "step_jitter.csv"

// JitterRow is one line of step_jitter.csv: the Quantile-th quantile of
// the time of one repeated engine step is StepMs, Ratio times the median.
// Vidur has no such term: it predicts every step at its operators'
// median, while a real engine's steps on a shared host spread around it
// (the tail of TBT). vidur-profile measures the spread; vidur-sim can draw
// each step's factor from it.
type JitterRow struct {
	Quantile float64 // 0..1
	Ratio    float64 // step time / median step time
	StepMs   float64
}

var jitterCols = []string{"quantile", "ratio", "step_ms"}

// WriteStepJitter writes rows in the given order (increasing quantile).
func WriteStepJitter(w io.Writer, rows []JitterRow) error {
	cw := NewCSVWriter(w, jitterCols...)
	for _, r := range rows {
		cw.Write(Float(r.Quantile), Float(r.Ratio), Float(r.StepMs))
	}
	return cw.Flush()
}

// ReadStepJitter reads step_jitter.csv: at least two rows, quantiles
// increasing from 0 to 1, ratios positive and never decreasing (it is an
// inverse distribution function), step_ms positive.
func ReadStepJitter(path string) ([]JitterRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := NewTable(path, f, jitterCols...)
	if err != nil {
		return nil, err
	}
	var out []JitterRow
	last := 0
	for t.Next() {
		last = t.Line()
		r := JitterRow{Quantile: t.Float("quantile"), Ratio: t.Float("ratio"), StepMs: t.Float("step_ms")}
		if err := t.Err(); err != nil {
			return nil, err
		}
		var prev *JitterRow
		if len(out) > 0 {
			prev = &out[len(out)-1]
		}
		switch {
		case r.Quantile < 0 || r.Quantile > 1:
			t.Fail("quantile", fmt.Errorf("%g is outside [0, 1]", r.Quantile))
		case prev == nil && r.Quantile != 0:
			t.Fail("quantile", fmt.Errorf("%g: the first row must be quantile 0", r.Quantile))
		case prev != nil && r.Quantile <= prev.Quantile:
			t.Fail("quantile", fmt.Errorf("%g does not increase (the row before has %g)", r.Quantile, prev.Quantile))
		case r.Ratio <= 0:
			t.Fail("ratio", fmt.Errorf("%g must be > 0", r.Ratio))
		case prev != nil && r.Ratio < prev.Ratio:
			t.Fail("ratio", fmt.Errorf("%g is below the row before's %g (ratios rise with the quantile)", r.Ratio, prev.Ratio))
		case r.StepMs <= 0:
			t.Fail("step_ms", fmt.Errorf("%g must be > 0", r.StepMs))
		}
		if err := t.Err(); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := t.Err(); err != nil {
		return nil, err
	}
	switch {
	case len(out) < 2:
		return nil, &FileError{Path: path, Err: fmt.Errorf("%d rows, want at least 2 (quantiles 0 and 1)", len(out))}
	case out[len(out)-1].Quantile != 1:
		return nil, &FileError{Path: path, Line: last, Err: fmt.Errorf("the last row's quantile is %g, want 1", out[len(out)-1].Quantile)}
	}
	return out, nil
}
