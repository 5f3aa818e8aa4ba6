package replay

import (
	"encoding/json"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
)

// sessionRunner is an engine's session cache reduced to a map: it resumes
// an instance's parked code when it can and replays in full otherwise.
type sessionRunner struct {
	live              map[string]*Session
	resumed, replayed int
}

func newSessionRunner() *sessionRunner { return &sessionRunner{live: map[string]*Session{}} }

func (r *sessionRunner) execute(fn Orchestrator, ep Episode, opts Options) *Result {
	if s := r.live[ep.InstanceID]; s != nil {
		delete(r.live, ep.InstanceID)
		if res, ok := s.Resume(ep, opts); ok {
			r.resumed++
			if s.Live() {
				r.live[ep.InstanceID] = s
			}
			return res
		}
	}
	r.replayed++
	res, s := ExecuteSession(fn, ep, opts)
	if s != nil {
		r.live[ep.InstanceID] = s
	}
	return res
}

func (r *sessionRunner) close() {
	for id, s := range r.live {
		s.Close()
		delete(r.live, id)
	}
}

// comparable strips what legitimately differs between two runs of the same
// episode: stack traces name goroutines.
func comparableResult(r *Result) *Result {
	if r == nil || r.Failure == nil {
		return r
	}
	c := *r
	c.Failure = sanitize(r.Failure)
	if c.Failure.StackTrace != "" {
		c.Failure.StackTrace = simStackTrace
	}
	return &c
}

func assertSameResults(t *testing.T, what string, full, sess []*Result) {
	t.Helper()
	if len(full) != len(sess) {
		t.Fatalf("%s: %d episodes replayed in full, %d with sessions", what, len(full), len(sess))
	}
	for i := range full {
		a, b := comparableResult(full[i]), comparableResult(sess[i])
		if !reflect.DeepEqual(a, b) {
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			t.Fatalf("%s: episode %d differs\nfull replay: %s\nsession:     %s", what, i, ja, jb)
		}
	}
}

// Every golden scenario, run episode by episode with the code kept parked
// between episodes, gives every episode exactly the result a full replay
// gives; and the sessions are actually used.
func TestSessionsGiveEveryEpisodeTheResultOfAFullReplay(t *testing.T) {
	for _, tc := range goldenCases() {
		t.Run(tc.name, func(t *testing.T) {
			full := &simulator{t: t, orchestrators: testOrchestrators, activities: newActivities(), events: tc.events, opts: tc.opts, batch: tc.batch}
			full.run(tc.orchestrator, goldenInstance, tc.input)
			runner := newSessionRunner()
			defer runner.close()
			sess := &simulator{t: t, orchestrators: testOrchestrators, activities: newActivities(), events: tc.events, opts: tc.opts, batch: tc.batch,
				execute: runner.execute}
			sess.run(tc.orchestrator, goldenInstance, tc.input)
			assertSameResults(t, tc.name, full.episodes, sess.episodes)
			for i, ex := range full.executions {
				if !reflect.DeepEqual(stripStacks(ex.History), stripStacks(sess.executions[i].History)) {
					t.Errorf("execution %d of %s: histories differ", i, ex.InstanceID)
				}
			}
			if len(full.episodes) > len(full.executions) && runner.resumed == 0 {
				t.Errorf("%d episodes over %d executions, and no session was resumed", len(full.episodes), len(full.executions))
			}
		})
	}
}

func stripStacks(h []*history.Event) []*history.Event {
	out := make([]*history.Event, len(h))
	for i, e := range h {
		c := *e
		c.FailureDetails = sanitize(e.FailureDetails)
		if c.FailureDetails != nil && c.FailureDetails.StackTrace != "" {
			c.FailureDetails.StackTrace = simStackTrace
		}
		out[i] = &c
	}
	return out
}

// FuzzSessions cuts arbitrary histories into three episodes and runs each
// test orchestrator over them twice: replaying every episode in full, and
// resuming parked code. The results must be identical, whatever the history
// holds (duplicates, unknown tasks, corrupt ids, histories made by other
// code).
func FuzzSessions(f *testing.F) {
	forEachGoldenHistory(f, func(h []byte, n int) {
		f.Add(h, uint16(n/3), uint16(2*n/3))
		f.Add(h, uint16(n/2), uint16(n-1))
	})
	for _, seed := range adversarialHistories {
		f.Add([]byte(seed.history), uint16(1), uint16(2))
	}
	f.Fuzz(func(t *testing.T, data []byte, cut1, cut2 uint16) {
		var h []*history.Event
		if err := json.Unmarshal(data, &h); err != nil {
			return
		}
		a, b := int(cut1)%(len(h)+1), int(cut2)%(len(h)+1)
		a, b = min(a, b), max(a, b)
		episodes := []Episode{
			{InstanceID: "fuzz", New: h[:a]},
			{InstanceID: "fuzz", Past: h[:a], New: h[a:b]},
			{InstanceID: "fuzz", Past: h[:b], New: h[b:]},
		}
		for _, name := range fuzzOrchestratorNames() {
			fn := fuzzOrchestrators[name]
			var full, sess []*Result
			runner := newSessionRunner()
			for _, ep := range episodes {
				full = append(full, executeWithin(t, fn, ep, fuzzOptions))
				sess = append(sess, runner.execute(fn, ep, fuzzOptions))
			}
			runner.close()
			assertSameResults(t, name, full, sess)
		}
	})
}

// chainEpisodes drives a chain orchestrator the way an engine does: each
// episode's actions and an OrchestratorCompleted join the history, and the
// next episode brings the completion of the activity scheduled last.
func chainEpisodes(t testing.TB, fn Orchestrator, exec func(Orchestrator, Episode, Options) *Result, maxEpisodes int) []*Result {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	newEvents := []*history.Event{history.NewOrchestratorStarted(t0), history.NewExecutionStarted(t0, "Chain", "chain", "e1", "", nil, nil)}
	var past []*history.Event
	var out []*Result
	for ep := 1; ep <= maxEpisodes; ep++ {
		r := exec(fn, Episode{InstanceID: "chain", Past: past, New: newEvents}, Options{})
		out = append(out, r)
		ts := t0.Add(time.Duration(ep) * time.Second)
		past = append(past, newEvents...)
		past = append(past, r.Actions...)
		past = append(past, history.NewOrchestratorCompleted(ts))
		if r.Done || len(r.Actions) == 0 {
			break
		}
		newEvents = []*history.Event{history.NewOrchestratorStarted(ts)}
		for _, a := range r.Actions {
			newEvents = append(newEvents, history.NewTaskCompleted(ts, a.EventID, a.Input))
		}
	}
	return out
}

// The code of a parked session is not run from the start on the next
// episode: what it does before its first await happens once, and it is
// never replaying. A full replay runs it again every episode.
func TestParkedCodeIsNotReplayedFromTheStart(t *testing.T) {
	prologue, replayedAwaits := 0, 0
	fn := func(c *Context) (any, error) {
		prologue++
		for i := range 5 {
			if err := c.CallActivity("Step", i, nil).Await(nil); err != nil {
				return nil, err
			}
			if c.IsReplaying() {
				replayedAwaits++
			}
		}
		return "done", nil
	}
	runner := newSessionRunner()
	defer runner.close()
	res := chainEpisodes(t, fn, runner.execute, 10)
	if last := res[len(res)-1]; !last.Done || last.Output != `"done"` {
		t.Fatalf("the chain ended with %+v", last)
	}
	if prologue != 1 || replayedAwaits != 0 || runner.resumed != 5 || runner.replayed != 1 {
		t.Errorf("with sessions: prologue ran %d times, %d awaits returned while replaying, %d resumes, %d full replays; want 1, 0, 5, 1",
			prologue, replayedAwaits, runner.resumed, runner.replayed)
	}
	prologue, replayedAwaits = 0, 0
	chainEpisodes(t, fn, Execute, 10)
	if prologue != 6 || replayedAwaits != 10 {
		t.Errorf("without sessions: prologue ran %d times, %d awaits returned while replaying; want 6 and 10", prologue, replayedAwaits)
	}
}

// waitForGoroutines waits until at most want goroutines run: a goroutine
// that closed its done channel may still be finishing its return.
func waitForGoroutines(t testing.TB, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > want {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, want at most %d:\n%s", runtime.NumGoroutine(), want, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(time.Millisecond)
	}
}

// Closing a session unwinds the parked code, running its deferred calls
// once with the context inert, and ends its goroutine.
func TestClosingASessionEndsItsGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	deferred := 0
	var statusErr error
	fn := func(c *Context) (any, error) {
		defer func() {
			deferred++
			statusErr = c.SetCustomStatus("unwinding")
		}()
		return nil, c.WaitForExternalEvent("never", 0).Await(nil)
	}
	var sessions []*Session
	for range 20 {
		r, s := ExecuteSession(fn, Episode{InstanceID: "i", New: chainStart()}, Options{})
		if r.Done || s == nil || !s.Live() {
			t.Fatalf("the waiting code was not kept: %+v", r)
		}
		sessions = append(sessions, s)
	}
	if deferred != 0 {
		t.Fatalf("deferred calls ran %d times while parked", deferred)
	}
	for _, s := range sessions {
		s.Close()
		s.Close() // closing twice does nothing
		if s.Live() {
			t.Fatal("a closed session is live")
		}
	}
	if deferred != 20 || statusErr != nil {
		t.Errorf("deferred calls ran %d times (err %v), want 20", deferred, statusErr)
	}
	waitForGoroutines(t, before)
}

func chainStart() []*history.Event {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	return []*history.Event{history.NewOrchestratorStarted(t0), history.NewExecutionStarted(t0, "Chain", "i", "e1", "", nil, nil)}
}

// A session resumes only an episode that continues the history it applied;
// anything else is refused (and the session closed) so the caller replays
// in full, which then gives the right result or the right error.
func TestSessionsRefuseEpisodesThatDoNotContinueTheirHistory(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	t1 := t0.Add(time.Second)
	twoActivities := func(c *Context) (any, error) {
		if err := c.CallActivity("A", 1, nil).Await(nil); err != nil {
			return nil, err
		}
		return nil, c.CallActivity("B", 2, nil).Await(nil)
	}
	start := chainStart()
	applied := append([]*history.Event{}, start...)
	scheduledA := history.NewTaskScheduled(t0, 0, "A", "1")
	next := []*history.Event{history.NewOrchestratorStarted(t1), history.NewTaskCompleted(t1, 0, "")}
	cases := []struct {
		name        string
		ep          Episode
		opts        Options
		wantFailure string // of the full replay that follows, if any
	}{
		{name: "another execution of the same instance",
			ep: Episode{InstanceID: "i", Past: []*history.Event{history.NewOrchestratorStarted(t0),
				history.NewExecutionStarted(t0, "Chain", "i", "e2", "", nil, nil), scheduledA, history.NewOrchestratorCompleted(t0)}, New: next}},
		{name: "the same episode again, after its commit failed",
			ep: Episode{InstanceID: "i", New: start}},
		{name: "a history whose ExecutionStarted differs from the one applied",
			ep: Episode{InstanceID: "i", Past: []*history.Event{start[0], history.NewExecutionStarted(t0.Add(time.Millisecond), "Chain", "i", "e1", "", nil, nil),
				scheduledA, history.NewOrchestratorCompleted(t0)}, New: next}},
		{name: "different replay options", opts: Options{MaxActions: 7},
			ep: Episode{InstanceID: "i", Past: append(append([]*history.Event{}, applied...), scheduledA, history.NewOrchestratorCompleted(t0)), New: next}},
		{name: "history that recorded another action than the code took",
			ep:          Episode{InstanceID: "i", Past: append(append([]*history.Event{}, applied...), history.NewTaskScheduled(t0, 0, "Z", "1"), history.NewOrchestratorCompleted(t0)), New: next},
			wantFailure: "named 'Z'"},
		{name: "a corrupt scheduling event id",
			ep:          Episode{InstanceID: "i", Past: append(append([]*history.Event{}, applied...), history.NewTaskScheduled(t0, 4, "A", "1"), history.NewOrchestratorCompleted(t0)), New: next},
			wantFailure: "has EventId 4"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			_, s := ExecuteSession(twoActivities, Episode{InstanceID: "i", New: start}, Options{})
			if s == nil {
				t.Fatal("no session")
			}
			if _, ok := s.Resume(tc.ep, tc.opts); ok {
				t.Fatal("the session resumed an episode that does not continue its history")
			}
			if s.Live() {
				t.Fatal("a refused session is still live")
			}
			waitForGoroutines(t, before)
			full := Execute(twoActivities, tc.ep, tc.opts)
			if tc.wantFailure != "" && (full.Failure == nil || !strings.Contains(full.Failure.ErrorMessage, tc.wantFailure)) {
				t.Errorf("the full replay gave %+v, want a failure saying %q", full.Failure, tc.wantFailure)
			}
		})
	}
}

// Nondeterminism is still caught in code that resumed: here history holds
// an episode run by another worker (its events are past for this one), and
// the live code then schedules a different activity than that worker
// recorded. The failure is the one a full replay reports.
func TestResumedCodeStillDetectsNondeterminism(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	t1, t2 := t0.Add(time.Second), t0.Add(2*time.Second)
	fn := func(c *Context) (any, error) {
		for _, name := range []string{"A", "B", "C"} {
			if err := c.CallActivity(name, nil, nil).Await(nil); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}
	start := chainStart()
	past := append(append([]*history.Event{}, start...),
		history.NewTaskScheduled(t0, 0, "A", ""), history.NewOrchestratorCompleted(t0),
		history.NewOrchestratorStarted(t1), history.NewTaskCompleted(t1, 0, ""),
		history.NewTaskScheduled(t1, 1, "Renamed", ""), history.NewOrchestratorCompleted(t1))
	ep := Episode{InstanceID: "i", Past: past, New: []*history.Event{history.NewOrchestratorStarted(t2), history.NewTaskCompleted(t2, 1, "")}}
	_, s := ExecuteSession(fn, Episode{InstanceID: "i", New: start}, Options{})
	got, ok := s.Resume(ep, Options{})
	if !ok {
		t.Fatal("the session refused an episode that continues its history")
	}
	want := Execute(fn, ep, Options{})
	if want.Failure == nil || want.Failure.ErrorType != NonDeterminismErrorType {
		t.Fatalf("the full replay gave %+v, want a nondeterminism failure", want)
	}
	assertSameResults(t, "nondeterminism", []*Result{want}, []*Result{got})
	if s.Live() {
		t.Error("the failed execution's session is still live")
	}
}
