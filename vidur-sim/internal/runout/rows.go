package runout

import (
	"bytes"
	"encoding/csv"
	"math"
	"os"
	"strconv"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// A simulation of 10,000 requests writes about two million token rows;
// formatting them through encoding/csv, one string per cell, was most of
// a run. csvFile appends each row's cells straight into one reused buffer
// instead. The bytes are those artifacts.RunWriter writes (rows_test.go
// checks them against it): numbers never need quoting, and a row with a
// string cell that might is formatted by encoding/csv itself.
type csvFile struct {
	f *os.File
	// row holds the rows not yet written, then the row being built: rows
	// are formatted in place and written writeBufSize at a time, with no
	// copy into a buffered writer's own buffer.
	row []byte
	err error // the first write error; later rows are dropped
	// floats remembers recent numbers' text: a batch's completion time is
	// the completion time of every token it made, and consecutive batches'
	// gap the latency of most of them. Nil formats every number afresh.
	floats *floatCache
	n      int
}

// writeBufSize makes two million rows a few hundred write calls; larger
// buffers cost a short run more in fresh pages than they save in calls.
const writeBufSize = 256 << 10

func createCSV(d *artifacts.Dir, name string, header []string, floats *floatCache) (*csvFile, error) {
	f, err := os.Create(d.Path(name))
	if err != nil {
		return nil, err
	}
	c := &csvFile{f: f, row: make([]byte, 0, writeBufSize+4<<10), floats: floats}
	c.slowRow(header...)
	return c, nil
}

func (c *csvFile) int(v int) {
	c.row = appendInt(c.row, v)
	c.row = append(c.row, ',')
}

// appendInt is strconv.AppendInt in base 10, with the small numbers most
// cells hold (token indices, batch sizes) written digit by digit instead
// of through a copy call each.
func appendInt(dst []byte, v int) []byte {
	switch {
	case uint(v) < 10:
		return append(dst, byte('0'+v))
	case uint(v) < 100:
		return append(dst, byte('0'+v/10), byte('0'+v%10))
	case uint(v) < 1000:
		return append(dst, byte('0'+v/100), byte('0'+v/10%10), byte('0'+v%10))
	}
	return strconv.AppendInt(dst, int64(v), 10)
}

// float appends artifacts.Float(v): the shortest text that reads back as
// v, nothing for NaN.
func (c *csvFile) float(v float64) {
	switch {
	case math.IsNaN(v):
	case c.floats == nil:
		c.row = strconv.AppendFloat(c.row, v, 'g', -1, 64)
	default:
		c.row = c.floats.append(c.row, v)
	}
	c.row = append(c.row, ',')
}

// end replaces the last cell's comma with the line end and writes the row.
func (c *csvFile) end() {
	c.row[len(c.row)-1] = '\n'
	c.n++
	if len(c.row) >= writeBufSize {
		c.flush()
	}
}

// flush writes the pending rows.
func (c *csvFile) flush() {
	if c.err == nil && len(c.row) > 0 {
		_, c.err = c.f.Write(c.row)
	}
	c.row = c.row[:0]
}

// slowRow writes one row through encoding/csv, for cells that may need
// quoting.
func (c *csvFile) slowRow(fields ...string) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(fields)
	w.Flush()
	c.row = append(c.row, b.Bytes()...)
	if len(c.row) >= writeBufSize {
		c.flush()
	}
}

// plain reports whether encoding/csv writes s as it is: printable ASCII
// without a comma or a quote, not starting with a space, not `\.`.
func plain(s string) bool {
	if s == `\.` || (len(s) > 0 && s[0] == ' ') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 || b > 0x7e || b == ',' || b == '"' {
			return false
		}
	}
	return true
}

func (c *csvFile) close() error {
	c.flush()
	err := c.err
	if cerr := c.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// floatCache is a direct-mapped cache of formatted float64s.
type floatCache struct {
	bits [1 << floatCacheBits]uint64
	text [1 << floatCacheBits][24]byte // 'g', -1 text is at most 24 bytes
	size [1 << floatCacheBits]uint8    // 0: empty slot
}

const floatCacheBits = 14

func (fc *floatCache) append(dst []byte, v float64) []byte {
	b := math.Float64bits(v)
	i := (b * 0x9e3779b97f4a7c15) >> (64 - floatCacheBits)
	if n := fc.size[i]; n > 0 && fc.bits[i] == b {
		return appendCell(dst, &fc.text[i], int(n))
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, v, 'g', -1, 64)
	if n := len(dst) - start; n <= len(fc.text[i]) {
		fc.bits[i], fc.size[i] = b, uint8(n)
		copy(fc.text[i][:], dst[start:])
	}
	return dst
}

// appendCell appends the first n bytes of text to dst. With room for all
// 24 it copies them as one array, a few moves instead of a call to copy
// (rows are built in a buffer with room to spare, so that is the rule).
func appendCell(dst []byte, text *[24]byte, n int) []byte {
	l := len(dst)
	if cap(dst)-l < len(text) {
		return append(dst, text[:n]...)
	}
	dst = dst[:l+len(text)]
	*(*[24]byte)(dst[l:]) = *text
	return dst[:l+n]
}
