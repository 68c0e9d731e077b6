package crash

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// Run is a temporary run directory that holds a journal.
type Run struct {
	Dir     string // the temporary directory
	Journal string // its journal file
	Header  *artifacts.JournalHeader
	// Alive says the writing process may still be running: it exists on
	// this host, or the journal comes from another host, where this one
	// cannot look.
	Alive bool
}

// Find lists the temporary directories of the run directory final that
// hold a journal with a readable header. A directory without one (a run
// still preparing, or one that died before its replay started) holds
// nothing to recover and is left out.
func Find(final string) ([]Run, error) {
	dirs, err := artifacts.TempDirs(final)
	if err != nil {
		return nil, err
	}
	var out []Run
	for _, d := range dirs {
		r, err := Open(d)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		var fe *artifacts.FileError
		if errors.As(err, &fe) {
			continue // a header cut short: the run died at its first write
		}
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, nil
}

// Open reads the journal header of one temporary directory.
func Open(dir string) (*Run, error) {
	p := filepath.Join(dir, artifacts.JournalFile)
	h, err := artifacts.ReadJournalHeader(p)
	if err != nil {
		return nil, err
	}
	return &Run{Dir: dir, Journal: p, Header: h, Alive: Alive(h)}, nil
}

// Alive reports whether the process that wrote h may still be running.
func Alive(h *artifacts.JournalHeader) bool {
	if host, err := os.Hostname(); err != nil || h.Host != host {
		return true
	}
	return pidAlive(h.PID)
}
