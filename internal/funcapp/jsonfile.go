package funcapp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// readJSONFile reads a JSON configuration file the way the Functions host
// does: comments (// and /* */) are allowed and a UTF-8 byte order mark is
// ignored. Syntax errors are reported as "display:line:col: ...".
func readJSONFile(path, display string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return decodeJSONConfig(display, data, v)
}

func decodeJSONConfig(name string, data []byte, v any) error {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	clean := stripJSONComments(data)
	dec := json.NewDecoder(bytes.NewReader(clean))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := lineCol(clean, se.Offset)
			return fmt.Errorf("%s:%d:%d: invalid JSON: %w", name, line, col, err)
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			line, col := lineCol(clean, te.Offset)
			return fmt.Errorf("%s:%d:%d: unexpected JSON %s: %w", name, line, col, te.Value, err)
		}
		return fmt.Errorf("%s: invalid JSON: %w", name, err)
	}
	if dec.More() {
		return fmt.Errorf("%s: invalid JSON: unexpected data after the top-level value", name)
	}
	return nil
}

// lineCol converts a byte offset into a 1-based line and column.
func lineCol(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	line, col = 1, 1
	if offset > 0 {
		offset-- // the offending byte is the last one read
	}
	for _, b := range data[:offset] {
		if b == '\n' {
			line++
			col = 1
			continue
		}
		col++
	}
	return line, col
}

// stripJSONComments blanks out // and /* */ comments outside strings. It
// keeps every newline so that offsets still map to the original lines.
func stripJSONComments(data []byte) []byte {
	out := make([]byte, len(data))
	copy(out, data)
	inString, escaped := false, false
	for i := 0; i < len(out); i++ {
		c := out[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch {
		case c == '"':
			inString = true
		case c == '/' && i+1 < len(out) && out[i+1] == '/':
			for ; i < len(out) && out[i] != '\n'; i++ {
				out[i] = ' '
			}
		case c == '/' && i+1 < len(out) && out[i+1] == '*':
			out[i], out[i+1] = ' ', ' '
			for i += 2; i < len(out); i++ {
				if out[i] == '*' && i+1 < len(out) && out[i+1] == '/' {
					out[i], out[i+1] = ' ', ' '
					i++
					break
				}
				if out[i] != '\n' {
					out[i] = ' '
				}
			}
		}
	}
	return out
}
