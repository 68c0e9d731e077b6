//go:build !linux

package disktest

import "testing"

// FillFile is the file Full fills the file system with.
const FillFile = "fill"

func skip(t testing.TB) {
	t.Helper()
	t.Skip("mounting a tmpfs needs Linux; the simulated write errors in package artifacts cover this path")
}

// Full skips the test: see the Linux version.
func Full(t testing.TB, free int64) string { skip(t); return "" }

// ReadOnly skips the test: see the Linux version.
func ReadOnly(t testing.TB) string { skip(t); return "" }

// Files skips the test: see the Linux version.
func Files(t testing.TB, root string, keep ...string) []string { skip(t); return nil }

// TempDirs skips the test: see the Linux version.
func TempDirs(t testing.TB, root string) []string { skip(t); return nil }

// CheckFailure skips the test: see the Linux version.
func CheckFailure(t testing.TB, status int, stderr, root, want string) { skip(t) }
