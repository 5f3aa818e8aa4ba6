package durable

import "encoding/json"

// encodeResult encodes a function's result as JSON text; nil becomes "".
func encodeResult(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case json.RawMessage:
		return string(x), nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}
