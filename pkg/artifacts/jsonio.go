package artifacts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
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
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(path, data, err, firstLine)
	}
	if dec.More() {
		off := dec.InputOffset()
		line, col := position(data, off)
		return &FileError{Path: path, Line: line + firstLine - 1, Column: col, Err: errors.New("unexpected data after the JSON value")}
	}
	return nil
}

func jsonError(path string, data []byte, err error, firstLine int) error {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	msg := err.Error()
	field := ""
	switch {
	case errors.As(err, &se):
		off = se.Offset
		msg = "invalid JSON: " + se.Error()
	case errors.As(err, &te):
		off = te.Offset
		field = te.Field
		msg = fmt.Sprintf("expected %s, got JSON %s", te.Type, te.Value)
	case errors.Is(err, io.EOF):
		msg = "empty document"
	case errors.Is(err, io.ErrUnexpectedEOF):
		msg = "truncated JSON"
		off = int64(len(data))
	case strings.HasPrefix(msg, "json: unknown field "):
		msg = "unknown field " + strings.TrimPrefix(msg, "json: unknown field ")
	}
	fe := &FileError{Path: path, Line: firstLine, Err: errors.New(msg)}
	if field != "" {
		fe.Err = fmt.Errorf("field %q: %s", field, msg)
	}
	if off >= 0 {
		line, col := position(data, off)
		fe.Line, fe.Column = line+firstLine-1, col
	}
	return fe
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
