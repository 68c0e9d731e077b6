package runout

import (
	"github.com/simcheck/simcheck/pkg/artifacts"
)

// requestWriter formats request_metrics.csv on its own goroutine, as
// tokenWriter does token_metrics.csv: the simulation hands each record
// over by value and goes on. Rows keep the order of hand-over.
//
// It keeps no cache of formatted numbers: a request's times are its own,
// so a cache would miss and only cost its half megabyte of fresh pages.
type requestWriter struct {
	c *csvFile
	p *pipe[artifacts.RequestRecord] // nil once finished
}

func newRequestWriter(d *artifacts.Dir) (*requestWriter, error) {
	w := &requestWriter{}
	var err error
	if w.c, err = createCSV(d, artifacts.RequestMetricsFile, artifacts.RequestColumns, nil); err != nil {
		return nil, err
	}
	w.p = newPipe(w.write)
	return w, nil
}

func (w *requestWriter) add(rec *artifacts.RequestRecord) {
	w.p.add(*rec)
}

// finish waits for every row to be formatted and closes the file; a
// second call does nothing.
func (w *requestWriter) finish() error {
	if w.p == nil {
		return nil
	}
	w.p.wait()
	w.p = nil
	return w.c.close()
}

// write writes the row artifacts.RunWriter.Request writes.
func (w *requestWriter) write(rec *artifacts.RequestRecord) {
	m := rec.Metrics()
	c := w.c
	if !plain(rec.Status) || !plain(rec.FailureReason) {
		F, I := artifacts.Float, artifacts.Int
		c.slowRow(I(rec.RequestID), F(rec.ArrivedAt), F(rec.ScheduledAt), F(rec.PrefillCompletedAt), F(rec.CompletedAt),
			I(rec.NumPrefillTokens), I(rec.NumDecodeTokens), I(rec.NumDecodeTokensActual), I(rec.NumRestarts), rec.Status,
			F(m.E2E), F(m.TTFT), F(m.SchedulingDelay), F(m.DecodeNormalized), F(m.TPOT), F(m.E2ENormalized), rec.FailureReason)
		c.n++
		return
	}
	c.int(rec.RequestID)
	for _, v := range [...]float64{rec.ArrivedAt, rec.ScheduledAt, rec.PrefillCompletedAt, rec.CompletedAt} {
		c.float(v)
	}
	for _, v := range [...]int{rec.NumPrefillTokens, rec.NumDecodeTokens, rec.NumDecodeTokensActual, rec.NumRestarts} {
		c.int(v)
	}
	c.row = append(append(c.row, rec.Status...), ',')
	for _, v := range [...]float64{m.E2E, m.TTFT, m.SchedulingDelay, m.DecodeNormalized, m.TPOT, m.E2ENormalized} {
		c.float(v)
	}
	c.row = append(append(c.row, rec.FailureReason...), ',')
	c.end()
}
