package artifacts

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// JournalSyncInterval bounds how long a journaled record stays only in
// the OS's page cache: what a power loss (not a killed process) can lose.
const JournalSyncInterval = time.Second

// JournalWriter appends records to a journal. Each call is one write(2)
// of whole lines, so a killed process leaves whole lines plus at most one
// cut-short last line. fsync runs on a goroutine of its own, at most
// JournalSyncInterval after a write and once more at Close: a slow disk
// never stalls the caller, which is timing a replay. Safe for concurrent
// use.
type JournalWriter struct {
	path  string
	mu    sync.Mutex
	f     *os.File
	buf   bytes.Buffer
	dirty bool
	err   error // the first write or sync error; later appends are dropped
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once
}

// CreateJournal creates the journal at path, which must not exist, and
// makes its name durable (the directory is synced).
func CreateJournal(path string) (*JournalWriter, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		f.Close()
		return nil, err
	}
	w := &JournalWriter{path: path, f: f, stop: make(chan struct{}), done: make(chan struct{})}
	go w.syncLoop()
	return w, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// Path is the journal's file.
func (w *JournalWriter) Path() string { return w.path }

// WriteHeader writes the header record; call it once, first.
func (w *JournalWriter) WriteHeader(h *JournalHeader) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Reset()
	return w.flush(encodeJournalHeader(&w.buf, h))
}

// Append writes one ended request and the batches recorded since the
// previous Append, in one write. A request's token times must already be
// final: the journal is never rewritten.
func (w *JournalWriter) Append(q *JournalRequest, batches []BatchRow) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Reset()
	err := encodeJournalRequest(&w.buf, q)
	for i := 0; i < len(batches) && err == nil; i++ {
		err = encodeJournalBatch(&w.buf, &batches[i])
	}
	return w.flush(err)
}

// flush writes buf unless encoding it failed (encErr); w.mu is held.
func (w *JournalWriter) flush(encErr error) error {
	if w.err != nil {
		return w.err
	}
	if encErr != nil {
		w.err = fmt.Errorf("journal %s: %w", w.path, encErr)
		return w.err
	}
	if _, err := w.f.Write(w.buf.Bytes()); err != nil {
		// A short write may have left part of a line: stop here, so the
		// cut line stays the last one and recovery drops only it.
		w.err = fmt.Errorf("journal %s: %w", w.path, err)
		return w.err
	}
	w.dirty = true
	return nil
}

func (w *JournalWriter) syncLoop() {
	defer close(w.done)
	t := time.NewTicker(JournalSyncInterval)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
			w.sync()
		}
	}
}

// sync fsyncs when something was written since the last sync. The lock is
// not held across the fsync: Append goes on meanwhile.
func (w *JournalWriter) sync() {
	w.mu.Lock()
	dirty := w.dirty && w.err == nil
	w.dirty = false
	w.mu.Unlock()
	if !dirty {
		return
	}
	if err := w.f.Sync(); err != nil {
		w.mu.Lock()
		if w.err == nil {
			w.err = fmt.Errorf("journal %s: %w", w.path, err)
		}
		w.mu.Unlock()
	}
}

// Err is the first write or sync error, if any.
func (w *JournalWriter) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// Close stops the sync goroutine, syncs a last time and closes the file.
// It returns the first error the journal met; a second Close does nothing
// more.
func (w *JournalWriter) Close() error {
	w.once.Do(func() {
		close(w.stop)
		<-w.done
		w.sync()
		w.mu.Lock()
		defer w.mu.Unlock()
		if err := w.f.Close(); err != nil && w.err == nil {
			w.err = fmt.Errorf("journal %s: %w", w.path, err)
		}
	})
	return w.Err()
}

// Remove closes the journal and deletes it: what a run that ends normally
// does before committing its directory.
func (w *JournalWriter) Remove() error {
	err := w.Close()
	if rerr := os.Remove(w.path); rerr != nil && err == nil {
		err = rerr
	}
	return err
}

// The encoders write one line each. A NaN or infinite time cannot be
// written (the callers' times come from a monotonic clock and are always
// finite); the error then stops the journal rather than leaving a line
// that recovery would refuse.

func encodeJournalHeader(b *bytes.Buffer, h *JournalHeader) error {
	return encodeCompact(b, journalHeaderJSON{Type: JournalTypeHeader, SchemaVersion: SchemaVersion, RunID: h.RunID, PID: h.PID,
		Host: h.Host, WorkDir: h.WorkDir, Batches: h.Batches, ConfigYAML: h.ConfigYAML, Meta: h.Meta})
}

func encodeJournalRequest(b *bytes.Buffer, q *JournalRequest) error {
	j := journalRequestJSON{Type: JournalTypeRequest, RequestID: q.RequestID, ArrivedAt: q.ArrivedAt,
		NumPrefillTokens: q.NumPrefillTokens, NumDecodeTokens: q.NumDecodeTokens, NumRestarts: q.NumRestarts,
		Status: q.Status, FailureReason: q.FailureReason, TokenTimes: q.TokenTimes, BatchSizes: q.BatchSizes}
	if !math.IsNaN(q.ScheduledAt) {
		s := q.ScheduledAt
		j.ScheduledAt = &s
	}
	if j.TokenTimes == nil {
		j.TokenTimes = []float64{}
	}
	return encodeCompact(b, j)
}

func encodeJournalBatch(b *bytes.Buffer, r *BatchRow) error {
	return encodeCompact(b, journalBatchJSON{Type: JournalTypeBatch, BatchID: r.BatchID, ScheduledAt: r.ScheduledAt,
		CompletedAt: r.CompletedAt, BatchSize: r.BatchSize, NumPrefillTokens: r.NumPrefillTokens, NumDecodeTokens: r.NumDecodeTokens})
}
