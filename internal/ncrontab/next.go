package ncrontab

import (
	"sort"
	"time"
)

// searchYears bounds the search for a schedule that may never occur
// ("0 0 0 30 2 *"): the Gregorian calendar repeats every 400 years.
const searchYears = 400

// dstWindow is more than any daylight-saving jump: a wall clock can mean
// an instant at most this far from the same clock read in another offset.
const dstWindow = 3 * time.Hour

// Next returns the first occurrence strictly after t, in t's location; the
// zero Time when the schedule never occurs. Fractions of a second in t are
// ignored, as NCrontab does.
func (s *Schedule) Next(t time.Time) time.Time {
	loc := t.Location()
	from := wall(t)
	c, ok := s.nextWall(from)
	if !ok {
		return time.Time{}
	}
	// The usual case: no offset change near, so the wall clock maps to
	// one instant with t's offset.
	_, off := t.Zone()
	fast := c.Add(-time.Duration(off) * time.Second).In(loc)
	start, end := t.ZoneBounds()
	if (end.IsZero() || fast.Before(end)) && (s.interval || start.IsZero() || fast.Sub(start) >= dstWindow) {
		return fast
	}
	return s.nextAcrossTransition(t, from)
}

// nextAcrossTransition finds the earliest instant after t whose wall clock
// matches, when a daylight-saving change is near: wall clocks from a little
// before t's can still lie ahead (a repeated hour), so the search starts
// dstWindow earlier and stops once later clocks cannot beat the best.
func (s *Schedule) nextAcrossTransition(t, from time.Time) time.Time {
	var best time.Time
	c := from.Add(-dstWindow)
	for {
		next, ok := s.nextWall(c)
		if !ok || (!best.IsZero() && next.Sub(wall(best)) > dstWindow) {
			return best
		}
		for i, inst := range instants(next, t.Location()) {
			if i > 0 && !s.interval {
				break // a point-in-time schedule fires at the first of a repeated time only
			}
			if inst.After(t) && (best.IsZero() || inst.Before(best)) {
				best = inst
			}
		}
		c = next
	}
}

// wall returns t's wall clock, to the second, as a UTC time (UTC has no
// daylight saving, so wall-clock arithmetic is plain arithmetic).
func wall(t time.Time) time.Time {
	y, mo, d := t.Date()
	h, mi, sec := t.Clock()
	return time.Date(y, mo, d, h, mi, sec, 0, time.UTC)
}

// instants returns the instants whose wall clock in loc is c: one, two
// for a repeated time, or for a skipped time the instant the clock jumped
// over it to (c read with the offset before the jump), as .NET does.
func instants(c time.Time, loc *time.Location) []time.Time {
	guess := time.Date(c.Year(), c.Month(), c.Day(), c.Hour(), c.Minute(), c.Second(), 0, loc)
	var out []time.Time
	for _, probe := range []time.Time{guess.Add(-12 * time.Hour), guess, guess.Add(12 * time.Hour)} {
		_, off := probe.Zone()
		inst := c.Add(-time.Duration(off) * time.Second).In(loc)
		if wall(inst).Equal(c) && !contains(out, inst) {
			out = append(out, inst)
		}
	}
	if len(out) == 0 {
		_, before := guess.Add(-12 * time.Hour).Zone()
		return []time.Time{c.Add(-time.Duration(before) * time.Second).In(loc)}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

func contains(list []time.Time, t time.Time) bool {
	for _, x := range list {
		if x.Equal(t) {
			return true
		}
	}
	return false
}

// nextWall returns the first wall clock after c (a UTC carrier, whole
// seconds) that every field allows.
func (s *Schedule) nextWall(c time.Time) (time.Time, bool) {
	t := c.Add(time.Second)
	limit := c.Year() + searchYears
	for t.Year() <= limit {
		y, mo, d := t.Date()
		h, mi, sec := t.Clock()
		switch {
		case !s.month.has(int(mo)):
			t = time.Date(y, mo+1, 1, 0, 0, 0, 0, time.UTC)
		case !s.day.has(d) || !s.dayOfW.has(int(t.Weekday())):
			t = time.Date(y, mo, d+1, 0, 0, 0, 0, time.UTC)
		case !s.hour.has(h):
			t = jump(s.hour.next(h), func(v int) time.Time { return time.Date(y, mo, d, v, 0, 0, 0, time.UTC) },
				time.Date(y, mo, d+1, 0, 0, 0, 0, time.UTC))
		case !s.minute.has(mi):
			t = jump(s.minute.next(mi), func(v int) time.Time { return time.Date(y, mo, d, h, v, 0, 0, time.UTC) },
				time.Date(y, mo, d, h+1, 0, 0, 0, time.UTC))
		case !s.second.has(sec):
			t = jump(s.second.next(sec), func(v int) time.Time { return time.Date(y, mo, d, h, mi, v, 0, time.UTC) },
				time.Date(y, mo, d, h, mi+1, 0, 0, time.UTC))
		default:
			return t, true
		}
	}
	return time.Time{}, false
}

// jump moves to the next allowed value of a field, or past the field's
// range (overflow) when none is left.
func jump(v int, at func(int) time.Time, overflow time.Time) time.Time {
	if v < 0 {
		return overflow
	}
	return at(v)
}
