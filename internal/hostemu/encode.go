package hostemu

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/godurable/durablefunctions/internal/funcapp"
)

// The host converts every binding value with one rule before writing the
// request (spec/custom-handler.md §1.3): byte slices become base64, dates
// stay dates, objects stay objects, and everything else (strings, numbers,
// arrays, null) is JSON-serialized into a string. These types tell the
// converter which .NET type a value stands for.
type (
	// dateTime is a .NET DateTime in UTC: written as "...Z".
	dateTime time.Time
	// dateTimeOffset is a .NET DateTimeOffset: written as "...+00:00".
	dateTimeOffset time.Time
	// object is a JSON object the host passes through as an object.
	object json.RawMessage
)

// hostValue applies the host's conversion to one Data or Metadata value
// and returns what goes into the envelope.
func hostValue(v any) (any, error) {
	switch t := v.(type) {
	case []byte:
		return base64.StdEncoding.EncodeToString(t), nil
	case dateTime:
		return funcapp.FormatHostTime(time.Time(t)), nil
	case dateTimeOffset:
		return funcapp.FormatHostTimeOffset(time.Time(t)), nil
	case object:
		return json.RawMessage(t), nil
	case *funcapp.HTTPRequest, map[string]any, map[string]string, map[string][]string:
		return t, nil
	}
	text, err := marshal(v)
	if err != nil {
		return nil, err
	}
	return string(text), nil
}

// hostValues converts a map of values.
func hostValues(in map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(in))
	for k, v := range in {
		hv, err := hostValue(v)
		if err != nil {
			return nil, fmt.Errorf("value %q: %w", k, err)
		}
		out[k] = hv
	}
	return out, nil
}

// marshal encodes like Newtonsoft.Json: compact, and without escaping
// <, > and & (Go escapes them by default).
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
