package mgmtapi

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/godurable/durablefunctions/durable"
)

// queryValues returns every value of the query parameter name, whose name
// is matched case-insensitively as Durable Functions does.
func queryValues(r *http.Request, name string) []string {
	var out []string
	for k, vs := range r.URL.Query() {
		if strings.EqualFold(k, name) {
			out = append(out, vs...)
		}
	}
	return out
}

// queryParam returns the first value of the query parameter name, or "".
func queryParam(r *http.Request, name string) string {
	v, _ := lookupParam(r, name)
	return v
}

// lookupParam returns the first value of the query parameter name and
// whether it is present.
func lookupParam(r *http.Request, name string) (string, bool) {
	vs := queryValues(r, name)
	if len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

// paramError is a query parameter that cannot be used.
type paramError struct {
	name, value, want string
}

func (e *paramError) Error() string {
	return fmt.Sprintf("the query parameter '%s' has the value %q; %s", e.name, e.value, e.want)
}

// boolParam reads a boolean parameter (true or false, any case; empty is
// the default).
func boolParam(r *http.Request, name string, def bool) (bool, error) {
	v, ok := lookupParam(r, name)
	if !ok || v == "" {
		return def, nil
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return def, &paramError{name, v, "want true or false"}
}

// topParam reads a page size.
func topParam(r *http.Request) (int, error) {
	v, ok := lookupParam(r, "top")
	if !ok || v == "" {
		return 100, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 {
		return 0, &paramError{"top", v, "want a positive integer"}
	}
	return n, nil
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.9999999",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02",
}

// timeParam reads a time; times without a zone are UTC.
func timeParam(r *http.Request, name string) (time.Time, bool, error) {
	v, ok := lookupParam(r, name)
	if !ok || strings.TrimSpace(v) == "" {
		return time.Time{}, false, nil
	}
	t, err := parseTime(v)
	if err != nil {
		return time.Time{}, false, &paramError{name, v, "want an ISO 8601 time such as 2024-01-31T12:00:00Z"}
	}
	return t, true, nil
}

func parseTime(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	var err error
	for _, layout := range timeLayouts {
		var t time.Time
		if t, err = time.ParseInLocation(layout, v, time.UTC); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, err
}

// secondsParam reads a duration given in seconds (a decimal number).
func secondsParam(r *http.Request, name string) (time.Duration, bool, error) {
	v, ok := lookupParam(r, name)
	if !ok || strings.TrimSpace(v) == "" {
		return 0, false, nil
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > float64(math.MaxInt64/int64(time.Second)) {
		return 0, false, &paramError{name, v, "want a number of seconds"}
	}
	return time.Duration(f * float64(time.Second)), true, nil
}

// statusesParam reads runtimeStatus: names or numbers, comma-separated
// and/or repeated.
func statusesParam(r *http.Request) ([]durable.RuntimeStatus, error) {
	var out []durable.RuntimeStatus
	for _, v := range queryValues(r, "runtimeStatus") {
		for _, s := range strings.Split(v, ",") {
			if strings.TrimSpace(s) == "" {
				continue
			}
			st, err := durable.ParseRuntimeStatus(s)
			if err != nil {
				return nil, &paramError{"runtimeStatus", s, "want Running, Completed, ContinuedAsNew, Failed, Canceled, Terminated, Pending or Suspended"}
			}
			out = append(out, st)
		}
	}
	return out, nil
}
