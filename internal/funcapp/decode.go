package funcapp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DecodeString decodes a string binding value from Data or Metadata.
//
// The host JSON-encodes string values once itself and then once more when
// it writes the request, so a queue message hello arrives as "\"hello\"".
// DecodeString removes both levels; a value encoded only once (as in the
// documentation's examples) is returned as is. JSON null gives "", and a
// non-string JSON value gives its compact JSON text.
func DecodeString(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", fmt.Errorf("empty value, want a JSON string")
	}
	if !json.Valid(raw) {
		return "", fmt.Errorf("invalid JSON value %s", truncate(raw))
	}
	switch raw[0] {
	case 'n':
		return "", nil
	case '"':
	default:
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return "", fmt.Errorf("invalid JSON value: %w", err)
		}
		return buf.String(), nil
	}
	var outer string
	if err := json.Unmarshal(raw, &outer); err != nil {
		return "", fmt.Errorf("invalid JSON string: %w", err)
	}
	if len(outer) >= 2 && outer[0] == '"' && outer[len(outer)-1] == '"' {
		var inner string
		if json.Unmarshal([]byte(outer), &inner) == nil {
			return inner, nil
		}
	}
	return outer, nil
}

// normalizeJSON removes the host's extra encoding from a non-string value:
// a JSON string whose content is itself a JSON value (number, array,
// object, string literal, null) is replaced by that content. The result is
// compact JSON.
func normalizeJSON(raw json.RawMessage) (json.RawMessage, error) {
	n, err := unwrapJSON(raw)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, n); err != nil {
		return nil, fmt.Errorf("invalid JSON value: %w", err)
	}
	return buf.Bytes(), nil
}

func unwrapJSON(raw json.RawMessage) (json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, fmt.Errorf("empty value")
	}
	if !json.Valid(raw) {
		return nil, fmt.Errorf("invalid JSON value %s", truncate(raw))
	}
	if raw[0] != '"' {
		return raw, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("invalid JSON string: %w", err)
	}
	inner := bytes.TrimSpace([]byte(s))
	if len(inner) > 0 && json.Valid(inner) {
		return inner, nil
	}
	return raw, nil
}

// decodeObject normalizes raw and decodes it into a map with
// case-insensitive lookups done by the caller (metaString etc.).
func decodeObject(raw json.RawMessage) (map[string]json.RawMessage, error) {
	n, err := normalizeJSON(raw)
	if err != nil {
		return nil, err
	}
	if string(n) == "null" {
		return nil, nil
	}
	var m map[string]json.RawMessage
	if n[0] != '{' || json.Unmarshal(n, &m) != nil {
		return nil, fmt.Errorf("want a JSON object, got %s", truncate(n))
	}
	return m, nil
}

// decodeArray normalizes raw and decodes it as a JSON array.
func decodeArray(raw json.RawMessage) ([]json.RawMessage, error) {
	n, err := normalizeJSON(raw)
	if err != nil {
		return nil, err
	}
	if string(n) == "null" {
		return nil, nil
	}
	var a []json.RawMessage
	if n[0] != '[' || json.Unmarshal(n, &a) != nil {
		return nil, fmt.Errorf("want a JSON array, got %s", truncate(n))
	}
	return a, nil
}

// metaString reads a string value; numbers are returned as their text.
func metaString(m map[string]json.RawMessage, key string) (string, bool, error) {
	raw, ok := lookupRaw(m, key)
	if !ok {
		return "", false, nil
	}
	s, err := jsonText(raw)
	if err != nil {
		return "", true, fmt.Errorf("%s: %w", key, err)
	}
	return s, true, nil
}

// jsonText decodes a (possibly double-encoded) string or number to text.
func jsonText(raw json.RawMessage) (string, error) {
	n, err := normalizeJSON(raw)
	if err != nil {
		return "", err
	}
	switch {
	case string(n) == "null":
		return "", nil
	case n[0] == '"':
		var s string
		if err := json.Unmarshal(n, &s); err != nil {
			return "", err
		}
		return s, nil
	case n[0] == '-' || (n[0] >= '0' && n[0] <= '9'), string(n) == "true", string(n) == "false":
		return string(n), nil
	}
	return "", fmt.Errorf("want a string, got %s", truncate(n))
}

// metaInt reads an integer given as a number or a numeric string.
func metaInt(m map[string]json.RawMessage, key string) (int64, bool, error) {
	raw, ok := lookupRaw(m, key)
	if !ok {
		return 0, false, nil
	}
	n, err := jsonInt(raw)
	if err != nil {
		return 0, true, fmt.Errorf("%s: %w", key, err)
	}
	return n, true, nil
}

func jsonInt(raw json.RawMessage) (int64, error) {
	s, err := jsonText(raw)
	if err != nil {
		return 0, fmt.Errorf("want an integer: %w", err)
	}
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("want an integer, got %q", s)
	}
	return n, nil
}

// metaTime reads a timestamp string.
func metaTime(m map[string]json.RawMessage, key string) (time.Time, bool, error) {
	raw, ok := lookupRaw(m, key)
	if !ok {
		return time.Time{}, false, nil
	}
	t, err := jsonTime(raw)
	if err != nil {
		return time.Time{}, true, fmt.Errorf("%s: %w", key, err)
	}
	return t, true, nil
}

func jsonTime(raw json.RawMessage) (time.Time, error) {
	s, err := jsonText(raw)
	if err != nil {
		return time.Time{}, fmt.Errorf("want a timestamp: %w", err)
	}
	if s == "" {
		return time.Time{}, nil
	}
	return ParseHostTime(s)
}

// ParseHostTime parses a timestamp as the host writes them (Newtonsoft
// ISO 8601): up to 7 fractional digits, with "Z", an offset such as
// "+00:00", or no zone at all (taken as UTC).
func ParseHostTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid timestamp %q, want ISO 8601 such as 2024-01-02T15:04:05.1234567Z", s)
}

// FormatHostTime formats a time as the host does for UTC DateTime values:
// up to 7 fractional digits, trailing zeros removed, and "Z".
func FormatHostTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.9999999Z07:00")
}

// FormatHostTimeOffset formats a time as the host does for
// DateTimeOffset values, with an explicit offset such as "+00:00".
func FormatHostTimeOffset(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.9999999-07:00")
}

func truncate(b []byte) string {
	const max = 64
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}
