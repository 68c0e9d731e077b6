//go:build linux

package disktest

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// FillFile is the file Full fills the file system with.
const FillFile = "fill"

// mount mounts a tmpfs of size bytes at a new directory and unmounts it
// when the test ends.
func mount(t testing.TB, size int64, flags uintptr) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := "size=" + itoa(size) + ",mode=0755"
	if err := syscall.Mount("tmpfs", dir, "tmpfs", flags, opts); err != nil {
		t.Skipf("cannot mount a tmpfs at %s (%v): needs root; the simulated write errors in package artifacts cover this path", dir, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for ; n > 0; n /= 10 {
		i--
		b[i] = byte('0' + n%10)
	}
	return string(b[i:])
}

// Full returns the root of a 1 MiB tmpfs holding one file, FillFile, that
// leaves free bytes (rounded down to whole 4 KiB pages) unused: small
// files fit, a tool's output does not.
func Full(t testing.TB, free int64) string {
	t.Helper()
	const size = 1 << 20
	dir := mount(t, size, 0)
	f, err := os.Create(filepath.Join(dir, FillFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	var n int64
	for {
		m, err := f.Write(chunk)
		n += int64(m)
		if errors.Is(err, syscall.ENOSPC) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Truncate(max(n-free, 0) / 4096 * 4096); err != nil {
		t.Fatal(err)
	}
	return dir
}

// ReadOnly returns the root of an empty read-only tmpfs. (Permission bits
// would not do: root ignores them.)
func ReadOnly(t testing.TB) string {
	t.Helper()
	return mount(t, 1<<20, syscall.MS_RDONLY)
}

// Files lists the regular files under root, relative to it, but for
// FillFile and any name in keep: what a failed run left behind.
func Files(t testing.TB, root string, keep ...string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() || rel == FillFile {
			return nil
		}
		for _, k := range keep {
			if d.Name() == k {
				return nil
			}
		}
		out = append(out, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TempDirs lists the directories under root whose name marks them as an
// output directory under construction (".<name>.tmp-<hex>").
func TempDirs(t testing.TB, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && strings.Contains(d.Name(), ".tmp-") {
			rel, _ := filepath.Rel(root, p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// CheckFailure checks what a tool printed when its output could not be
// written: exit status 1 and one error line naming one path under root,
// once, and the OS error want (e.g. "no space left on device").
func CheckFailure(t testing.TB, status int, stderr, root, want string) {
	t.Helper()
	if status != 1 {
		t.Errorf("exit status %d, want 1; stderr:\n%s", status, stderr)
	}
	var errLines []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.Contains(l, ": error: ") {
			errLines = append(errLines, l)
		}
	}
	if len(errLines) != 1 {
		t.Fatalf("%d error lines, want 1:\n%s", len(errLines), stderr)
	}
	if l := errLines[0]; strings.Count(l, root) != 1 || !strings.Contains(l, want) {
		t.Errorf("error line %q does not name one path under %s and %q", l, root, want)
	}
}
