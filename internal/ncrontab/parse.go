package ncrontab

import (
	"fmt"
	"strconv"
	"strings"
)

// Schedule is a parsed NCRONTAB expression.
type Schedule struct {
	expr                                     string
	second, minute, hour, day, month, dayOfW field
	// interval: the second, minute or hour field repeats within its
	// range, which changes how a repeated daylight-saving hour is treated.
	interval bool
}

// String returns the expression as written.
func (s *Schedule) String() string { return s.expr }

// IsInterval reports whether the schedule is an interval ("every five
// minutes") rather than a point in time ("9:30 every day").
func (s *Schedule) IsInterval() bool { return s.interval }

// fieldKind describes one of the six fields.
type fieldKind struct {
	name     string
	min, max int
	names    []string
}

var kinds = [6]fieldKind{
	{name: "second", min: 0, max: 59},
	{name: "minute", min: 0, max: 59},
	{name: "hour", min: 0, max: 23},
	{name: "day", min: 1, max: 31},
	{name: "month", min: 1, max: 12, names: []string{"January", "February", "March", "April", "May", "June",
		"July", "August", "September", "October", "November", "December"}},
	{name: "day-of-week", min: 0, max: 6, names: []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}},
}

// Parse reads a six-field expression (seconds first) or a five-field one
// (no seconds; the second is 0), as the Functions host does: any field
// count other than five is read as six fields.
func Parse(expr string) (*Schedule, error) {
	tokens := strings.Fields(expr)
	offset := 0
	if len(tokens) == 5 {
		offset = 1
	} else if len(tokens) != 6 {
		return nil, fmt.Errorf("%q is not an NCRONTAB expression: it needs six fields, {second} {minute} {hour} {day} {month} {day-of-week}, such as \"0 */5 * * * *\" (five fields, without the seconds, are read too)", expr)
	}
	s := &Schedule{expr: expr}
	fields := []*field{&s.second, &s.minute, &s.hour, &s.day, &s.month, &s.dayOfW}
	s.second.set(0) // five fields: second 0
	for i, tok := range tokens {
		k := kinds[i+offset]
		f, err := parseField(k, tok)
		if err != nil {
			return nil, fmt.Errorf("%q: %s field %q: %w", expr, k.name, tok, err)
		}
		*fields[i+offset] = f
	}
	s.interval = s.second.hasRun() || s.minute.hasRun() || s.hour.hasRun()
	return s, nil
}

// parseField reads one field: a list of "*", values, ranges and steps.
func parseField(k fieldKind, tok string) (field, error) {
	var f field
	for _, part := range strings.Split(tok, ",") {
		if err := f.add(k, part); err != nil {
			return 0, err
		}
	}
	return f, nil
}

// add sets the values of one list element.
func (f *field) add(k fieldKind, part string) error {
	if part == "" {
		return fmt.Errorf("an empty value; write a number, a range a-b, a step */n or *")
	}
	every := 1
	if body, step, ok := strings.Cut(part, "/"); ok && body != "" {
		n, err := strconv.Atoi(step)
		if err != nil || n < 0 {
			return fmt.Errorf("step %q is not a whole number", step)
		}
		every = max(n, 1) // NCrontab reads a step of 0 as 1
		part = body
		if body != "*" && !strings.Contains(body, "-") {
			// "a/n" runs from a to the field's maximum.
			v, err := value(k, body)
			if err != nil {
				return err
			}
			return f.setRange(k, v, k.max, every)
		}
	}
	if part == "*" {
		return f.setRange(k, k.min, k.max, every)
	}
	if lo, hi, ok := strings.Cut(part, "-"); ok && lo != "" {
		a, err := value(k, lo)
		if err != nil {
			return err
		}
		b, err := value(k, hi)
		if err != nil {
			return err
		}
		return f.setRange(k, min(a, b), max(a, b), every) // NCrontab swaps a reversed range
	}
	v, err := value(k, part)
	if err != nil {
		return err
	}
	return f.setRange(k, v, v, 1)
}

// value reads a number, or a month or day name by case-insensitive
// prefix ("Jan", "mon").
func value(k fieldKind, s string) (int, error) {
	if s == "" {
		return 0, fmt.Errorf("a value is missing")
	}
	if s[0] >= '0' && s[0] <= '9' {
		n, err := strconv.Atoi(s)
		if err != nil {
			return 0, fmt.Errorf("%q is not a number", s)
		}
		return n, nil
	}
	if k.names == nil {
		return 0, fmt.Errorf("%q is not a number between %d and %d", s, k.min, k.max)
	}
	for i, name := range k.names {
		if len(s) <= len(name) && strings.EqualFold(name[:len(s)], s) {
			return k.min + i, nil
		}
	}
	return 0, fmt.Errorf("%q is not a %s name; use one of %s", s, k.name, strings.Join(k.names, ", "))
}

func (f *field) setRange(k fieldKind, from, to, every int) error {
	if from < k.min || to > k.max {
		bad := from
		if to > k.max {
			bad = to
		}
		return fmt.Errorf("%d is out of range: the %s must be %d to %d", bad, k.name, k.min, k.max)
	}
	for v := from; v <= to; v += every {
		f.set(v)
	}
	return nil
}

// field is the set of values a field allows, one bit per value.
type field uint64

func (f *field) set(v int)     { *f |= 1 << uint(v) }
func (f field) has(v int) bool { return f&(1<<uint(v)) != 0 }

// next returns the smallest allowed value >= v, or -1.
func (f field) next(v int) int {
	for ; v < 64; v++ {
		if f.has(v) {
			return v
		}
	}
	return -1
}

// hasRun reports whether two consecutive values are allowed: NCrontab
// prints such a field with "*" or "-", which the host takes to mean an
// interval schedule.
func (f field) hasRun() bool { return f&(f>>1) != 0 }
