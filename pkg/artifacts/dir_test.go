package artifacts

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeText(d *Dir, name, text string) error {
	return d.WriteFile(name, func(w io.Writer) error { _, err := io.WriteString(w, text); return err })
}

func readText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// entries lists the names in dir, so a test sees leftovers (.tmp-*, .old).
func entries(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// existing makes root/out holding a.txt = "old".
func existing(t *testing.T, root string) string {
	t.Helper()
	final := filepath.Join(root, "out")
	if err := os.MkdirAll(final, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(final, "a.txt"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	return final
}

// TestDirAtomic checks docs/artifacts.md's writing rule: a directory appears under its
// final name complete or not at all.
func TestDirAtomic(t *testing.T) {
	t.Parallel()
	t.Run("commit renames into place", func(t *testing.T) {
		root := t.TempDir()
		final := filepath.Join(root, "nested", "out")
		d, err := CreateDir(final, false)
		if err != nil {
			t.Fatal(err)
		}
		if err := writeText(d, "tables/summary.csv", "x\n"); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(final); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("final directory visible before Commit: %v", err)
		}
		if filepath.Dir(d.Tmp) != filepath.Dir(final) || !strings.HasPrefix(filepath.Base(d.Tmp), ".out.tmp-") {
			t.Errorf("temporary directory %s is not a hidden sibling of %s (rename must not cross file systems)", d.Tmp, final)
		}
		if err := d.Commit(); err != nil {
			t.Fatal(err)
		}
		if got := readText(t, filepath.Join(final, "tables", "summary.csv")); got != "x\n" {
			t.Errorf("after Commit: %q", got)
		}
		if got := entries(t, filepath.Dir(final)); len(got) != 1 {
			t.Errorf("Commit left %v in the parent", got)
		}
		d.Abort() // after Commit: a no-op
		if _, err := os.Stat(final); err != nil {
			t.Errorf("Abort after Commit removed the directory: %v", err)
		}
		if err := d.Commit(); err == nil {
			t.Error("a second Commit succeeded")
		}
	})
	t.Run("abort removes everything", func(t *testing.T) {
		root := t.TempDir()
		d, err := CreateDir(filepath.Join(root, "out"), false)
		if err != nil {
			t.Fatal(err)
		}
		if err := writeText(d, "a.txt", "half"); err != nil {
			t.Fatal(err)
		}
		d.Abort()
		d.Abort() // twice is fine (deferred and explicit)
		if got := entries(t, root); len(got) != 0 {
			t.Errorf("Abort left %v", got)
		}
		if err := d.Commit(); err == nil {
			t.Error("Commit after Abort succeeded")
		}
	})
	t.Run("existing without overwrite", func(t *testing.T) {
		root := t.TempDir()
		final := existing(t, root)
		if _, err := CreateDir(final, false); !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), final) {
			t.Fatalf("got %v, want ErrExists naming %s", err, final)
		}
		if got := entries(t, root); len(got) != 1 || readText(t, filepath.Join(final, "a.txt")) != "old" {
			t.Errorf("refused CreateDir changed the parent: %v", got)
		}
	})
	t.Run("overwrite keeps the old directory until commit", func(t *testing.T) {
		root := t.TempDir()
		final := existing(t, root)
		d, err := CreateDir(final, true)
		if err != nil {
			t.Fatal(err)
		}
		if err := writeText(d, "b.txt", "new"); err != nil {
			t.Fatal(err)
		}
		if got := readText(t, filepath.Join(final, "a.txt")); got != "old" {
			t.Fatalf("old directory changed before Commit: %q", got)
		}
		if err := d.Commit(); err != nil {
			t.Fatal(err)
		}
		if got := readText(t, filepath.Join(final, "b.txt")); got != "new" {
			t.Errorf("after Commit: %q", got)
		}
		if _, err := os.Stat(filepath.Join(final, "a.txt")); !errors.Is(err, os.ErrNotExist) {
			t.Error("the old directory's files survived: replaced, not merged, is the rule")
		}
		if got := entries(t, root); len(got) != 1 {
			t.Errorf("Commit left %v in the parent", got)
		}
	})
	t.Run("overwrite then abort keeps the old directory", func(t *testing.T) {
		root := t.TempDir()
		final := existing(t, root)
		d, err := CreateDir(final, true)
		if err != nil {
			t.Fatal(err)
		}
		_ = writeText(d, "a.txt", "new")
		d.Abort()
		if got := readText(t, filepath.Join(final, "a.txt")); got != "old" {
			t.Errorf("a failed overwrite damaged the old directory: %q", got)
		}
		if got := entries(t, root); len(got) != 1 {
			t.Errorf("Abort left %v", got)
		}
	})
	t.Run("name taken meanwhile without overwrite", func(t *testing.T) {
		root := t.TempDir()
		d, err := CreateDir(filepath.Join(root, "out"), false)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Abort()
		final := existing(t, root) // another run commits first
		if err := d.Commit(); !errors.Is(err, ErrExists) {
			t.Fatalf("Commit: %v, want ErrExists", err)
		}
		if got := readText(t, filepath.Join(final, "a.txt")); got != "old" {
			t.Errorf("Commit replaced another run's directory: %q", got)
		}
		d.Abort()
		if got := entries(t, root); len(got) != 1 {
			t.Errorf("Abort left %v", got)
		}
	})
	t.Run("a writer error names the file", func(t *testing.T) {
		d, err := CreateDir(filepath.Join(t.TempDir(), "out"), false)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Abort()
		err = d.WriteFile("a.csv", func(io.Writer) error { return errors.New("disk full") })
		if err == nil || !strings.Contains(err.Error(), "a.csv") || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("got %v", err)
		}
	})
}

func TestFileSHA256(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("abc"), 0o644); err != nil {
		t.Fatal(err)
	}
	// sha256("abc"), FIPS 180-2 appendix B.1.
	const want = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	if got, err := FileSHA256(p); err != nil || got != want {
		t.Errorf("got %s, %v", got, err)
	}
	if _, err := FileSHA256(p + ".missing"); err == nil {
		t.Error("missing file: no error")
	}
}
