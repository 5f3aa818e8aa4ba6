package durabletest

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/history"
)

// ReplayResult is what the current code did when replayed over a saved
// history.
type ReplayResult struct {
	InstanceID string
	Name       string
	// Status is Completed, Failed or ContinuedAsNew when the code finished
	// within the history, Running when it is waiting for more.
	Status  durable.RuntimeStatus
	Output  json.RawMessage
	Failure *durable.FailureDetails
	// NewActions describe what the code did beyond the history (the next
	// steps of an instance that was still running).
	NewActions []string
	// Reconstructed is true when the history came from the status API's
	// shape (see LoadHistory).
	Reconstructed bool
}

// DivergenceError reports that the current code no longer matches a saved
// history: deploying it would break the instance that history belongs to.
type DivergenceError struct {
	InstanceID string
	Name       string
	// Message is the replay's explanation; for a nondeterministic replay,
	// the message the runtime itself would fail the instance with.
	Message string
	// Failure is the replay's failure, when it failed.
	Failure *durable.FailureDetails
}

func (e *DivergenceError) Error() string {
	return fmt.Sprintf("durabletest: orchestration %q (instance %q) diverged from its saved history: %s", e.Name, e.InstanceID, e.Message)
}

// CheckReplay replays a saved history (see LoadHistory for the forms it
// reads) against fn, as the runtime would when the instance next runs
// with the current code. It returns a *DivergenceError when the code has
// diverged: a nondeterminism failure (it schedules different work than
// history records), or, for a finished instance, a different ending (it
// would still wait, would schedule more, ends with another status or
// another output).
func CheckReplay(fn durable.OrchestratorFunc, data []byte) (*ReplayResult, error) {
	h, err := LoadHistory(data)
	if err != nil {
		return nil, err
	}
	return CheckReplayEvents(fn, h)
}

// CheckReplayEvents is CheckReplay for a loaded history.
func CheckReplayEvents(fn durable.OrchestratorFunc, h *SavedHistory) (*ReplayResult, error) {
	res := durable.Replay(fn, h.InstanceID, h.Events)
	out := &ReplayResult{InstanceID: h.InstanceID, Name: h.Name, Status: durable.StatusRunning, Reconstructed: h.Reconstructed}
	for _, a := range res.NewActions {
		out.NewActions = append(out.NewActions, describeAction(a))
	}
	if res.Done {
		out.Status, out.Output, out.Failure = res.Status, res.Output, res.Failure
	}
	diverged := func(msg string) (*ReplayResult, error) {
		if h.Reconstructed {
			msg += " (the history was rebuilt from the status API's shape; if the code did not change, export the raw history instead)"
		}
		return out, &DivergenceError{InstanceID: h.InstanceID, Name: h.Name, Message: msg, Failure: res.Failure}
	}
	if res.Nondeterministic() {
		return diverged(res.Failure.ErrorMessage)
	}
	recorded := lastCompleted(h.Events)
	if recorded == nil || recorded.OrchestrationStatus == history.StatusTerminated {
		return out, nil
	}
	switch {
	case !res.Done && len(out.NewActions) > 0:
		return diverged(fmt.Sprintf("the history records that the orchestration ended %s, but the current code goes on to schedule %s", recorded.OrchestrationStatus, strings.Join(out.NewActions, ", ")))
	case !res.Done:
		return diverged(fmt.Sprintf("the history records that the orchestration ended %s, but the current code is still waiting (for an external event?)", recorded.OrchestrationStatus))
	case res.Status != recorded.OrchestrationStatus:
		return diverged(fmt.Sprintf("the history records that the orchestration ended %s, but the current code ends %s%s", recorded.OrchestrationStatus, res.Status, failureText(res.Failure)))
	case res.Status == history.StatusCompleted && !jsonEqual(rawOrNil(recorded.Result), res.Output):
		return diverged(fmt.Sprintf("the history records the output %s, but the current code returns %s", orNull(rawOrNil(recorded.Result)), orNull(res.Output)))
	}
	return out, nil
}

// ReplayHistory replays a saved history against fn and fails the test with
// the divergence (the nondeterminism message) if the code has diverged.
// Use it to check a change against histories saved from production before
// deploying it.
//
//	data, _ := os.ReadFile("testdata/approval-history.json")
//	durabletest.ReplayHistory(t, app.ApprovalWorkflow, data)
func ReplayHistory(t TB, fn durable.OrchestratorFunc, data []byte) *ReplayResult {
	t.Helper()
	res, err := CheckReplay(fn, data)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// ReplayHistoryFile is ReplayHistory for a file.
func ReplayHistoryFile(t TB, fn durable.OrchestratorFunc, path string) *ReplayResult {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return ReplayHistory(t, fn, data)
}

// ReplayHistory replays a saved history against the orchestrator
// registered under name (see the package-level ReplayHistory).
func (e *Env) ReplayHistory(name string, data []byte) *ReplayResult {
	e.t.Helper()
	fn := registryOrchestrator(e.reg, name)
	if fn == nil {
		e.t.Fatalf("durabletest: no orchestrator %q is registered", name)
	}
	return ReplayHistory(e.t, fn, data)
}

func lastCompleted(h []*history.Event) *history.Event {
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].EventType == history.ExecutionCompleted {
			return h[i]
		}
	}
	return nil
}

func rawOrNil(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

func describeAction(e *history.Event) string {
	switch e.EventType {
	case history.TaskScheduled:
		return fmt.Sprintf("activity %q", e.Name)
	case history.TimerCreated:
		return "a timer for " + e.FireAt.Format("2006-01-02T15:04:05Z07:00")
	case history.SubOrchestrationInstanceCreated:
		return fmt.Sprintf("sub-orchestration %q", e.Name)
	case history.EventSent:
		return "a message to " + e.InstanceID
	}
	return e.EventType.String()
}
