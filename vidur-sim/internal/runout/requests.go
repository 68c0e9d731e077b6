package runout

import (
	"github.com/simcheck/simcheck/pkg/artifacts"
)

// requestWriter formats request_metrics.csv on its own goroutine, as
// tokenWriter does token_metrics.csv: the simulation hands each record
// over by value and goes on. Rows keep the order of hand-over.
type requestWriter struct {
	c       *csvFile
	floats  floatCache // the goroutine's own
	pending []artifacts.RequestRecord
	jobs    chan []artifacts.RequestRecord
	done    chan struct{}
}

func newRequestWriter(d *artifacts.Dir) (*requestWriter, error) {
	w := &requestWriter{jobs: make(chan []artifacts.RequestRecord, 8), done: make(chan struct{})}
	var err error
	if w.c, err = createCSV(d, artifacts.RequestMetricsFile, artifacts.RequestColumns, &w.floats); err != nil {
		return nil, err
	}
	go w.run()
	return w, nil
}

func (w *requestWriter) add(rec *artifacts.RequestRecord) {
	w.pending = append(w.pending, *rec)
	if len(w.pending) == tokenBatch {
		w.jobs <- w.pending
		w.pending = make([]artifacts.RequestRecord, 0, tokenBatch)
	}
}

// finish waits for every row to be formatted and closes the file; a
// second call does nothing.
func (w *requestWriter) finish() error {
	if w.jobs == nil {
		return nil
	}
	if len(w.pending) > 0 {
		w.jobs <- w.pending
	}
	close(w.jobs)
	<-w.done
	w.jobs, w.pending = nil, nil
	return w.c.close()
}

func (w *requestWriter) run() {
	defer close(w.done)
	for recs := range w.jobs {
		for i := range recs {
			w.write(&recs[i])
		}
	}
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
