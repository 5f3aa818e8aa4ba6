package triggers

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/bindings"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/memory"
	"github.com/godurable/durablefunctions/internal/store/sqlite"
	"github.com/godurable/durablefunctions/internal/virtualclock"
)

var t0 = time.Date(2025, 1, 15, 10, 7, 30, 0, time.UTC)

func clockAt(s string) time.Time {
	t, err := time.Parse("15:04:05", s)
	if err != nil {
		panic(err)
	}
	return time.Date(t0.Year(), t0.Month(), t0.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
}

// tick is one invocation as the function saw it.
type tick struct {
	process string
	info    bindings.TimerInfo
}

// ticks collects the invocations of every process in a test.
type ticks struct {
	mu  sync.Mutex
	all []tick
}

func (c *ticks) fn(process string) TimerFunc {
	return func(_ context.Context, info *bindings.TimerInfo) error {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.all = append(c.all, tick{process, *info})
		return nil
	}
}

func (c *ticks) list() []tick {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]tick(nil), c.all...)
}

// timers runs timer processes on one virtual clock.
type timers struct {
	t       *testing.T
	clock   *virtualclock.Clock
	ticks   ticks
	running int
}

func newTimers(t *testing.T) *timers {
	return &timers{t: t, clock: virtualclock.New(t0)}
}

// start runs one process's timer for function "Cleanup" on st until the
// returned stop is called (or the test ends).
func (h *timers) start(process string, st store.Store, expr string, edit ...func(*Timer)) (stop func()) {
	h.t.Helper()
	sched, frequent, err := ParseSchedule(expr, func(string) (string, bool) { return "", false }, h.clock.Now())
	if err != nil {
		h.t.Fatal(err)
	}
	tm := &Timer{Name: "Cleanup", Schedule: sched, UseMonitor: !frequent, Ledger: &Ledger{Store: st, Clock: h.clock},
		Clock: h.clock, Invoke: h.ticks.fn(process), Logger: quietLog()}
	for _, e := range edit {
		e(tm)
	}
	g := NewGroup()
	g.Go(tm.Run)
	h.running++
	h.settle()
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			h.running--
			_ = g.Stop(context.Background())
		}
	}
	h.t.Cleanup(stop)
	return stop
}

// settle waits until every running timer sleeps on the clock.
func (h *timers) settle() {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for h.clock.Waiters() < h.running {
		if time.Now().After(deadline) {
			h.t.Fatalf("%d timers should be waiting on the clock, %d are", h.running, h.clock.Waiters())
		}
		time.Sleep(time.Millisecond)
	}
}

// advance moves the clock to hh:mm:ss of the test day and lets the timers
// act.
func (h *timers) advance(to string) {
	h.t.Helper()
	h.clock.AdvanceTo(clockAt(to))
	h.settle()
}

func status(last, next, updated string) *bindings.TimerScheduleStatus {
	parse := func(s string) time.Time {
		if s == "" {
			return time.Time{}
		}
		return clockAt(s)
	}
	return &bindings.TimerScheduleStatus{Last: parse(last), Next: parse(next), LastUpdated: parse(updated)}
}

func sameStatus(a, b *bindings.TimerScheduleStatus) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Last.Equal(b.Last) && a.Next.Equal(b.Next) && a.LastUpdated.Equal(b.LastUpdated)
}

func expectTicks(t *testing.T, got []tick, want []bindings.TimerInfo) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("the function ran %d times, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i].info
		if g.IsPastDue != w.IsPastDue || !sameStatus(g.ScheduleStatus, w.ScheduleStatus) {
			t.Errorf("invocation %d saw IsPastDue=%v ScheduleStatus=%+v, want IsPastDue=%v ScheduleStatus=%+v",
				i, g.IsPastDue, g.ScheduleStatus, w.IsPastDue, w.ScheduleStatus)
		}
		if string(g.Schedule) != `{"AdjustForDST":true}` {
			t.Errorf("invocation %d saw Schedule %s, want the host's {\"AdjustForDST\":true}", i, g.Schedule)
		}
	}
}

func TestATimerFiresOnItsScheduleWithTheHostsStatus(t *testing.T) {
	h := newTimers(t)
	h.start("p1", memory.New(), "0 */5 * * * *")
	expectTicks(t, h.ticks.list(), nil)
	h.advance("10:10:00")
	h.advance("10:12:00") // nothing is due
	h.advance("10:15:00")
	expectTicks(t, h.ticks.list(), []bindings.TimerInfo{
		{ScheduleStatus: status("", "10:10:00", "10:07:30")},
		{ScheduleStatus: status("10:10:00", "10:15:00", "10:10:00")},
	})
}

func TestRunOnStartupFiresWhenTheProcessStarts(t *testing.T) {
	h := newTimers(t)
	h.start("p1", memory.New(), "0 */5 * * * *", func(tm *Timer) { tm.RunOnStartup = true })
	h.advance("10:10:00")
	expectTicks(t, h.ticks.list(), []bindings.TimerInfo{
		{ScheduleStatus: status("", "10:10:00", "10:07:30")},
		{ScheduleStatus: status("", "10:10:00", "10:07:30")},
	})
}

func TestAnOccurrenceMissedWhileDownFiresOnceAtRestartAsPastDue(t *testing.T) {
	h := newTimers(t)
	st := memory.New()
	stop := h.start("first run", st, "0 */5 * * * *", func(tm *Timer) { tm.RunOnStartup = true })
	h.advance("10:10:00")
	stop()
	h.clock.AdvanceTo(clockAt("10:27:00")) // 10:15, 10:20 and 10:25 pass with no process
	h.start("second run", st, "0 */5 * * * *", func(tm *Timer) { tm.RunOnStartup = true })
	h.advance("10:30:00")
	expectTicks(t, h.ticks.list(), []bindings.TimerInfo{
		{ScheduleStatus: status("", "10:10:00", "10:07:30")},                          // runOnStartup
		{ScheduleStatus: status("", "10:10:00", "10:07:30")},                          // 10:10
		{IsPastDue: true, ScheduleStatus: status("10:10:00", "10:15:00", "10:10:00")}, // at 10:27, not runOnStartup too
		{ScheduleStatus: status("10:27:00", "10:30:00", "10:27:00")},
	})
}

func TestAFrequentTimerSkipsWhatItMissedAndShowsNoStatus(t *testing.T) {
	h := newTimers(t)
	st := memory.New()
	stop := h.start("first run", st, "*/10 * * * * *")
	h.advance("10:07:40")
	stop()
	h.clock.AdvanceTo(clockAt("10:09:05"))
	h.start("second run", st, "*/10 * * * * *")
	h.advance("10:09:10")
	got := h.ticks.list()
	if len(got) != 2 {
		t.Fatalf("the function ran %d times, want 2 (10:07:40 and 10:09:10; nothing for the missed minute): %+v", len(got), got)
	}
	for i, tk := range got {
		if tk.info.IsPastDue || tk.info.ScheduleStatus != nil {
			t.Errorf("invocation %d of a more-than-once-a-minute timer saw IsPastDue=%v ScheduleStatus=%+v; the host keeps no status for it",
				i, tk.info.IsPastDue, tk.info.ScheduleStatus)
		}
	}
}

func TestAChangedScheduleReplacesTheRecordedNextOccurrence(t *testing.T) {
	h := newTimers(t)
	st := memory.New()
	stop := h.start("old code", st, "0 0 * * * *") // hourly: next 11:00
	stop()
	h.start("new code", st, "0 */5 * * * *")
	h.advance("10:10:00")
	expectTicks(t, h.ticks.list(), []bindings.TimerInfo{
		{ScheduleStatus: status("", "10:10:00", "10:07:30")},
	})
}

// Several processes on one task hub: each occurrence runs once, in one of
// them, whichever claims it first.
func TestTwoProcessesOnOneStoreFireEachOccurrenceOnce(t *testing.T) {
	stores := []struct {
		name string
		open func(t *testing.T) (a, b store.Store)
	}{
		{"memory store", func(t *testing.T) (store.Store, store.Store) { s := memory.New(); return s, s }},
		{"one SQLite file", func(t *testing.T) (store.Store, store.Store) {
			s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hub.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			return s, s
		}},
		{"one Azure Storage task hub (Azurite)", func(t *testing.T) (store.Store, store.Store) {
			inst := sharedAzurite(t)
			hub := fmt.Sprintf("timers%d", time.Now().UnixNano()%1e9)
			return openAzureHub(t, inst, hub), openAzureHub(t, inst, hub)
		}},
	}
	for _, tt := range stores {
		t.Run(tt.name, func(t *testing.T) {
			a, b := tt.open(t)
			h := newTimers(t)
			h.start("p1", a, "0 */5 * * * *")
			h.start("p2", b, "0 */5 * * * *")
			for _, at := range []string{"10:10:00", "10:15:00", "10:20:00", "10:25:00", "10:30:00"} {
				h.advance(at)
			}
			got := h.ticks.list()
			seen := map[time.Time]string{}
			for _, tk := range got {
				next := tk.info.ScheduleStatus.Next
				if other, dup := seen[next]; dup {
					t.Errorf("occurrence %s ran in %s and in %s", next.Format(time.TimeOnly), other, tk.process)
				}
				seen[next] = tk.process
			}
			if len(got) != 5 || len(seen) != 5 {
				t.Errorf("5 occurrences ran %d times (%d distinct), want once each: %+v", len(got), len(seen), got)
			}
		})
	}
}
