package replay

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
)

// assertFullReplay replays an execution's complete history from scratch: it
// must end the same way and take no new action.
func assertFullReplay(t *testing.T, fn Orchestrator, ex goldenExecution, opts Options) {
	t.Helper()
	r := Execute(fn, Episode{InstanceID: ex.InstanceID, Past: ex.History}, opts)
	if !r.Done || r.Status != ex.Status {
		t.Fatalf("%s: full replay ended done=%v %s (failure %+v), want %s", ex.InstanceID, r.Done, r.Status, r.Failure, ex.Status)
	}
	if len(r.Actions) != 0 {
		t.Errorf("%s: full replay took %d new actions, first %s", ex.InstanceID, len(r.Actions), eventJSON(t, r.Actions[0]))
	}
	if r.Output != ex.Output {
		t.Errorf("%s: full replay output = %s, want %s", ex.InstanceID, r.Output, ex.Output)
	}
	assertSameFailure(t, ex.InstanceID, sanitize(r.Failure), ex.Failure)
	if r.CustomStatus != ex.CustomStatus {
		t.Errorf("%s: custom status = %s, want %s", ex.InstanceID, r.CustomStatus, ex.CustomStatus)
	}
	if r.NewInput != ex.NewInput || eventsJSON(t, r.CarryOver) != eventsJSON(t, ex.CarryOver) {
		t.Errorf("%s: continue-as-new with %s carrying %s, want %s carrying %s", ex.InstanceID,
			r.NewInput, eventsJSON(t, r.CarryOver), ex.NewInput, eventsJSON(t, ex.CarryOver))
	}
}

// assertEpisodes cuts history into episodes (OrchestratorStarted, new
// events, actions, OrchestratorCompleted) and replays each one with the
// history before it as past: it must take exactly the recorded actions, and
// only the last episode may finish.
func assertEpisodes(t *testing.T, fn Orchestrator, ex goldenExecution, opts Options) {
	t.Helper()
	h := ex.History
	episodes := 0
	for start := 0; start < len(h); start++ {
		if h[start].EventType != history.OrchestratorStarted {
			continue
		}
		end := start + 1
		for end < len(h) && h[end].EventType != history.OrchestratorCompleted {
			end++
		}
		if end == len(h) {
			t.Fatalf("%s: episode at event %d never completes", ex.InstanceID, start)
		}
		cut := start + 1
		for cut < end && !h[cut].EventType.IsScheduling() {
			cut++
		}
		episodes++
		last := end+1 >= len(h) || h[end+1].EventType == history.ExecutionCompleted
		r := Execute(fn, Episode{InstanceID: ex.InstanceID, Past: h[:start], New: h[start:cut]}, opts)
		if got, want := eventsJSON(t, r.Actions), eventsJSON(t, h[cut:end]); got != want {
			t.Errorf("%s: episode %d took actions\n%s\nwant\n%s", ex.InstanceID, episodes, got, want)
		}
		if r.Done != last {
			t.Errorf("%s: episode %d ended done=%v (failure %+v), want %v", ex.InstanceID, episodes, r.Done, r.Failure, last)
		}
		if last && (r.Status != ex.Status || r.Output != ex.Output) {
			t.Errorf("%s: last episode ended %s %s, want %s %s", ex.InstanceID, r.Status, r.Output, ex.Status, ex.Output)
		}
		start = end
	}
	if episodes == 0 {
		t.Fatalf("%s: history has no episodes", ex.InstanceID)
	}
}

func assertNondeterminism(t *testing.T, r *Result, fragments []string) {
	t.Helper()
	if !r.Done || r.Status != history.StatusFailed || r.Failure == nil || r.Failure.ErrorType != NonDeterminismErrorType {
		t.Fatalf("replay with changed code ended done=%v %s (failure %+v), want a nondeterminism failure", r.Done, r.Status, r.Failure)
	}
	for _, frag := range fragments {
		if !strings.Contains(r.Failure.ErrorMessage, frag) {
			t.Errorf("message %q does not mention %q", r.Failure.ErrorMessage, frag)
		}
	}
	if len(r.Actions) != 0 {
		t.Errorf("a nondeterministic replay took %d actions", len(r.Actions))
	}
}

func assertSameFailure(t *testing.T, what string, got, want *history.FailureDetails) {
	t.Helper()
	if a, b := jsonText(got), jsonText(want); a != b {
		t.Errorf("%s: failure = %s, want %s", what, a, b)
	}
}

func eventJSON(t *testing.T, e *history.Event) string {
	t.Helper()
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func eventsJSON(t *testing.T, es []*history.Event) string {
	t.Helper()
	var sb strings.Builder
	for _, e := range es {
		sb.WriteString(eventJSON(t, e))
		sb.WriteByte('\n')
	}
	return sb.String()
}

func countEvents(h []*history.Event, typ history.EventType) int {
	n := 0
	for _, e := range h {
		if e.EventType == typ {
			n++
		}
	}
	return n
}

// assertTimerDelays checks the delay of each TimerCreated after the event
// before it (the failure that caused a retry), and that each fired.
func assertTimerDelays(t *testing.T, h []*history.Event, want ...time.Duration) {
	t.Helper()
	var got []time.Duration
	for _, e := range h {
		if e.EventType == history.TimerCreated {
			got = append(got, e.FireAt.Sub(e.Timestamp))
		}
	}
	if jsonText(got) != jsonText(want) {
		t.Errorf("timer delays = %v, want %v", got, want)
	}
	if n := countEvents(h, history.TimerFired); n != len(want) {
		t.Errorf("%d timers fired, want %d", n, len(want))
	}
}

// assertTimerFireTimes checks when each TimerCreated is due, measured from
// the simulation's start.
func assertTimerFireTimes(t *testing.T, h []*history.Event, want ...time.Duration) {
	t.Helper()
	var got []time.Duration
	for _, e := range h {
		if e.EventType == history.TimerCreated {
			got = append(got, e.FireAt.Sub(simStart))
		}
	}
	if jsonText(got) != jsonText(want) {
		t.Errorf("timers due after %v, want %v", got, want)
	}
}

func mustUnmarshal(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("%s: %v", s, err)
	}
}
