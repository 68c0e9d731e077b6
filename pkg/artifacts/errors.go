package artifacts

import (
	"fmt"
	"strings"
)

// FileError reports bad input at a position in a file. Line and Column are
// 1-based; zero means unknown (Column zero with a Line names a whole row).
// Field is the CSV column or JSON field at fault, when one is.
type FileError struct {
	Path   string
	Line   int
	Column int
	Field  string
	Err    error
}

func (e *FileError) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	b.WriteString(": ")
	if e.Field != "" {
		fmt.Fprintf(&b, "column %q: ", e.Field)
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *FileError) Unwrap() error { return e.Err }

// errorf builds a FileError without a position.
func errorf(path string, format string, args ...any) error {
	return &FileError{Path: path, Err: fmt.Errorf(format, args...)}
}
