package funcapp

import (
	"testing"
	"time"
)

func TestParseTimeSpanAcceptsDotNetFormats(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"00:00:30", 30 * time.Second},
		{"00:05", 5 * time.Minute},
		{"01:02:03", time.Hour + 2*time.Minute + 3*time.Second},
		{"1.00:00:00", 24 * time.Hour},
		{"3.12:30:00", 3*24*time.Hour + 12*time.Hour + 30*time.Minute},
		{"00:00:00.5", 500 * time.Millisecond},
		{"00:00:01.1234567", time.Second + 123456700*time.Nanosecond},
		{"2", 48 * time.Hour},
		{"-00:00:10", -10 * time.Second},
		{" 00:01:00 ", time.Minute},
		{"90s", 90 * time.Second},
	}
	for _, tt := range tests {
		got, err := ParseTimeSpan(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseTimeSpan(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseTimeSpanRejectsMalformedInput(t *testing.T) {
	for _, in := range []string{"", "abc", "24:00:00", "00:60:00", "00:00:60", "1:2:3:4", "00:00:00.", "00:00:00.12345678", "x.00:00:00", "99999999999"} {
		if d, err := ParseTimeSpan(in); err == nil {
			t.Errorf("ParseTimeSpan(%q) = %v, want an error", in, d)
		}
	}
}

func TestFormatSpanRoundTrips(t *testing.T) {
	for _, d := range []time.Duration{0, time.Second, 90 * time.Minute, 26*time.Hour + 3*time.Second, 1500 * time.Millisecond, -time.Minute} {
		back, err := ParseTimeSpan(formatSpan(d))
		if err != nil || back != d {
			t.Errorf("%v -> %q -> %v, %v", d, formatSpan(d), back, err)
		}
	}
}
