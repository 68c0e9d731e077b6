package artifacts

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Table reads a CSV file with a header row, by column name. Extra columns
// are ignored; a missing required column is an error naming it. Cell
// accessors record the first error of the current row, so a caller reads
// every cell it needs and checks [Table.Err] once.
type Table struct {
	path   string
	r      *csv.Reader
	header []string
	cols   map[string]int
	rec    []string
	err    error
}

// NewTable reads the header from rd and checks that every required column
// is present. path names the file in errors only.
func NewTable(path string, rd io.Reader, required ...string) (*Table, error) {
	r := csv.NewReader(bufio.NewReader(rd))
	r.ReuseRecord = true
	r.FieldsPerRecord = -1 // checked per row, to name the line
	head, err := r.Read()
	if err == io.EOF {
		return nil, errorf(path, "empty file, expected a header row")
	}
	if err != nil {
		return nil, csvError(path, err)
	}
	t := &Table{path: path, r: r, cols: make(map[string]int, len(head))}
	t.header = append([]string(nil), head...)
	for i, h := range t.header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		t.header[i] = h
		if _, dup := t.cols[h]; dup && h != "" {
			line, col := r.FieldPos(i)
			return nil, &FileError{Path: path, Line: line, Column: col, Field: h, Err: errors.New("duplicate column")}
		}
		t.cols[h] = i
	}
	var missing []string
	for _, c := range required {
		if _, ok := t.cols[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, &FileError{Path: path, Line: 1, Err: fmt.Errorf("missing required column(s) %s (header has %s)",
			strings.Join(missing, ", "), strings.Join(t.header, ","))}
	}
	return t, nil
}

func csvError(path string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &FileError{Path: path, Line: pe.Line, Column: pe.Column, Err: pe.Err}
	}
	return &FileError{Path: path, Err: err}
}

// Header returns the column names in file order.
func (t *Table) Header() []string { return t.header }

// Has reports whether the file has the column.
func (t *Table) Has(col string) bool { _, ok := t.cols[col]; return ok }

// Next advances to the next data row. It returns false at the end of the
// file or on a malformed row, whose error [Table.Err] then returns.
func (t *Table) Next() bool {
	if t.err != nil {
		return false
	}
	for {
		rec, err := t.r.Read()
		if err == io.EOF {
			return false
		}
		if err != nil {
			t.err = csvError(t.path, err)
			return false
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line, as editors leave at the end
		}
		if len(rec) != len(t.header) {
			line, _ := t.r.FieldPos(0)
			t.err = &FileError{Path: t.path, Line: line, Err: fmt.Errorf("row has %d fields, header has %d", len(rec), len(t.header))}
			return false
		}
		t.rec = rec
		return true
	}
}

// Err returns the first error met while reading or converting cells.
func (t *Table) Err() error { return t.err }

// Line returns the 1-based line of the current row.
func (t *Table) Line() int {
	line, _ := t.r.FieldPos(0)
	return line
}

// Fail records err against col of the current row, for checks that go
// beyond a cell's type (a negative count, times out of order).
func (t *Table) Fail(col string, err error) {
	if t.err != nil {
		return
	}
	fe := &FileError{Path: t.path, Field: col, Err: err}
	if i, ok := t.cols[col]; ok {
		fe.Line, fe.Column = t.r.FieldPos(i)
	} else {
		fe.Line = t.Line()
		fe.Field = ""
	}
	t.err = fe
}

// String returns the raw cell, or "" when the column is absent.
func (t *Table) String(col string) string {
	i, ok := t.cols[col]
	if !ok {
		return ""
	}
	return strings.TrimSpace(t.rec[i])
}

// Float returns a required finite number.
func (t *Table) Float(col string) float64 {
	s := t.String(col)
	if s == "" {
		t.Fail(col, errors.New("empty cell, expected a number"))
		return math.NaN()
	}
	return t.parseFloat(col, s)
}

// OptFloat returns a number, or NaN for an empty cell or absent column.
func (t *Table) OptFloat(col string) float64 {
	s := t.String(col)
	if s == "" || strings.EqualFold(s, "nan") {
		return math.NaN()
	}
	return t.parseFloat(col, s)
}

func (t *Table) parseFloat(col, s string) float64 {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		t.Fail(col, fmt.Errorf("%q is not a finite number", s))
		return math.NaN()
	}
	return v
}

// Int returns a required integer. Integral floats such as "12.0" (as
// pandas writes integer columns that once held a NaN) are accepted;
// "12.5" is not.
func (t *Table) Int(col string) int {
	s := t.String(col)
	if s == "" {
		t.Fail(col, errors.New("empty cell, expected an integer"))
		return 0
	}
	return t.parseInt(col, s)
}

// OptInt returns an integer and true, or 0 and false for an empty cell or
// absent column.
func (t *Table) OptInt(col string) (int, bool) {
	s := t.String(col)
	if s == "" {
		return 0, false
	}
	return t.parseInt(col, s), true
}

func (t *Table) parseInt(col, s string) int {
	if v, err := strconv.Atoi(s); err == nil {
		return v
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		t.Fail(col, fmt.Errorf("%q is not an integer", s))
		return 0
	}
	return int(f)
}

// NonNegInt is Int plus a check that the value is >= 0.
func (t *Table) NonNegInt(col string) int {
	v := t.Int(col)
	if v < 0 {
		t.Fail(col, fmt.Errorf("%d is negative", v))
	}
	return v
}

// CSVWriter writes rows under a fixed header. Errors are sticky and
// returned by Flush.
type CSVWriter struct {
	w   *csv.Writer
	n   int
	err error
}

// NewCSVWriter writes the header immediately.
func NewCSVWriter(w io.Writer, header ...string) *CSVWriter {
	cw := &CSVWriter{w: csv.NewWriter(w), n: len(header)}
	cw.err = cw.w.Write(header)
	return cw
}

// Write writes one row; its length must match the header.
func (c *CSVWriter) Write(fields ...string) {
	if c.err != nil {
		return
	}
	if len(fields) != c.n {
		c.err = fmt.Errorf("artifacts: row has %d fields, header has %d", len(fields), c.n)
		return
	}
	c.err = c.w.Write(fields)
}

// Flush flushes buffered rows and returns the first error.
func (c *CSVWriter) Flush() error {
	c.w.Flush()
	if c.err != nil {
		return c.err
	}
	return c.w.Error()
}

// Float formats v so that it round-trips exactly; NaN (unknown) is the
// empty cell.
func Float(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// Int formats an integer cell.
func Int(v int) string { return strconv.Itoa(v) }
