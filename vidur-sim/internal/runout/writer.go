package runout

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"strconv"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/vidur-sim/internal/des"
	"github.com/simcheck/simcheck/vidur-sim/internal/entity"
)

// Writer is a sim.Observer that writes the run's CSVs and, when asked,
// chrome_trace.json.
type Writer struct {
	RW     *artifacts.RunWriter
	chrome *bufio.Writer
	cf     *os.File
	first  bool
	buf    []byte
}

// ChromeTraceFile is the optional trace of batch stages.
const ChromeTraceFile = "chrome_trace.json"

// New opens the writers inside d.
func New(d *artifacts.Dir, tokens, batches, chrome bool) (*Writer, error) {
	rw, err := artifacts.NewRunWriter(d, tokens, batches)
	if err != nil {
		return nil, err
	}
	w := &Writer{RW: rw, first: true}
	if chrome {
		f, err := os.Create(d.Path(ChromeTraceFile))
		if err != nil {
			return nil, err
		}
		w.cf = f
		w.chrome = bufio.NewWriterSize(f, 1<<16)
		w.chrome.WriteString(`{"traceEvents": [`)
	}
	return w, nil
}

// Record converts a finished (or, with reason, failed) request.
func Record(r *entity.Request, reason string) *artifacts.RequestRecord {
	t := func(v des.Time, set bool) float64 {
		if !set {
			return math.NaN()
		}
		return float64(v)
	}
	rec := &artifacts.RequestRecord{
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

// RequestDone implements sim.Observer.
func (w *Writer) RequestDone(r *entity.Request) {
	w.RW.Request(Record(r, ""))
	if r.Track {
		w.RW.Tokens(r.ID, float64(r.ArrivedAt), r.TokenTimes, r.TokenBatch)
		r.TokenTimes, r.TokenBatch = nil, nil
	}
}

// Failed writes a request that never finished.
func (w *Writer) Failed(r *entity.Request, reason string) {
	w.RW.Request(Record(r, reason))
	if r.Track {
		w.RW.Tokens(r.ID, float64(r.ArrivedAt), r.TokenTimes, r.TokenBatch)
	}
}

// BatchDone implements sim.Observer.
func (w *Writer) BatchDone(b *entity.Batch) {
	w.RW.Batch(artifacts.BatchRow{BatchID: b.ID, ScheduledAt: float64(b.ScheduledAt), CompletedAt: float64(b.CompletedAt),
		BatchSize: b.Size(), NumPrefillTokens: b.PrefillTokens, NumDecodeTokens: b.DecodeTokens()})
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

// Close finishes every file and writes run_meta.json.
func (w *Writer) Close(meta *artifacts.RunMeta) error {
	if w.chrome != nil {
		w.chrome.WriteString("\n]}\n")
		if err := w.chrome.Flush(); err != nil {
			w.cf.Close()
			return err
		}
		if err := w.cf.Close(); err != nil {
			return err
		}
	}
	return w.RW.Close(meta)
}
