package runout

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/vidur-sim/internal/des"
	"github.com/simcheck/simcheck/vidur-sim/internal/entity"
)

// Writer is a sim.Observer that writes the run's CSVs and, when asked,
// chrome_trace.json. It keeps what the serving summary needs (three
// latencies per request and the inter-token gaps) so that run_meta.json
// is written once, without reading the CSVs back.
type Writer struct {
	d            *artifacts.Dir
	req          *requestWriter
	batch        *csvFile
	tok          *tokenWriter
	floats       floatCache
	tally        *artifacts.ServingTally
	nOK, nFailed int
	chrome       *bufio.Writer
	cf           *os.File
	first        bool
	buf          []byte
}

// ChromeTraceFile is the optional trace of batch stages.
const ChromeTraceFile = "chrome_trace.json"

// New opens the writers inside d: request_metrics.csv always,
// token_metrics.csv and batch_metrics.csv when asked.
func New(d *artifacts.Dir, tokens, batches, chrome bool) (*Writer, error) {
	w := &Writer{d: d, first: true, tally: artifacts.NewServingTally(0, false)}
	if err := w.open(tokens, batches, chrome); err != nil {
		w.closeFiles()
		return nil, err
	}
	return w, nil
}

func (w *Writer) open(tokens, batches, chrome bool) error {
	var err error
	if w.req, err = newRequestWriter(w.d); err != nil {
		return err
	}
	if tokens {
		if w.tok, err = newTokenWriter(w.d); err != nil {
			return err
		}
	}
	if batches {
		if w.batch, err = createCSV(w.d, artifacts.BatchMetricsFile, artifacts.BatchColumns, &w.floats); err != nil {
			return err
		}
	}
	if chrome {
		if w.cf, err = os.Create(w.d.Path(ChromeTraceFile)); err != nil {
			return err
		}
		w.chrome = bufio.NewWriterSize(w.cf, 1<<16)
		w.chrome.WriteString(`{"traceEvents": [`)
	}
	return nil
}

// Record converts a finished (or, with reason, failed) request.
func Record(r *entity.Request, reason string) artifacts.RequestRecord {
	t := func(v des.Time, set bool) float64 {
		if !set {
			return math.NaN()
		}
		return float64(v)
	}
	rec := artifacts.RequestRecord{
		RequestID:             r.ID,
		ArrivedAt:             float64(r.ArrivedAt),
		ScheduledAt:           t(r.ScheduledAt, r.Scheduled || r.NumRestarts > 0),
		PrefillCompletedAt:    t(r.PrefillCompletedAt, r.PrefillCompletedAt != 0),
		CompletedAt:           t(r.CompletedAt, r.Completed),
		NumPrefillTokens:      r.OrigPrefill,
		NumDecodeTokens:       r.OrigDecode,
		NumDecodeTokensActual: r.Emitted,
		NumRestarts:           r.NumRestarts,
		Status:                artifacts.StatusOK,
	}
	if reason != "" {
		rec.Status, rec.FailureReason = artifacts.StatusFailed, reason
	}
	return rec
}

// Expect sizes the serving summary's tally for n requests up front, so
// that it is not copied into ever larger arrays as the run goes.
func (w *Writer) Expect(n int) { w.tally.Grow(n) }

// RequestDone implements sim.Observer.
func (w *Writer) RequestDone(r *entity.Request) { w.finished(r, "") }

// Failed writes a request that never finished.
func (w *Writer) Failed(r *entity.Request, reason string) { w.finished(r, reason) }

// finished writes r's row (failed with reason, when given) and hands its
// token arrays to the token writer, which releases them once written, or
// releases them at once.
func (w *Writer) finished(r *entity.Request, reason string) {
	rec := Record(r, reason)
	w.request(&rec)
	if r.Track {
		if w.tok != nil {
			w.tok.add(r, reason == "")
		} else {
			entity.ReleaseTokens(r.TokenTimes, r.TokenBatch)
		}
		r.TokenTimes, r.TokenBatch = nil, nil
	}
}

// request writes the row artifacts.RunWriter.Request writes.
func (w *Writer) request(rec *artifacts.RequestRecord) {
	if rec.Status == artifacts.StatusOK {
		w.nOK++
	} else {
		w.nFailed++
	}
	w.tally.Add(rec)
	w.req.add(rec)
}

// BatchDone implements sim.Observer.
func (w *Writer) BatchDone(b *entity.Batch) {
	c := w.batch
	if c == nil {
		return
	}
	c.int(b.ID)
	c.float(float64(b.ScheduledAt))
	c.float(float64(b.CompletedAt))
	c.int(b.Size())
	c.int(b.PrefillTokens)
	c.int(b.DecodeTokens())
	c.end()
}

// StageDone implements sim.Observer: one Chrome "X" event per batch stage,
// in µs, as Vidur writes it.
func (w *Writer) StageDone(replica, stage int, b *entity.Batch, start des.Time, exec float64) {
	if w.chrome == nil {
		return
	}
	bf := w.buf[:0]
	if !w.first {
		bf = append(bf, ',')
	}
	w.first = false
	ids := func(bf []byte) []byte {
		bf = append(bf, '[')
		for i, r := range b.Requests {
			if i > 0 {
				bf = append(bf, ", "...)
			}
			bf = strconv.AppendInt(bf, int64(r.ID), 10)
		}
		return append(bf, ']')
	}
	bf = append(bf, "\n{\"name\": \""...)
	bf = ids(bf)
	bf = append(bf, "\", \"ph\": \"X\", \"ts\": "...)
	bf = strconv.AppendFloat(bf, float64(start)*1e6, 'g', -1, 64)
	bf = append(bf, ", \"dur\": "...)
	bf = strconv.AppendFloat(bf, exec*1e6, 'g', -1, 64)
	bf = fmt.Appendf(bf, ", \"pid\": %d, \"tid\": %d, \"args\": {\"batch_id\": %d, \"batch_size\": %d, \"request_ids\": ", replica, stage, b.ID, b.Size())
	bf = ids(bf)
	bf = append(bf, ", \"num_tokens\": ["...)
	for i, n := range b.Tokens {
		if i > 0 {
			bf = append(bf, ", "...)
		}
		bf = strconv.AppendInt(bf, int64(n), 10)
	}
	bf = append(bf, "]}}"...)
	w.chrome.Write(bf)
	w.buf = bf
}

// Close finishes every file and writes run_meta.json with the run's
// counts and its serving summary under slo (what artifacts.RunWriter.Close
// and then artifacts.WriteServing write). It does not commit the
// directory.
func (w *Writer) Close(meta *artifacts.RunMeta, slo artifacts.SLO) error {
	if w.chrome != nil {
		w.chrome.WriteString("\n]}\n")
		if err := w.chrome.Flush(); err != nil {
			w.closeFiles()
			return err
		}
	}
	if err := w.closeFiles(); err != nil {
		return err
	}
	meta.SchemaVersion = artifacts.SchemaVersion
	meta.Counts = artifacts.RunCounts{Requests: w.req.c.n, Completed: w.nOK, Failed: w.nFailed}
	if w.tok != nil {
		meta.Counts.Tokens = w.tok.c.n
	}
	if w.batch != nil {
		meta.Counts.Batches = w.batch.n
	}
	if meta.Warnings == nil {
		meta.Warnings = []string{}
	}
	if meta.ToolVersion == "" {
		meta.ToolVersion = artifacts.ToolVersion
	}
	if err := meta.Validate(); err != nil {
		return err
	}
	// Without token_metrics.csv the summary has no ITL, as when it is
	// read from the files.
	s := w.tally.Result(nil, meta.Duration, slo)
	if w.tok != nil {
		setITL(&s, w.tok.itl())
	}
	meta.Serving = &s
	return w.d.WriteFile(artifacts.RunMetaFile, func(out io.Writer) error { return artifacts.WriteJSON(out, meta) })
}

// closeFiles flushes and closes whatever is open. It returns the first
// error only: on a full disk every file fails the same way.
func (w *Writer) closeFiles() error {
	var first error
	keep := func(err error) {
		if first == nil {
			first = err
		}
	}
	if w.tok != nil {
		keep(w.tok.finish())
	}
	if w.req != nil {
		keep(w.req.finish())
	}
	for _, c := range []*csvFile{w.batch} {
		if c != nil && c.f != nil {
			keep(c.close())
			c.f = nil
		}
	}
	if w.cf != nil {
		keep(w.cf.Close())
		w.cf = nil
	}
	return first
}

// Abort closes whatever is still open, for a run that ends without
// Close; after Close it does nothing.
func (w *Writer) Abort() { w.closeFiles() }
