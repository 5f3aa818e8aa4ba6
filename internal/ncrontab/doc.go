// Package ncrontab reads the schedules of Azure Functions timer triggers:
// NCRONTAB expressions, as the Functions host's timer extension (and the
// NCrontab library under it) reads them, and computes their occurrences.
//
// An expression has six fields, seconds first, or the five classic cron
// fields (then the second is 0):
//
//	{second} {minute} {hour} {day} {month} {day-of-week}
//
//	s, err := ncrontab.Parse("0 30 9 * * Mon-Fri") // 9:30 every weekday
//	if err != nil {
//		return err // names the field and the allowed range
//	}
//	next := s.Next(time.Now()) // the first occurrence strictly after now
//
// Each field is "*", a value, a range "a-b", a list "a,b,c", or a step
// "*/n", "a-b/n" or "a/n" (a to the field's maximum). Months and days of
// the week also take names, matched by prefix and ignoring case ("Jan",
// "january", "Mon"). Days of the week run 0 (Sunday) to 6. A day must match
// both the day-of-month and the day-of-week fields, as in NCrontab (classic
// cron would accept either).
//
// Occurrences are wall-clock times in the location of the time passed to
// Next, with the host's daylight-saving rules: a time that does not exist
// (the hour skipped in spring) moves forward by the jump; a time that
// happens twice (the hour repeated in autumn) fires once for a
// point-in-time schedule ("0 30 1 * * *") and both times for an interval
// schedule ("0 */30 * * * *", any schedule whose second, minute or hour
// field is "*", a range or a step over consecutive values).
package ncrontab
