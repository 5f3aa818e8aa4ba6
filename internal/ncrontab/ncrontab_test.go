package ncrontab

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the daylight-saving cases need America/New_York everywhere
)

// base is a Wednesday morning.
var base = time.Date(2025, 1, 15, 10, 7, 30, 0, time.UTC)

func at(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04:05", s)
	if err != nil {
		panic(err)
	}
	return t
}

// The examples of the Functions documentation's NCRONTAB table, and the
// corners NCrontab defines (both day fields must match, reversed ranges,
// names by prefix, a/n steps).
func TestNextOccurrenceOfTheDocumentedExamples(t *testing.T) {
	tests := []struct {
		name, expr, want string
	}{
		{"once every five minutes", "0 */5 * * * *", "2025-01-15 10:10:00"},
		{"once at the top of every hour", "0 0 * * * *", "2025-01-15 11:00:00"},
		{"once every two hours", "0 0 */2 * * *", "2025-01-15 12:00:00"},
		{"once every hour from 9 AM to 5 PM", "0 0 9-17 * * *", "2025-01-15 11:00:00"},
		{"at 9:30 AM every day", "0 30 9 * * *", "2025-01-16 09:30:00"},
		{"at 9:30 AM every weekday", "0 30 9 * * 1-5", "2025-01-16 09:30:00"},
		{"at 9:30 AM every Monday in January", "0 30 9 * Jan Mon", "2025-01-20 09:30:00"},
		{"five fields have no seconds", "*/5 * * * *", "2025-01-15 10:10:00"},
		{"every minute at second 5", "5 * * * * *", "2025-01-15 10:08:05"},
		{"Friday the 13th: both day fields must match", "0 0 0 13 * 5", "2025-06-13 00:00:00"},
		{"the 1st when it is a Wednesday", "0 0 12 1 * 3", "2025-10-01 12:00:00"},
		{"February 29th waits for a leap year", "0 0 0 29 2 *", "2028-02-29 00:00:00"},
		{"a reversed range is read forwards", "0 0 17-9 * * *", "2025-01-15 11:00:00"},
		{"a/n steps from a to the maximum", "0 5/20 * * * *", "2025-01-15 10:25:00"},
		{"month names by prefix, any case", "0 0 0 1 jun *", "2025-06-01 00:00:00"},
		{"day names by prefix", "0 0 0 * * satur", "2025-01-18 00:00:00"},
		{"Sunday is 0 and Sun", "0 0 12 * * Sun", "2025-01-19 12:00:00"},
		{"a step of 0 is a step of 1", "*/0 * * * * *", "2025-01-15 10:07:31"},
		{"a list of values", "0 0 8,12,18 * * *", "2025-01-15 12:00:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(tt.expr)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.expr, err)
			}
			if got, want := s.Next(base), at(tt.want); !got.Equal(want) {
				t.Errorf("Next(%s) of %q = %s, want %s", base, tt.expr, got, want)
			}
		})
	}
}

func TestOccurrencesFollowOneAnotherAndIgnoreFractionsOfASecond(t *testing.T) {
	s, _ := Parse("0 */5 * * * *")
	got := []time.Time{s.Next(base)}
	for len(got) < 3 {
		got = append(got, s.Next(got[len(got)-1]))
	}
	for i, want := range []string{"2025-01-15 10:10:00", "2025-01-15 10:15:00", "2025-01-15 10:20:00"} {
		if !got[i].Equal(at(want)) {
			t.Errorf("occurrence %d = %s, want %s", i, got[i], want)
		}
	}
	every, _ := Parse("* * * * * *")
	if got := every.Next(base.Add(900 * time.Millisecond)); !got.Equal(base.Add(time.Second)) {
		t.Errorf("every second after %s = %s, want the next whole second", base.Add(900*time.Millisecond), got)
	}
}

func TestAScheduleThatNeverOccursHasNoNextOccurrence(t *testing.T) {
	s, err := Parse("0 0 0 31 2 *")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Next(base); !got.IsZero() {
		t.Errorf("February 31st occurs at %s", got)
	}
}

func TestInvalidExpressionsNameTheFieldAndTheRule(t *testing.T) {
	tests := []struct {
		name, expr, want string
	}{
		{"four fields", "* * * *", "six fields"},
		{"seven fields", "0 * * * * * *", "six fields"},
		{"second 60", "60 * * * * *", "second field"},
		{"day 32", "0 0 0 32 * *", "the day must be 1 to 31"},
		{"day 0", "0 0 0 0 * *", "the day must be 1 to 31"},
		{"month 13", "0 0 0 * 13 *", "the month must be 1 to 12"},
		{"day of week 7", "0 0 0 * * 7", "the day-of-week must be 0 to 6"},
		{"an unknown month name", "0 0 0 * Foo *", "not a month name"},
		{"hour 25", "0 0 25 * * *", "the hour must be 0 to 23"},
		{"letters in a number field", "0 x * * * *", "not a number"},
		{"a range without an end", "0 5- * * * *", "missing"},
		{"an empty list element", "0 ,5 * * * *", "empty value"},
		{"a step that is not a number", "0 */a * * * *", "step"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.expr)
			if err == nil {
				t.Fatalf("Parse(%q) succeeded", tt.expr)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.expr) {
				t.Errorf("Parse(%q) = %q; want it to quote the expression and say %q", tt.expr, err, tt.want)
			}
		})
	}
}

func TestIntervalSchedulesAreTheOnesThatRepeatWithinTheDay(t *testing.T) {
	tests := []struct {
		expr     string
		interval bool
	}{
		{"0 */5 * * * *", true},
		{"0 0 9-17 * * *", true},
		{"* 30 9 * * *", true},
		{"0 30 9 * * *", false},
		{"0 0,30 9 * * *", false},
		{"0 30 9 * * 1-5", false},
	}
	for _, tt := range tests {
		s, err := Parse(tt.expr)
		if err != nil {
			t.Fatal(err)
		}
		if s.IsInterval() != tt.interval {
			t.Errorf("%q: IsInterval = %v, want %v", tt.expr, s.IsInterval(), tt.interval)
		}
	}
}

// New York, 2025: clocks go from 02:00 to 03:00 on March 9 and from 02:00
// back to 01:00 on November 2. The expectations are the host's (see the
// WebJobs CronSchedule's daylight-saving scenarios).
func TestDaylightSavingFollowsTheHost(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(s string) time.Time { return at(s).In(ny) }
	tests := []struct {
		name, expr, after, want string // after and want in UTC
	}{
		{"a skipped time moves forward by the jump", "0 30 2 * * *", "2025-03-08 08:00:00", "2025-03-09 07:30:00"},
		{"the day after a skipped time is normal again", "0 30 2 * * *", "2025-03-09 07:30:00", "2025-03-10 06:30:00"},
		{"an interval skips the missing hour", "0 */30 * * * *", "2025-03-09 06:30:00", "2025-03-09 07:00:00"},
		{"an interval goes on after the jump", "0 */30 * * * *", "2025-03-09 07:00:00", "2025-03-09 07:30:00"},
		{"a repeated point in time fires at its first occurrence", "0 30 1 * * *", "2025-11-01 06:00:00", "2025-11-02 05:30:00"},
		{"and not at its second", "0 30 1 * * *", "2025-11-02 05:30:00", "2025-11-03 06:30:00"},
		{"started inside the repeated hour, it waits for tomorrow", "0 30 1 * * *", "2025-11-02 06:29:00", "2025-11-03 06:30:00"},
		{"an interval enters the repeated hour in daylight time", "0 */30 * * * *", "2025-11-02 04:30:00", "2025-11-02 05:00:00"},
		{"an interval runs through the repeated hour", "0 */30 * * * *", "2025-11-02 05:30:00", "2025-11-02 06:00:00"},
		{"an interval leaves the repeated hour", "0 */30 * * * *", "2025-11-02 06:30:00", "2025-11-02 07:00:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			got := s.Next(utc(tt.after))
			if want := utc(tt.want); !got.Equal(want) {
				t.Errorf("Next(%s) of %q = %s, want %s", utc(tt.after), tt.expr, got, want)
			}
			if got.Location() != ny {
				t.Errorf("Next returned a time in %s, want the location it was given", got.Location())
			}
		})
	}
}
