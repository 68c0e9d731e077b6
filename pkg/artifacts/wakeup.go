package artifacts

import (
	"fmt"
	"io"
	"os"
	"sort"
)

// IdleWakeupFile is the wake-up table's name in a profiling bundle.
const IdleWakeupFile = "idle_wakeup.csv"

// WakeupRow is one line of idle_wakeup.csv: after the engine sat idle for
// IdleS seconds, a step that takes StepMs when the engine is busy took
// PenaltyMs longer (median over Samples tries; Mean and Std describe the
// spread). Vidur has no such term; vidur-profile measures it because an
// idle CPU (or its host) needs time to come back to full speed.
//
// LateMs (optional column late_ms_median, 0 when absent) is the part of
// the penalty that passes before the engine starts the step: how late the
// idle wait ends. A real run shows it as scheduling delay, the rest as a
// slower step.
type WakeupRow struct {
	IdleS     float64
	StepMs    float64
	PenaltyMs float64 // median
	MeanMs    float64
	StdMs     float64
	Samples   int
	LateMs    float64 // median; ≥ 0
}

var wakeupCols = []string{"idle_s", "step_ms", "penalty_ms_median", "penalty_ms_mean", "penalty_ms_std", "samples"}

const wakeupLateCol = "late_ms_median"

// WriteIdleWakeup writes rows sorted by (idle_s, step_ms).
func WriteIdleWakeup(w io.Writer, rows []WakeupRow) error {
	rows = append([]WakeupRow(nil), rows...)
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].IdleS != rows[j].IdleS {
			return rows[i].IdleS < rows[j].IdleS
		}
		return rows[i].StepMs < rows[j].StepMs
	})
	cw := NewCSVWriter(w, append(append([]string(nil), wakeupCols...), wakeupLateCol)...)
	for _, r := range rows {
		cw.Write(Float(r.IdleS), Float(r.StepMs), Float(r.PenaltyMs), Float(r.MeanMs), Float(r.StdMs), Int(r.Samples), Float(r.LateMs))
	}
	return cw.Flush()
}

// ReadIdleWakeup reads idle_wakeup.csv. Every cell must be a finite
// number; idle_s and step_ms must be positive, samples at least 1,
// late_ms_median (optional: files written before it existed lack it) ≥ 0,
// and each (idle_s, step_ms) pair may appear once.
func ReadIdleWakeup(path string) ([]WakeupRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := NewTable(path, f, wakeupCols...)
	if err != nil {
		return nil, err
	}
	var out []WakeupRow
	seen := map[[2]float64]bool{}
	late := t.Has(wakeupLateCol)
	for t.Next() {
		r := WakeupRow{IdleS: t.Float("idle_s"), StepMs: t.Float("step_ms"), PenaltyMs: t.Float("penalty_ms_median"),
			MeanMs: t.Float("penalty_ms_mean"), StdMs: t.Float("penalty_ms_std"), Samples: t.Int("samples")}
		if late {
			r.LateMs = t.Float(wakeupLateCol)
		}
		if err := t.Err(); err != nil {
			return nil, err
		}
		switch {
		case r.IdleS <= 0:
			t.Fail("idle_s", fmt.Errorf("%g must be > 0", r.IdleS))
		case r.StepMs <= 0:
			t.Fail("step_ms", fmt.Errorf("%g must be > 0", r.StepMs))
		case r.Samples < 1:
			t.Fail("samples", fmt.Errorf("%d must be at least 1", r.Samples))
		case r.LateMs < 0:
			t.Fail(wakeupLateCol, fmt.Errorf("%g must be ≥ 0", r.LateMs))
		}
		if err := t.Err(); err != nil {
			return nil, err
		}
		k := [2]float64{r.IdleS, r.StepMs}
		if seen[k] {
			t.Fail("step_ms", fmt.Errorf("idle_s %g, step_ms %g appears twice", r.IdleS, r.StepMs))
			return nil, t.Err()
		}
		seen[k] = true
		out = append(out, r)
	}
	if err := t.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, &FileError{Path: path, Err: fmt.Errorf("no rows")}
	}
	return out, nil
}
