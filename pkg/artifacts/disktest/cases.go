package disktest

import "testing"

// Case is a way for an output root to refuse writes, and the OS error a
// tool must name then.
type Case struct {
	Name  string
	Mount func(t testing.TB) string
	Want  string
}

// Cases are a full file system with free bytes left and a read-only one.
func Cases(free int64) []Case {
	return []Case{
		{"full disk", func(t testing.TB) string { return Full(t, free) }, "no space left on device"},
		{"read-only", ReadOnly, "read-only file system"},
	}
}

// CheckNothingLeft checks that a refused tool printed nothing on stdout
// and left no file (but keep) and no temporary directory under root.
func CheckNothingLeft(t testing.TB, root, stdout string, keep ...string) {
	t.Helper()
	if stdout != "" {
		t.Errorf("printed %q, want nothing", stdout)
	}
	if left := Files(t, root, keep...); len(left) > 0 {
		t.Errorf("files left: %v", left)
	}
	if tmp := TempDirs(t, root); len(tmp) > 0 {
		t.Errorf("temporary directories left: %v", tmp)
	}
}
