package funcapp

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseTimeSpan parses a .NET TimeSpan string as used in host.json:
// "hh:mm", "hh:mm:ss", "hh:mm:ss.fffffff", "d.hh:mm:ss[.fffffff]", or a bare
// integer meaning whole days ("3" is three days). A leading '-' negates the
// value. As a convenience it also accepts Go duration strings such as "30s".
func ParseTimeSpan(s string) (time.Duration, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return 0, fmt.Errorf("empty time span")
	}
	neg := false
	body := in
	if body[0] == '-' {
		neg, body = true, body[1:]
	}
	var d time.Duration
	var err error
	switch {
	case isDigits(body):
		d, err = spanPart(body, 0, 1<<20, 24*time.Hour)
	case strings.Contains(body, ":"):
		d, err = parseClockSpan(body)
	default:
		d, err = time.ParseDuration(body)
		if err != nil {
			err = fmt.Errorf("want a TimeSpan such as \"00:05:00\" or \"1.00:00:00\"")
		}
	}
	if err != nil {
		return 0, fmt.Errorf("invalid time span %q: %w", s, err)
	}
	if neg {
		d = -d
	}
	return d, nil
}

// parseClockSpan parses "[d.]hh:mm[:ss[.fraction]]".
func parseClockSpan(s string) (time.Duration, error) {
	var total time.Duration
	clock := s
	if dot, colon := strings.IndexByte(s, '.'), strings.IndexByte(s, ':'); dot >= 0 && dot < colon {
		days, err := spanPart(s[:dot], 0, 10675199, 24*time.Hour)
		if err != nil {
			return 0, err
		}
		total, clock = days, s[dot+1:]
	}
	fields := strings.Split(clock, ":")
	if len(fields) < 2 || len(fields) > 3 {
		return 0, fmt.Errorf("want hh:mm or hh:mm:ss")
	}
	h, err := spanPart(fields[0], 0, 23, time.Hour)
	if err != nil {
		return 0, fmt.Errorf("hours: %w", err)
	}
	m, err := spanPart(fields[1], 0, 59, time.Minute)
	if err != nil {
		return 0, fmt.Errorf("minutes: %w", err)
	}
	total += h + m
	if len(fields) == 3 {
		sec, frac, hasFrac := strings.Cut(fields[2], ".")
		sd, err := spanPart(sec, 0, 59, time.Second)
		if err != nil {
			return 0, fmt.Errorf("seconds: %w", err)
		}
		total += sd
		if hasFrac {
			if frac == "" || len(frac) > 7 || !isDigits(frac) {
				return 0, fmt.Errorf("fraction %q: want 1 to 7 digits", frac)
			}
			n, _ := strconv.Atoi(frac + strings.Repeat("0", 9-len(frac)))
			total += time.Duration(n)
		}
	}
	return total, nil
}

func spanPart(s string, min, max int, unit time.Duration) (time.Duration, error) {
	if !isDigits(s) || len(s) > 9 {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	n, _ := strconv.Atoi(s)
	if n < min || n > max {
		return 0, fmt.Errorf("%d is out of range %d-%d", n, min, max)
	}
	if max >= 1<<20 && time.Duration(n) > (1<<63-1)/unit {
		return 0, fmt.Errorf("%d is too large", n)
	}
	return time.Duration(n) * unit, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
