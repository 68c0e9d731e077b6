package artifacts

import (
	"bufio"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrExists is returned by [CreateDir] when the final directory already
// exists and overwriting was not asked for.
var ErrExists = errors.New("already exists")

// Dir is an output directory under construction. Files are written below
// Tmp; Commit renames Tmp to Final in one step, so readers only ever see a
// complete directory. Abort (safe to defer) removes what was written.
type Dir struct {
	Final     string
	Tmp       string
	overwrite bool
	done      bool
}

// CreateDir starts building the directory final. With overwrite false an
// existing final directory is an error wrapping [ErrExists]; with
// overwrite true it is replaced at Commit, not before, so a failed run
// keeps the old one.
func CreateDir(final string, overwrite bool) (*Dir, error) {
	if _, err := os.Stat(final); err == nil && !overwrite {
		return nil, fmt.Errorf("output directory %s: %w (choose another id, or pass overwrite=true)", final, ErrExists)
	}
	parent := filepath.Dir(final)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, pathError("create", parent, err)
	}
	var suffix [4]byte
	_, _ = rand.Read(suffix[:])
	tmp := filepath.Join(parent, tempPrefix(final)+hex.EncodeToString(suffix[:]))
	if err := os.Mkdir(tmp, 0o755); err != nil {
		return nil, pathError("create", tmp, err)
	}
	return &Dir{Final: final, Tmp: tmp, overwrite: overwrite}, nil
}

// tempPrefix starts the name of every temporary directory of final; 8 hex
// digits follow.
func tempPrefix(final string) string { return "." + filepath.Base(final) + ".tmp-" }

// TempDirs lists the temporary directories [CreateDir] made for final
// that still exist: runs in progress, and runs whose process died before
// Commit or Abort. (Commit's ".old" directories are not listed.)
func TempDirs(final string) ([]string, error) {
	ents, err := os.ReadDir(filepath.Dir(final))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	prefix := tempPrefix(final)
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if _, herr := hex.DecodeString(rest); ok && e.IsDir() && len(rest) == 8 && herr == nil {
			out = append(out, filepath.Join(filepath.Dir(final), e.Name()))
		}
	}
	return out, nil
}

// Path returns the temporary path of a file inside the directory.
func (d *Dir) Path(name string) string { return filepath.Join(d.Tmp, name) }

// WriteFile writes one file inside the directory through fn, buffered.
func (d *Dir) WriteFile(name string, fn func(w io.Writer) error) error {
	p := d.Path(name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return writeFile(p, fn)
}

func writeFile(p string, fn func(w io.Writer) error) error {
	f, err := os.Create(p)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	if err := fn(bw); err != nil {
		f.Close()
		return pathError("write", p, err)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return pathError("write", p, err)
	}
	return f.Close()
}

// pathError names path in err, unless err already names it (an
// *fs.PathError of that path, as a failed write or mkdir returns): a full
// disk reads "write <path>: no space left on device", once.
func pathError(op, path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && (pe.Path == path || strings.HasPrefix(path, pe.Path+string(filepath.Separator))) {
		return err
	}
	return fmt.Errorf("%s %s: %w", op, path, err)
}

// Commit moves the directory to its final name. An existing final
// directory (overwrite) is moved aside first and removed only once the new
// one is in place.
func (d *Dir) Commit() error {
	if d.done {
		return errors.New("artifacts: directory already committed or aborted")
	}
	var old string
	if _, err := os.Stat(d.Final); err == nil {
		// Another run may have taken the name since CreateDir checked it;
		// without overwrite its directory is not ours to replace.
		if !d.overwrite {
			return fmt.Errorf("output directory %s: %w (created by another run meanwhile)", d.Final, ErrExists)
		}
		old = d.Tmp + ".old"
		if err := os.Rename(d.Final, old); err != nil {
			return fmt.Errorf("replace %s: %w", d.Final, err)
		}
	}
	if err := os.Rename(d.Tmp, d.Final); err != nil {
		if old != "" {
			_ = os.Rename(old, d.Final)
		}
		return fmt.Errorf("rename %s to %s: %w", d.Tmp, d.Final, err)
	}
	d.done = true
	if old != "" {
		return os.RemoveAll(old)
	}
	return nil
}

// Abort removes the temporary directory unless it was committed.
func (d *Dir) Abort() {
	if d.done {
		return
	}
	d.done = true
	_ = os.RemoveAll(d.Tmp)
}

// FileSHA256 returns the hex sha256 of a file's bytes.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
