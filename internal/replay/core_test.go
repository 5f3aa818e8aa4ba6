package replay

import (
	"crypto/sha1"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
)

// Tests of behaviour the golden histories cannot show: known values,
// corrupt input, and what happens around the code's goroutine.

var tStart = time.Date(2024, 1, 2, 3, 4, 5, 123456700, time.UTC)

// started is the first episode's new events for orchestration name.
func started(name, input string) []*history.Event {
	return []*history.Event{history.NewOrchestratorStarted(tStart), history.NewExecutionStarted(tStart, name, "inst", "exec", input, nil, nil)}
}

// expectedDotNetGUID computes, independently of the code under test, the
// RFC 4122 version 5 UUID the .NET SDK derives for a NewGuid call.
func expectedDotNetGUID(instanceID string, now time.Time, counter int) string {
	ns := []byte{0x9e, 0x95, 0x29, 0x59, 0x5e, 0x33, 0x4d, 0xaf, 0x82, 0x7f, 0x2f, 0xa1, 0x29, 0x37, 0xb8, 0x75}
	name := fmt.Sprintf("%s_%s.%07dZ_%d", instanceID, now.UTC().Format("2006-01-02T15:04:05"), now.Nanosecond()/100, counter)
	sum := sha1.Sum(append(ns, name...))
	u := sum[:16]
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

func TestNewGUIDMatchesTheDotNetSDK(t *testing.T) {
	tests := []struct {
		name string
		now  time.Time
	}{
		{"at a time with seven fractional digits", tStart},
		{"at a whole second", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fn := func(c *Context) (any, error) { return []string{c.NewGUID(), c.NewGUID()}, nil }
			ev := []*history.Event{history.NewOrchestratorStarted(tc.now), history.NewExecutionStarted(tc.now, "G", "inst", "exec", "", nil, nil)}
			r := Execute(fn, Episode{InstanceID: "inst", New: ev}, Options{})
			want := jsonText([]string{expectedDotNetGUID("inst", tc.now, 0), expectedDotNetGUID("inst", tc.now, 1)})
			if r.Output != want {
				t.Errorf("NewGUID gave %s, want %s", r.Output, want)
			}
		})
	}
}

func TestCorruptHistories(t *testing.T) {
	want := map[string]struct {
		orchestrator string
		failure      string // fragment of the failure message; "" when the replay must not fail
	}{
		"an empty history":                            {"KitchenSink", "corrupt history: no ExecutionStarted event"},
		"a history of one null event":                 {"KitchenSink", "corrupt history: event 0 is null"},
		"a null event after the start":                {"KitchenSink", "corrupt history: event 2 is null"},
		"a history without ExecutionStarted":          {"KitchenSink", "corrupt history: no ExecutionStarted event"},
		"a scheduling event with a huge EventId":      {"KitchenSink", "has EventId 9223372036854775807, want 0"},
		"a scheduling event with a negative EventId":  {"KitchenSink", "has EventId -5, want 0"},
		"two scheduling events with the same EventId": {"KitchenSink", "has EventId 0, want 1"},
		"a completion for an unknown task":            {"KitchenSink", ""},
		"a completion with a huge task id":            {"KitchenSink", ""},
		"duplicate completions":                       {"HelloSequence", ""},
		"a task completion for a timer":               {"Nap", ""},
		"a result that is not JSON":                   {"HelloSequence", "result of activity 'SayHello'"},
		"an entity response that is not JSON":         {"KitchenSink", ""},
		"two ExecutionStarted events":                 {"KitchenSink", ""},
		"timestamps out of order":                     {"KitchenSink", ""},
	}
	for _, tc := range adversarialHistories {
		t.Run(tc.name, func(t *testing.T) {
			w, ok := want[tc.name]
			if !ok {
				t.Fatalf("no expectation for %q", tc.name)
			}
			var h []*history.Event
			if err := json.Unmarshal([]byte(tc.history), &h); err != nil {
				t.Fatal(err)
			}
			r := executeWithin(t, fuzzOrchestrators[w.orchestrator], Episode{InstanceID: "x", New: h}, Options{})
			assertWellFormed(t, w.orchestrator, r)
			switch {
			case w.failure == "" && r.Failure != nil:
				t.Errorf("replay failed: %s", r.Failure.ErrorMessage)
			case w.failure != "" && (r.Failure == nil || !strings.Contains(r.Failure.ErrorMessage, w.failure)):
				t.Errorf("failure = %+v, want one mentioning %q", r.Failure, w.failure)
			}
		})
	}
}

func TestCompletionsAreMatchedByKind(t *testing.T) {
	hour := jsonText(time.Hour)
	tests := []struct {
		name       string
		completion *history.Event
		wantDone   bool
	}{
		{"a TaskCompleted for a timer leaves it pending", history.NewTaskCompleted(tStart, 0, "{}"), false},
		{"a SubOrchestrationInstanceCompleted for a timer leaves it pending", history.NewSubOrchestrationCompleted(tStart, 0, "{}"), false},
		{"a TaskFailed for a timer leaves it pending", history.NewTaskFailed(tStart, 0, &history.FailureDetails{ErrorMessage: "x"}), false},
		{"a TimerFired fires it", history.NewTimerFired(tStart, 0, tStart.Add(time.Hour)), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := append(started("Nap", hour), history.NewTimerCreated(tStart, 0, tStart.Add(time.Hour)), history.NewOrchestratorCompleted(tStart))
			r := Execute(nap, Episode{InstanceID: "inst", Past: h, New: []*history.Event{history.NewOrchestratorStarted(tStart.Add(time.Hour)), tc.completion}}, Options{})
			if r.Done != tc.wantDone || r.Failure != nil || len(r.Actions) != 0 {
				t.Errorf("done=%v failure=%+v actions=%d, want done=%v and nothing else", r.Done, r.Failure, len(r.Actions), tc.wantDone)
			}
		})
	}
}

// unencodableInput is an orchestrator whose first call has an input JSON
// cannot encode: the error surfaces at Await and takes no sequence number.
func unencodableInput(c *Context) (any, error) {
	err := c.CallActivity("Bad", make(chan int), nil).Await(nil)
	var inputErr *InputError
	if !errors.As(err, &inputErr) {
		return nil, fmt.Errorf("want an InputError, got %v", err)
	}
	var s string
	if err := c.CallActivity("SayHello", "Tokyo", nil).Await(&s); err != nil {
		return nil, err
	}
	return s, nil
}

func TestAnUnencodableInputFailsTheSameWayOnReplay(t *testing.T) {
	s := &simulator{t: t, orchestrators: map[string]Orchestrator{"Bad": unencodableInput}, activities: newActivities()}
	r := s.run("Bad", "inst", "")
	if r.Status != history.StatusCompleted || r.Output != `"Hello Tokyo!"` {
		t.Fatalf("ended %s with %s (failure %+v), want Completed with the greeting", r.Status, r.Output, r.Failure)
	}
	h := s.executions[0].History
	if h[2].EventType != history.TaskScheduled || h[2].EventID != 0 || h[2].Name != "SayHello" {
		t.Errorf("first action = %s %d %s, want SayHello with sequence number 0", h[2].EventType, h[2].EventID, h[2].Name)
	}
}

func TestNoActionIsTakenAfterTheCodeReturns(t *testing.T) {
	// The code waits for an approval or a week; the approval and the
	// first leg of the long timer arrive together. The leg must not chain
	// another timer once the code has returned.
	fn := func(c *Context) (any, error) {
		timer := c.CreateTimer(c.CurrentUTCDateTime().Add(7 * 24 * time.Hour))
		var winner *Task
		if err := c.WhenAny([]*Task{c.WaitForExternalEvent("Approval", 0), timer}).Await(&winner); err != nil {
			return nil, err
		}
		return winner == timer, nil
	}
	opts := Options{MaxTimerInterval: 72 * time.Hour, LongTimerInterval: 48 * time.Hour}
	r := Execute(fn, Episode{InstanceID: "inst", New: started("W", "")}, opts)
	if len(r.Actions) != 1 {
		t.Fatalf("first episode took %d actions, want the first leg of the timer", len(r.Actions))
	}
	past := append(started("W", ""), r.Actions[0], history.NewOrchestratorCompleted(tStart))
	leg := r.Actions[0].FireAt
	r = Execute(fn, Episode{InstanceID: "inst", Past: past, New: []*history.Event{
		history.NewOrchestratorStarted(leg), history.NewEventRaised(leg, "approval", "true"), history.NewTimerFired(leg, 0, leg),
	}}, opts)
	if !r.Done || r.Output != "false" || len(r.Actions) != 0 {
		t.Errorf("done=%v output=%s actions=%d, want the approval to win and no further timer", r.Done, r.Output, len(r.Actions))
	}
}

func TestAFailedRetryTakesNoActionAfterTheCodeReturns(t *testing.T) {
	fn := func(c *Context) (any, error) {
		call := c.CallActivity("Flaky", nil, &RetryPolicy{MaxAttempts: 3, FirstRetryInterval: time.Minute})
		var winner *Task
		_ = c.WhenAny([]*Task{call, c.WaitForExternalEvent("Stop", 0)}).Await(&winner)
		return winner == call, nil
	}
	r := Execute(fn, Episode{InstanceID: "inst", New: started("R", "")}, Options{})
	past := append(started("R", ""), r.Actions[0], history.NewOrchestratorCompleted(tStart))
	r = Execute(fn, Episode{InstanceID: "inst", Past: past, New: []*history.Event{
		history.NewOrchestratorStarted(tStart), history.NewEventRaised(tStart, "Stop", ""),
		history.NewTaskFailed(tStart, 0, &history.FailureDetails{ErrorMessage: "x"}),
	}}, Options{})
	if !r.Done || r.Output != "false" || len(r.Actions) != 0 {
		t.Errorf("done=%v output=%s actions=%d, want the event to win and no retry timer", r.Done, r.Output, len(r.Actions))
	}
}

func TestAPanicFailsTheInstanceWithItsStack(t *testing.T) {
	h := append(started("Panics", ""), history.NewTaskScheduled(tStart, 0, "SayHello", `"Rome"`), history.NewOrchestratorCompleted(tStart))
	r := Execute(panics, Episode{InstanceID: "inst", Past: h, New: []*history.Event{
		history.NewOrchestratorStarted(tStart), history.NewTaskCompleted(tStart, 0, `"Ciao"`),
	}}, Options{})
	if !r.Done || r.Status != history.StatusFailed || r.Failure == nil {
		t.Fatalf("done=%v %s, want Failed", r.Done, r.Status)
	}
	if r.Failure.ErrorType != PanicErrorType || r.Failure.ErrorMessage != "orchestrator function panicked: assignment to entry in nil map" {
		t.Errorf("failure = %s: %s", r.Failure.ErrorType, r.Failure.ErrorMessage)
	}
	if !strings.Contains(r.Failure.StackTrace, "replay.panics(") {
		t.Errorf("the stack trace does not show the panicking function:\n%s", r.Failure.StackTrace)
	}
}

func TestGoexitInOrchestratorCodeFailsTheInstance(t *testing.T) {
	fn := func(c *Context) (any, error) {
		runtime.Goexit()
		return nil, nil
	}
	r := Execute(fn, Episode{InstanceID: "inst", New: started("G", "")}, Options{})
	if !r.Done || r.Status != history.StatusFailed || r.Failure == nil || r.Failure.ErrorType != GoexitErrorType {
		t.Errorf("done=%v %s failure=%+v, want a Goexit failure", r.Done, r.Status, r.Failure)
	}
}

func TestDeferredCallsRunWhenAnEpisodeSuspends(t *testing.T) {
	deferred := 0
	fn := func(c *Context) (any, error) {
		defer func() { deferred++ }()
		return nil, c.CallActivity("SayHello", "x", nil).Await(nil)
	}
	r := Execute(fn, Episode{InstanceID: "inst", New: started("D", "")}, Options{})
	if r.Done || len(r.Actions) != 1 || deferred != 1 {
		t.Errorf("done=%v actions=%d deferred=%d, want a suspended episode with one action that ran the defer once", r.Done, len(r.Actions), deferred)
	}
}

func TestEpisodesLeaveNoGoroutinesBehind(t *testing.T) {
	// Each episode ends with the code waiting on many pending tasks of
	// every kind.
	fn := func(c *Context) (any, error) {
		var tasks []*Task
		for i := range 10 {
			tasks = append(tasks, c.CallActivity("A", i, nil), c.CreateTimer(c.CurrentUTCDateTime().Add(time.Hour)),
				c.WaitForExternalEvent("E", time.Minute), c.CallSubOrchestrator("C", "", nil, nil))
		}
		return nil, c.WhenAll(tasks).Await(nil)
	}
	before := runtime.NumGoroutine()
	for range 2000 {
		if r := Execute(fn, Episode{InstanceID: "inst", New: started("L", "")}, Options{}); r.Done {
			t.Fatalf("episode finished: %+v", r.Failure)
		}
	}
	// A goroutine that has just closed its done channel may not have
	// exited yet: give stragglers a moment.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Errorf("%d goroutines before 2000 suspended episodes, %d after", before, after)
	}
}

func TestIsReplayingTurnsFalseAtTheFirstNewEvent(t *testing.T) {
	var seen []bool
	fn := func(c *Context) (any, error) {
		seen = append(seen, c.IsReplaying())
		_ = c.CallActivity("SayHello", "a", nil).Await(nil)
		seen = append(seen, c.IsReplaying())
		return nil, c.CallActivity("SayHello", "b", nil).Await(nil)
	}
	past := append(started("R", ""), history.NewTaskScheduled(tStart, 0, "SayHello", `"a"`), history.NewOrchestratorCompleted(tStart))
	Execute(fn, Episode{InstanceID: "inst", Past: past, New: []*history.Event{history.NewOrchestratorStarted(tStart), history.NewTaskCompleted(tStart, 0, `""`)}}, Options{})
	if fmt.Sprint(seen) != "[true false]" {
		t.Errorf("IsReplaying before and after the new completion = %v, want [true false]", seen)
	}
}

func TestCurrentTimeIsTheStartOfTheEpisodeThatDeliveredTheResult(t *testing.T) {
	var times []time.Time
	fn := func(c *Context) (any, error) {
		times = append(times, c.CurrentUTCDateTime())
		_ = c.CallActivity("SayHello", "a", nil).Await(nil)
		times = append(times, c.CurrentUTCDateTime())
		return nil, nil
	}
	later := tStart.Add(time.Hour)
	past := append(started("T", ""), history.NewTaskScheduled(tStart, 0, "SayHello", `"a"`), history.NewOrchestratorCompleted(tStart))
	r := Execute(fn, Episode{InstanceID: "inst", Past: past, New: []*history.Event{
		history.NewOrchestratorStarted(later), history.NewTaskCompleted(later, 0, `""`), history.NewOrchestratorStarted(tStart), // never backwards
	}}, Options{})
	if !r.Done || len(times) != 2 || !times[0].Equal(tStart) || !times[1].Equal(later) {
		t.Errorf("times = %v, want %v then %v", times, tStart, later)
	}
}

func TestDecodeAcceptsExactlyWhatEncodingJSONAccepts(t *testing.T) {
	texts := []string{`"plain"`, `""`, `"tab\there"`, `"quote\"d"`, `"caf\u00e9"`, "\"caf\xc3\xa9\"", "\"bad \xff\"", "\"new\nline\"",
		`42`, `-7`, `0`, `-0`, `007`, `+5`, `1e3`, `1.5`, `99999999999999999999`, `true`, `false`, `null`, `"x`, `x"`}
	for _, js := range texts {
		t.Run(js, func(t *testing.T) {
			check := func(fast, slow any) {
				errFast := decodeJSON(js, fast)
				errSlow := json.Unmarshal([]byte(js), slow)
				if (errFast == nil) != (errSlow == nil) {
					t.Errorf("fast path error %v, encoding/json error %v", errFast, errSlow)
				}
				if a, b := reflect.ValueOf(fast).Elem().Interface(), reflect.ValueOf(slow).Elem().Interface(); errSlow == nil && a != b {
					t.Errorf("fast path gave %v, encoding/json %v", fast, slow)
				}
			}
			var s1, s2 string
			check(&s1, &s2)
			s1, s2 = "", ""
			var i1, i2 int
			check(&i1, &i2)
			var l1, l2 int64
			check(&l1, &l2)
			var b1, b2 bool
			check(&b1, &b2)
		})
	}
}
