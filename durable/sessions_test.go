package durable

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/replay"
	"github.com/godurable/durablefunctions/internal/virtualclock"
)

// waitUntil polls cond (it does not time anything: the deadline only stops
// a stuck test).
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// An instance waiting for events, on a runtime with extended sessions and
// a virtual clock: within the idle timeout the next event continues the
// parked code, which does not run from the start again; once the clock
// passes the timeout, the session is closed (its goroutine ends), and the
// next event replays the code from the start.
func TestExtendedSessionsSkipReplayWithinTheIdleTimeoutOnly(t *testing.T) {
	clock := virtualclock.New(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	var prologue, unwound atomic.Int32
	reg := NewRegistry()
	_ = reg.AddOrchestrator("Waiter", func(ctx *OrchestrationContext) (any, error) {
		prologue.Add(1) // user code before the first await
		defer unwound.Add(1)
		for i := 1; i <= 3; i++ {
			_ = ctx.SetCustomStatus("waiting " + strconv.Itoa(i))
			if err := ctx.WaitForExternalEvent("Go").Await(nil); err != nil {
				return nil, err
			}
		}
		return "done", nil
	})
	rt := NewRuntime(reg, NewMemoryStore(WithStoreClock(clock)), WithClock(clock), WithExtendedSessions(30*time.Second))
	rt.Start()
	defer rt.Close(context.Background())
	c := rt.Client()
	ctx := context.Background()
	id, err := c.StartNew(ctx, "Waiter", nil, WithInstanceID("waiter"))
	if err != nil {
		t.Fatal(err)
	}
	customStatus := func(want string) func() bool {
		return func() bool {
			st, err := c.GetStatus(ctx, id)
			return err == nil && string(st.CustomStatus) == strconv.Quote(want)
		}
	}
	waitUntil(t, "the first wait", customStatus("waiting 1"))

	clock.Advance(29 * time.Second) // within the timeout
	if err := c.RaiseEvent(ctx, id, "Go", nil); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the second wait", customStatus("waiting 2"))
	if n := prologue.Load(); n != 1 {
		t.Fatalf("within the idle timeout the code ran from the start %d times, want 1", n)
	}
	if resumed, replayed := rt.sessions.counts(); resumed != 1 || replayed != 1 {
		t.Fatalf("%d episodes resumed and %d replayed, want 1 and 1", resumed, replayed)
	}

	waitUntil(t, "the session to be parked", func() bool { return rt.sessions.len() == 1 })
	parked := runtime.NumGoroutine()
	clock.Advance(30 * time.Second) // the session is now idle past the timeout
	waitUntil(t, "the idle session to close", func() bool { return rt.sessions.len() == 0 && unwound.Load() == 1 })
	// The parked goroutine has ended (and the sweeper, having nothing
	// left to watch).
	waitUntil(t, "the parked goroutine to end", func() bool { return runtime.NumGoroutine() <= parked-1 })

	if err := c.RaiseEvent(ctx, id, "Go", nil); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the third wait", customStatus("waiting 3"))
	if n := prologue.Load(); n != 2 {
		t.Fatalf("after the idle timeout the code ran from the start %d times in all, want 2", n)
	}
	if err := c.RaiseEvent(ctx, id, "Go", nil); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "completion", func() bool {
		st, err := c.GetStatus(ctx, id)
		return err == nil && st.RuntimeStatus == StatusCompleted && string(st.Output) == `"done"`
	})
	if resumed, replayed := rt.sessions.counts(); resumed != 2 || replayed != 2 {
		t.Errorf("%d episodes resumed and %d replayed, want 2 and 2", resumed, replayed)
	}
}

// manualClock tells a fixed time that the test moves; its After never
// fires, so only the lazy check on the next episode can expire a session.
type manualClock struct{ now atomic.Pointer[time.Time] }

func (m *manualClock) Now() time.Time                       { return *m.now.Load() }
func (m *manualClock) After(time.Duration) <-chan time.Time { return nil }
func (m *manualClock) set(t time.Time)                      { m.now.Store(&t) }

func waitingOrchestrator(prologue *int) replay.Orchestrator {
	return func(c *replay.Context) (any, error) {
		*prologue++
		for {
			if err := c.WaitForExternalEvent("Go", 0).Await(nil); err != nil {
				return nil, err
			}
		}
	}
}

// episodes builds the engine's episodes for an instance that waits for
// events: the start, then one event per episode.
type episodes struct {
	id   string
	t    time.Time
	past []*history.Event
	new  []*history.Event
}

func newEpisodes(id string, t time.Time) *episodes {
	return &episodes{id: id, t: t, new: []*history.Event{history.NewOrchestratorStarted(t),
		history.NewExecutionStarted(t, "Waiter", id, id+"-e1", "", nil, nil)}}
}

func (e *episodes) next() replay.Episode {
	ep := replay.Episode{InstanceID: e.id, Past: e.past, New: e.new}
	e.past = append(append(e.past[:len(e.past):len(e.past)], e.new...), history.NewOrchestratorCompleted(e.t))
	e.t = e.t.Add(time.Second)
	e.new = []*history.Event{history.NewOrchestratorStarted(e.t), history.NewEventRaised(e.t, "Go", "")}
	return ep
}

func TestTheSessionCacheExpiresAndBoundsSessions(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		// run drives the cache and returns how many times the code ran
		// from the start and how many sessions are left.
		run                     func(c *sessionCache, clock *manualClock) (prologues, left int)
		wantPrologues, wantLeft int
	}{
		{
			name: "an episode within the timeout resumes the session",
			run: func(c *sessionCache, clock *manualClock) (int, int) {
				n, eps := 0, newEpisodes("a", t0)
				for range 4 {
					c.run("Waiter", waitingOrchestrator(&n), eps.next(), replay.Options{})
					clock.set(clock.Now().Add(9 * time.Second))
				}
				return n, c.len()
			},
			wantPrologues: 1, wantLeft: 1,
		},
		{
			name: "an episode after the timeout replays, even before the sweeper ran",
			run: func(c *sessionCache, clock *manualClock) (int, int) {
				n, eps := 0, newEpisodes("a", t0)
				c.run("Waiter", waitingOrchestrator(&n), eps.next(), replay.Options{})
				clock.set(clock.Now().Add(10 * time.Second))
				c.run("Waiter", waitingOrchestrator(&n), eps.next(), replay.Options{})
				return n, c.len()
			},
			wantPrologues: 2, wantLeft: 1,
		},
		{
			name: "beyond the bound the least recently used session is closed",
			run: func(c *sessionCache, clock *manualClock) (int, int) {
				n := 0
				a, b, d := newEpisodes("a", t0), newEpisodes("b", t0), newEpisodes("d", t0)
				c.run("Waiter", waitingOrchestrator(&n), a.next(), replay.Options{}) // a
				c.run("Waiter", waitingOrchestrator(&n), b.next(), replay.Options{}) // a b
				c.run("Waiter", waitingOrchestrator(&n), a.next(), replay.Options{}) // b a (resumed)
				c.run("Waiter", waitingOrchestrator(&n), d.next(), replay.Options{}) // a d: b closed
				c.run("Waiter", waitingOrchestrator(&n), b.next(), replay.Options{}) // d b: a closed, b replayed
				return n, c.len()
			},
			wantPrologues: 4, wantLeft: 2,
		},
		{
			name: "another orchestrator under the same instance id replays",
			run: func(c *sessionCache, clock *manualClock) (int, int) {
				n, eps := 0, newEpisodes("a", t0)
				c.run("Waiter", waitingOrchestrator(&n), eps.next(), replay.Options{})
				c.run("Other", waitingOrchestrator(&n), eps.next(), replay.Options{})
				return n, c.len()
			},
			wantPrologues: 2, wantLeft: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			clock := &manualClock{}
			clock.set(t0)
			c := newSessionCache(sessionOptions{enabled: true, idle: 10 * time.Second, max: 2}, clock)
			prologues, left := tc.run(c, clock)
			if prologues != tc.wantPrologues || left != tc.wantLeft {
				t.Errorf("the code ran from the start %d times and %d sessions are left, want %d and %d", prologues, left, tc.wantPrologues, tc.wantLeft)
			}
			c.close()
			if c.len() != 0 {
				t.Errorf("%d sessions left after close", c.len())
			}
			waitUntil(t, fmt.Sprintf("goroutines back to %d", before), func() bool { return runtime.NumGoroutine() <= before })
		})
	}
}
