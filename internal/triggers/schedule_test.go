package triggers

import (
	"strings"
	"testing"
	"time"
)

func TestSchedulesAreReadAsTheHostReadsThem(t *testing.T) {
	settings := map[string]string{"CleanupSchedule": "0 30 9 * * *", "Minutes": "15"}
	lookup := func(n string) (string, bool) { v, ok := settings[n]; return v, ok }
	tests := []struct {
		name, expr string
		wantNext   string // after t0 (10:07:30)
		frequent   bool
	}{
		{"an NCRONTAB expression", "0 */5 * * * *", "2025-01-15T10:10:00Z", false},
		{"a whole %Setting%", "%CleanupSchedule%", "2025-01-16T09:30:00Z", false},
		{"a %Setting% inside the expression", "0 */%Minutes% * * * *", "2025-01-15T10:15:00Z", false},
		{"a TimeSpan of an hour", "01:00:00", "2025-01-15T11:07:30Z", false},
		{"a TimeSpan with days", "1.00:00:00", "2025-01-16T10:07:30Z", false},
		{"24:00:00 is 24 days, as in .NET", "24:00:00", "2025-02-08T10:07:30Z", false},
		{"every ten seconds fires more than once a minute", "*/10 * * * * *", "2025-01-15T10:07:40Z", true},
		{"a 30-second TimeSpan fires more than once a minute", "00:00:30", "2025-01-15T10:08:00Z", true},
		{"once a minute is not frequent", "0 * * * * *", "2025-01-15T10:08:00Z", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, frequent, err := ParseSchedule(tt.expr, lookup, t0)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Next(t0).Format(time.RFC3339); got != tt.wantNext {
				t.Errorf("next occurrence of %q after %s = %s, want %s", tt.expr, t0.Format(time.TimeOnly), got, tt.wantNext)
			}
			if frequent != tt.frequent {
				t.Errorf("%q: frequent = %v, want %v", tt.expr, frequent, tt.frequent)
			}
		})
	}
}

func TestABadScheduleSaysWhatIsWrong(t *testing.T) {
	lookup := func(string) (string, bool) { return "", false }
	tests := []struct{ name, expr, want string }{
		{"an undefined setting", "%Nope%", "'%Nope%' does not resolve to a value"},
		{"an unmatched percent", "0 */5% * * * *", "unmatched %"},
		{"neither cron nor TimeSpan", "every five minutes", "neither an NCRONTAB expression nor a TimeSpan"},
		{"a Go duration is not a schedule", "5m", "neither an NCRONTAB expression nor a TimeSpan"},
		{"a zero TimeSpan", "00:00:00", "neither an NCRONTAB expression nor a TimeSpan"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ParseSchedule(tt.expr, lookup, t0)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseSchedule(%q) = %v, want an error saying %q", tt.expr, err, tt.want)
			}
		})
	}
}
