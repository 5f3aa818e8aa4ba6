package funcapp

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// section reads typed values out of a decoded JSON object, the way .NET
// configuration binding does: keys are case-insensitive and scalars may be
// given as strings ("40", "true"), which is what environment overrides
// produce. Problems are reported with the full key path.
type section struct {
	file    string            // "host.json"
	path    string            // "extensions.durableTask"
	m       map[string]any    // nil when the section is absent
	origins map[string]string // lower-cased key path -> environment variable that set it
	p       *problems
}

func (s section) keyPath(key string) string {
	if s.path == "" {
		return key
	}
	return s.path + "." + key
}

func (s section) child(key string) section {
	c := s
	c.path = s.keyPath(key)
	c.m = nil
	if v, ok := s.get(key); ok {
		if m, ok := v.(map[string]any); ok {
			c.m = m
		} else {
			s.fail(key, v, "must be a JSON object")
		}
	}
	return c
}

// get looks a key up case-insensitively. A JSON null counts as absent.
func (s section) get(key string) (any, bool) {
	if s.m == nil {
		return nil, false
	}
	k, ok := findKey(s.m, key)
	if !ok || s.m[k] == nil {
		return nil, false
	}
	return s.m[k], true
}

func (s section) fail(key string, got any, msg string) {
	full := s.keyPath(key)
	text := fmt.Sprintf("%s: %s: %s", s.file, full, msg)
	if got != nil {
		text += ", got " + describeValue(got)
	}
	if env, ok := s.origins[strings.ToLower(full)]; ok {
		text += " (set by environment variable " + env + ")"
	}
	s.p.add(text)
}

func (s section) str(key, def string) string {
	v, ok := s.get(key)
	if !ok {
		return def
	}
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	case bool:
		return strconv.FormatBool(t)
	}
	s.fail(key, v, "must be a string")
	return def
}

func (s section) boolean(key string, def bool) bool {
	v, ok := s.get(key)
	if !ok {
		return def
	}
	switch t := v.(type) {
	case bool:
		return t
	case string:
		if b, err := strconv.ParseBool(strings.ToLower(strings.TrimSpace(t))); err == nil {
			return b
		}
	}
	s.fail(key, v, "must be true or false")
	return def
}

func (s section) integer(key string, def, min, max int) int {
	v, ok := s.get(key)
	if !ok {
		return def
	}
	var text string
	switch t := v.(type) {
	case json.Number:
		text = t.String()
	case string:
		text = strings.TrimSpace(t)
	default:
		s.fail(key, v, "must be an integer")
		return def
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		s.fail(key, v, "must be an integer")
		return def
	}
	if n < int64(min) || n > int64(max) {
		if max == maxInt {
			s.fail(key, nil, fmt.Sprintf("must be at least %d, got %d", min, n))
		} else {
			s.fail(key, nil, fmt.Sprintf("must be between %d and %d, got %d", min, max, n))
		}
		return def
	}
	return int(n)
}

// timeSpan reads a .NET TimeSpan string ("00:05:00").
func (s section) timeSpan(key string, def, min, max time.Duration) time.Duration {
	v, ok := s.get(key)
	if !ok {
		return def
	}
	text, isString := v.(string)
	if !isString {
		s.fail(key, v, `must be a TimeSpan string such as "00:05:00"`)
		return def
	}
	d, err := ParseTimeSpan(text)
	if err != nil {
		s.fail(key, v, `must be a TimeSpan such as "00:05:00" or "1.00:00:00"`)
		return def
	}
	return s.checkDuration(key, v, d, def, min, max)
}

func (s section) checkDuration(key string, v any, d, def, min, max time.Duration) time.Duration {
	switch {
	case min <= 0 && d <= 0:
		s.fail(key, v, "must be greater than zero")
	case max > 0 && (d < min || d > max):
		s.fail(key, v, fmt.Sprintf("must be between %s and %s", formatSpan(min), formatSpan(max)))
	case d < min:
		s.fail(key, v, fmt.Sprintf("must be at least %s", formatSpan(min)))
	default:
		return d
	}
	return def
}

// raw returns a key's value re-encoded as JSON, or nil when absent.
func (s section) raw(key string) json.RawMessage {
	v, ok := s.get(key)
	if !ok {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}

const maxInt = int(^uint(0) >> 1)

// findKey finds key in m, preferring an exact match, then a
// case-insensitive one.
func findKey(m map[string]any, key string) (string, bool) {
	if _, ok := m[key]; ok {
		return key, true
	}
	for k := range m {
		if strings.EqualFold(k, key) {
			return k, true
		}
	}
	return "", false
}

func describeValue(v any) string {
	switch t := v.(type) {
	case string:
		return strconv.Quote(t)
	case json.Number:
		return t.String()
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	default:
		return fmt.Sprint(t)
	}
}

// formatSpan renders a duration as a .NET TimeSpan string.
func formatSpan(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	h, m, sec := d/time.Hour, (d%time.Hour)/time.Minute, (d%time.Minute)/time.Second
	frac := d % time.Second
	out := fmt.Sprintf("%02d:%02d:%02d", h, m, sec)
	if days > 0 {
		out = fmt.Sprintf("%d.%s", days, out)
	}
	if frac > 0 {
		out += strings.TrimRight(fmt.Sprintf(".%09d", frac), "0")
	}
	if neg {
		out = "-" + out
	}
	return out
}
