package durable

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// encodeResult encodes a value (an input, an event's data, a result) as
// JSON text; nil becomes "". A json.RawMessage is taken as it is, so it is
// checked: stored text that is not valid JSON, or not UTF-8, would break
// every strict JSON client that reads it back later.
func encodeResult(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case json.RawMessage:
		if err := checkJSONText(x); err != nil {
			return "", err
		}
		return string(x), nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// checkJSONText reports raw JSON that may not be stored.
func checkJSONText(b []byte) error {
	switch {
	case len(b) == 0:
		return nil
	case !utf8.Valid(b):
		return fmt.Errorf("%w: the JSON text is not valid UTF-8", ErrInvalidInput)
	case !json.Valid(b):
		return fmt.Errorf("%w: the text is not valid JSON", ErrInvalidInput)
	}
	return nil
}

// ErrInvalidInput is returned (wrapped) for a json.RawMessage input, event
// payload, result or custom status that is not valid UTF-8 JSON. The
// management API answers it with 400.
var ErrInvalidInput = errors.New("durable: invalid input")
