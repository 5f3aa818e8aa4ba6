package triggers

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/godurable/durablefunctions/bindings"
	"github.com/godurable/durablefunctions/internal/store"
)

// TimerFunc runs a timer function for one tick. Its error is logged; the
// host does not retry timer functions, and neither does Timer.
type TimerFunc func(ctx context.Context, info *bindings.TimerInfo) error

// Timer fires one timer function on its schedule, once per occurrence
// across every process that shares the Ledger's store.
type Timer struct {
	// Name is the function's name; it keys the function's markers.
	Name     string
	Schedule Schedule
	// Location is the wall clock NCRONTAB schedules are read in (the
	// host's local time zone); nil means UTC.
	Location *time.Location
	// UseMonitor is the binding's useMonitor after the host's rule (off for
	// schedules that fire more than once a minute): with it, a missed
	// occurrence fires at startup with IsPastDue, and the function sees the
	// ScheduleStatus.
	UseMonitor   bool
	RunOnStartup bool
	Ledger       *Ledger
	Clock        store.Clock
	Invoke       TimerFunc
	Logger       *slog.Logger
}

// maxWait bounds one sleep, so a timer re-reads its status at least this
// often: a clock that jumps (a laptop waking up) is noticed soon.
const maxWait = time.Minute

// startupGrace: an occurrence missed by less than this at startup is one
// another running process is about to claim, not one missed while no
// process ran; it fires as a regular tick.
const startupGrace = 2 * time.Second

// Run fires the timer until poll ends. Invocations get work, which
// should outlive poll during a graceful shutdown.
func (t *Timer) Run(poll, work context.Context) {
	if t.Logger == nil {
		t.Logger = slog.Default()
	}
	retry := NewBackoff(time.Second, time.Minute)
	started := false
	for poll.Err() == nil {
		var wait time.Duration
		var err error
		if started {
			wait, err = t.tick(poll, work)
		} else {
			err = t.start(poll, work)
			started = err == nil
		}
		if err != nil {
			if poll.Err() != nil {
				return
			}
			wait = retry.Next(false)
			t.Logger.Warn("timer: the store did not answer; retrying", "function", t.Name, "retryIn", wait, "error", err)
		} else {
			retry.Next(true)
		}
		if wait > 0 && !Sleep(poll, t.Clock, wait) {
			return
		}
	}
}

// start applies the host's startup rules: a missed occurrence fires at
// once with IsPastDue (monitored timers) or is skipped (unmonitored ones,
// which keep no status on the host); otherwise runOnStartup fires.
func (t *Timer) start(poll, work context.Context) error {
	st, err := t.current(poll)
	if err != nil {
		return err
	}
	now := t.now()
	switch missed := now.Sub(st.Next); {
	case missed > startupGrace && t.UseMonitor:
		t.Logger.Info("timer: past due at startup; executing now", "function", t.Name, "scheduled", st.Next)
		return t.fire(poll, work, st, true)
	case missed > startupGrace:
		resync := Status{Next: t.next(now), LastUpdated: now}
		_, err := t.Ledger.Claim(poll, t.Name, st.Next, resync)
		return err
	case t.RunOnStartup:
		t.invoke(work, st, false, "RunOnStartup")
	}
	return nil
}

// tick fires the next occurrence if it is due and says how long to sleep.
func (t *Timer) tick(poll, work context.Context) (time.Duration, error) {
	st, err := t.current(poll)
	if err != nil {
		return 0, err
	}
	if st.Next.IsZero() {
		return maxWait, nil // the schedule never occurs again
	}
	if wait := st.Next.Sub(t.now()); wait > 0 {
		return min(wait, maxWait), nil
	}
	return 0, t.fire(poll, work, st, false)
}

// fire claims occurrence st.Next and, if this process won it, invokes the
// function.
func (t *Timer) fire(poll, work context.Context, st Status, pastDue bool) error {
	now := t.now()
	// As the host: a tick that came early counts from its scheduled time,
	// so the next occurrence is not the same one again.
	invoked := now
	if !pastDue && st.Next.After(now) {
		invoked = st.Next
	}
	after := Status{Last: invoked, Next: t.next(invoked), LastUpdated: invoked}
	won, err := t.Ledger.Claim(poll, t.Name, st.Next, after)
	if err != nil || !won {
		return err
	}
	reason := "Timer fired at " + now.Format(time.RFC3339)
	if pastDue {
		reason = "IsPastDue"
	}
	t.invoke(work, st, pastDue, reason)
	if err := t.Ledger.Prune(poll, t.Name); err != nil {
		t.Logger.Debug("timer: pruning old markers failed", "function", t.Name, "error", err)
	}
	return nil
}

func (t *Timer) invoke(work context.Context, st Status, pastDue bool, reason string) {
	info := &bindings.TimerInfo{Schedule: t.scheduleJSON(), IsPastDue: pastDue}
	if t.UseMonitor {
		info.ScheduleStatus = &bindings.TimerScheduleStatus{Last: st.Last, Next: st.Next, LastUpdated: st.LastUpdated}
	}
	t.Logger.Info("timer: executing", "function", t.Name, "reason", reason, "occurrence", st.Next)
	if err := t.Invoke(work, info); err != nil {
		t.Logger.Error("timer: the function failed", "function", t.Name, "error", err)
	}
}

// scheduleJSON is what the host's TimerInfo.Schedule serializes to: the
// schedule object's one public property.
func (t *Timer) scheduleJSON() json.RawMessage {
	if _, ok := t.Schedule.(constant); ok {
		return json.RawMessage(`{"AdjustForDST":false}`)
	}
	return json.RawMessage(`{"AdjustForDST":true}`)
}

// current returns the timer's shared status, recording a first one (the
// next occurrence from now) when no process has run the timer yet, and
// applies the host's rule for a schedule that changed since.
func (t *Timer) current(ctx context.Context) (Status, error) {
	for range 3 {
		st, err := t.Ledger.Latest(ctx, t.Name)
		if err != nil {
			return Status{}, err
		}
		if st != nil {
			return t.adjust(*st, t.now()), nil
		}
		now := t.now()
		first := Status{Next: t.next(now), LastUpdated: now}
		won, err := t.Ledger.Claim(ctx, t.Name, time.Time{}, first)
		if err != nil {
			return Status{}, err
		}
		if won {
			return first, nil
		}
	}
	return Status{}, fmt.Errorf("timer %s: the first status was claimed but cannot be read", t.Name)
}

// adjust is the host's schedule-change rule: a recorded Next that the
// schedule would not compute from Last (or LastUpdated) belongs to an
// older schedule; the new one's next occurrence replaces it, counted from
// now when it would already have passed.
func (t *Timer) adjust(st Status, now time.Time) Status {
	from := now
	switch {
	case !st.Last.IsZero():
		from = st.Last
	case !st.LastUpdated.IsZero():
		from = st.LastUpdated
	}
	expected := t.next(from)
	if st.Next.Equal(expected) {
		return st
	}
	if now.After(expected) {
		expected, from = t.next(now), now
	}
	return Status{Next: expected, LastUpdated: from}
}

// next is the schedule's next occurrence after at, on the timer's wall
// clock.
func (t *Timer) next(at time.Time) time.Time {
	loc := t.Location
	if loc == nil {
		loc = time.UTC
	}
	n := t.Schedule.Next(at.In(loc))
	if n.IsZero() {
		return n
	}
	return n.UTC()
}

func (t *Timer) now() time.Time { return t.Clock.Now().UTC() }

// Sleep waits d on clock c, or until ctx ends (then it returns false).
func Sleep(ctx context.Context, c store.Clock, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-c.After(d):
		return true
	}
}
