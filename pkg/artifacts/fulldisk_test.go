package artifacts

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts/disktest"
)

// checkNothingLeft fails when final exists or a temporary directory of it
// is left beside it.
func checkNothingLeft(t *testing.T, final string) {
	t.Helper()
	if _, err := os.Stat(final); err == nil {
		t.Errorf("%s exists after a failed write", final)
	}
	if tmp, err := TempDirs(final); err != nil || len(tmp) > 0 {
		t.Errorf("temporary directories left: %v %v", tmp, err)
	}
}

// TestWriteErrorSimulated: a write that fails (as a full disk fails it,
// simulated through the writer) is one error naming the file once and
// the OS error; Abort then leaves nothing.
func TestWriteErrorSimulated(t *testing.T) {
	final := filepath.Join(t.TempDir(), "out", "run")
	d, err := CreateDir(final, false)
	if err != nil {
		t.Fatal(err)
	}
	p := d.Path(RequestMetricsFile)
	err = d.WriteFile(RequestMetricsFile, func(w io.Writer) error {
		if _, err := io.WriteString(w, "request_id\n"); err != nil {
			return err
		}
		return &fs.PathError{Op: "write", Path: p, Err: syscall.ENOSPC}
	})
	if want := "write " + p + ": no space left on device"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
	// An error that names no file gets the file's name.
	err = d.WriteFile(RunMetaFile, func(io.Writer) error { return syscall.EIO })
	if want := "write " + d.Path(RunMetaFile) + ": input/output error"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
	d.Abort()
	checkNothingLeft(t, final)
}

// TestRunWriterFullDisk: on a full tmpfs, every file of a run fails; the
// error is the first one, one line, naming its file.
func TestRunWriterFullDisk(t *testing.T) {
	root := disktest.Full(t, 8<<10)
	final := filepath.Join(root, "real_runs", "r")
	d, err := CreateDir(final, false)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Abort()
	rw, err := NewRunWriter(d, true, true)
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("x"), 100)
	for i := range 20000 {
		rw.Request(&RequestRecord{RequestID: i, Status: StatusOK, FailureReason: string(big)})
	}
	err = rw.Close(&RunMeta{RunID: "r", Kind: KindReal, Status: RunComplete})
	if err == nil {
		t.Fatal("no error on a full disk")
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "no space left on device") || strings.Count(msg, root) != 1 {
		t.Errorf("error %q: want one line naming one path under %s and the OS error", msg, root)
	}
	d.Abort()
	checkNothingLeft(t, final)
}

// TestCreateDirReadOnly: a read-only file system fails CreateDir with
// the directory and the OS error, and leaves nothing.
func TestCreateDirReadOnly(t *testing.T) {
	root := disktest.ReadOnly(t)
	final := filepath.Join(root, "workloads", "w")
	_, err := CreateDir(final, false)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(root, "workloads")) || !strings.Contains(err.Error(), "read-only file system") ||
		strings.Count(err.Error(), root) != 1 {
		t.Errorf("error %v: want the directory once and the OS error", err)
	}
	checkNothingLeft(t, final)
}
