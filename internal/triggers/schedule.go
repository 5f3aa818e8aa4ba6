package triggers

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/godurable/durablefunctions/internal/funcapp"
	"github.com/godurable/durablefunctions/internal/ncrontab"
)

// Schedule says when a timer fires: an NCRONTAB expression, or a constant
// TimeSpan between occurrences.
type Schedule interface {
	// Next returns the first occurrence after t (zero when none).
	Next(t time.Time) time.Time
	// String describes the schedule for logs.
	String() string
}

// ParseSchedule reads a timer binding's schedule as the host does:
// %Name% references are replaced by app settings, then the text is an
// NCRONTAB expression or else a TimeSpan ("01:00:00", "1.00:00:00";
// "24:00:00" is 24 days, as in .NET). It also reports whether the schedule
// fires more than once a minute, which turns schedule monitoring off.
func ParseSchedule(expr string, setting func(string) (string, bool), now time.Time) (Schedule, bool, error) {
	text, err := ResolveSettings(expr, setting)
	if err != nil {
		return nil, false, err
	}
	text = strings.TrimSpace(text)
	cron, cronErr := ncrontab.Parse(text)
	if cronErr == nil {
		// The host's test: two occurrences within the next minute.
		first := cron.Next(now)
		second := cron.Next(first)
		frequent := !first.IsZero() && !second.IsZero() && second.Before(now.Add(time.Minute))
		return cron, frequent, nil
	}
	if d, ok := parseTimeSpan(text); ok {
		return constant(d), d < time.Minute, nil
	}
	return nil, false, fmt.Errorf("schedule %q is neither an NCRONTAB expression nor a TimeSpan: %w", expr, cronErr)
}

// ResolveSettings replaces each %Name% in s with the app setting Name, as
// the host's name resolver does for binding properties.
func ResolveSettings(s string, setting func(string) (string, bool)) (string, error) {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '%')
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		j := strings.IndexByte(s[i+1:], '%')
		if j < 0 {
			return "", fmt.Errorf("%q has an unmatched %%: write %%SettingName%% to use an app setting", s)
		}
		name := s[i+1 : i+1+j]
		v, ok := setting(name)
		if !ok || v == "" {
			return "", fmt.Errorf("'%%%s%%' does not resolve to a value: define app setting %s", name, name)
		}
		b.WriteString(s[:i])
		b.WriteString(v)
		s = s[i+j+2:]
	}
}

// parseTimeSpan reads a positive .NET TimeSpan. Go duration strings, which
// funcapp accepts in host.json, are not schedules.
func parseTimeSpan(s string) (time.Duration, bool) {
	if !strings.Contains(s, ":") && !isDigits(s) {
		return 0, false
	}
	// .NET reads "24:00:00", whose hours are out of range, as d:hh:mm.
	if parts := strings.Split(s, ":"); len(parts) == 3 && !strings.Contains(s, ".") {
		if h, err := strconv.Atoi(parts[0]); err == nil && h > 23 {
			s = parts[0] + "." + parts[1] + ":" + parts[2]
		}
	}
	d, err := funcapp.ParseTimeSpan(s)
	return d, err == nil && d > 0
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// constant is a TimeSpan schedule: each occurrence is the interval after
// the previous one (or after the time it is asked from).
type constant time.Duration

func (c constant) Next(t time.Time) time.Time { return t.Add(time.Duration(c)) }
func (c constant) String() string             { return "every " + time.Duration(c).String() }
