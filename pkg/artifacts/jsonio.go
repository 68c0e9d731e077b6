package artifacts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// readJSONFile decodes one JSON document strictly: unknown fields and
// trailing data are errors, and positions are reported as line:column.
func readJSONFile(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return decodeJSON(path, data, v, 1)
}

// decodeJSON decodes data into v. firstLine offsets line numbers when data
// is one line of a JSONL file.
func decodeJSON(path string, data []byte, v any, firstLine int) error {
	// Every document of the schema is an object. Decoding null into a
	// struct is a silent no-op, so a "null" line would read as a zero row.
	// (Other non-objects fail to decode with a type error.)
	if i := skipSpace(data, 0); bytes.HasPrefix(data[i:], []byte("null")) {
		line, col := position(data, int64(i))
		return &FileError{Path: path, Line: line + firstLine - 1, Column: col, Err: errors.New("expected a JSON object, got null")}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(path, data, err, firstLine)
	}
	// Decoder.More reports false before a stray '}' or ']', so look at the
	// bytes themselves: anything but white space after the value is an
	// error.
	if i := skipSpace(data, int(dec.InputOffset())); i < len(data) {
		line, col := position(data, int64(i))
		return &FileError{Path: path, Line: line + firstLine - 1, Column: col, Err: errors.New("unexpected data after the JSON value")}
	}
	return nil
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON white space.
func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n') {
		i++
	}
	return i
}

func jsonError(path string, data []byte, err error, firstLine int) error {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	msg := err.Error()
	field := ""
	switch {
	case errors.As(err, &se):
		// Offset counts the offending byte: point at it, not past it.
		off = max(se.Offset-1, 0)
		msg = "invalid JSON: " + se.Error()
	case errors.As(err, &te):
		off = valueStart(data, te.Offset)
		field = te.Field
		msg = fmt.Sprintf("expected %s, got JSON %s", te.Type, te.Value)
	case errors.Is(err, io.EOF):
		msg = "empty document"
	case errors.Is(err, io.ErrUnexpectedEOF):
		msg = "truncated JSON"
		off = int64(len(data))
	case strings.HasPrefix(msg, "json: unknown field "):
		quoted := strings.TrimPrefix(msg, "json: unknown field ")
		msg = "unknown field " + quoted
		off = keyOffset(data, quoted)
	}
	fe := &FileError{Path: path, Err: errors.New(msg)}
	if !bytes.Contains(bytes.TrimSpace(data), []byte("\n")) {
		fe.Line = firstLine // one line (a JSONL row): the line at least is known
	}
	if field != "" {
		fe.Err = fmt.Errorf("field %q: %s", field, msg)
	}
	if off >= 0 {
		line, col := position(data, off)
		fe.Line, fe.Column = line+firstLine-1, col
	}
	return fe
}

// valueStart turns the offset encoding/json gives with a type error (just
// past a scalar, or just past the '[' or '{' of a compound value) into the
// offset where the value begins, so a message points at the value.
func valueStart(data []byte, off int64) int64 {
	if off <= 0 || off > int64(len(data)) {
		return off
	}
	i := int(off) - 1
	switch c := data[i]; {
	case c == '[' || c == '{':
		return int64(i)
	case c == '"':
		for j := i - 1; j >= 0; j-- {
			if data[j] != '"' {
				continue
			}
			bs := 0
			for k := j - 1; k >= 0 && data[k] == '\\'; k-- {
				bs++
			}
			if bs%2 == 0 {
				return int64(j)
			}
		}
		return off
	default:
		for i > 0 && strings.IndexByte("0123456789+-.eEtruefalsn", data[i-1]) >= 0 {
			i--
		}
		return int64(i)
	}
}

// keyOffset returns the offset of the object key quoted (as %q prints
// it) when it occurs exactly once as a key, else -1. encoding/json gives
// no offset for an unknown field; without this, a multi-line file would
// report line 1 whatever the field's line.
func keyOffset(data []byte, quoted string) int64 {
	name, err := strconv.Unquote(quoted)
	if err != nil {
		return -1
	}
	key, _ := json.Marshal(name)
	found := int64(-1)
	for i := 0; ; {
		j := bytes.Index(data[i:], key)
		if j < 0 {
			return found
		}
		at := i + j
		i = at + len(key)
		if k := skipSpace(data, i); k < len(data) && data[k] == ':' {
			if found >= 0 {
				return -1 // ambiguous: say nothing rather than something wrong
			}
			found = int64(at)
		}
	}
}

// position converts a byte offset to a 1-based line and column.
func position(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	prefix := data[:off]
	line = bytes.Count(prefix, []byte("\n")) + 1
	col = int(off) - bytes.LastIndexByte(prefix, '\n')
	return line, col
}

// writeJSON writes v indented with a trailing newline; map keys come out
// sorted, so the bytes are deterministic.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// WriteJSON writes v as an indented, deterministic JSON document.
func WriteJSON(w io.Writer, v any) error { return writeJSON(w, v) }

// encodeCompact writes v as one JSON line.
func encodeCompact(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
