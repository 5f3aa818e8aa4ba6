package durabletest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/engine"
	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// Run is an orchestration instance started by Env.Start.
type Run struct {
	env     *Env
	ID      string
	Name    string
	started time.Time
}

// Wait runs the engine, skipping virtual time whenever nothing else can
// make progress, until the instance finishes. If it can never finish (the
// engine is idle and nothing is due) or takes longer than the Env's
// timeout, the test fails with a report of the instance's pending tasks.
func (r *Run) Wait() *Run {
	r.env.t.Helper()
	if s := r.wait(); s != nil {
		r.env.t.Fatalf("durabletest: orchestration %q (instance %q) did not finish: %s\n%s", r.Name, r.ID, s.reason, r.env.describeInstance(r.ID, "  "))
	}
	return r
}

// TryWait is Wait that returns an error instead of failing the test.
func (r *Run) TryWait() error {
	if s := r.wait(); s != nil {
		return fmt.Errorf("durabletest: orchestration %q (instance %q) did not finish: %s\n%s", r.Name, r.ID, s.reason, r.env.describeInstance(r.ID, "  "))
	}
	return nil
}

func (r *Run) wait() *stuck {
	r.env.t.Helper()
	return r.env.drive(func() bool {
		st, err := r.env.client.GetStatus(context.Background(), r.ID)
		return err == nil && st.IsFinished()
	}, time.Time{})
}

// Status returns the instance's status as it is now (call Wait first to
// get the final one).
func (r *Run) Status() *durable.Status {
	r.env.t.Helper()
	st, err := r.env.client.GetStatus(context.Background(), r.ID)
	if err != nil {
		r.env.t.Fatalf("durabletest: %v", err)
	}
	return st
}

// RuntimeStatus waits for the instance and returns its final status.
func (r *Run) RuntimeStatus() durable.RuntimeStatus {
	r.env.t.Helper()
	return r.Wait().Status().RuntimeStatus
}

// Output waits for the instance and decodes its output into v; it fails
// the test, with the failure details, unless the instance completed.
func (r *Run) Output(v any) {
	r.env.t.Helper()
	st := r.Wait().Status()
	if st.RuntimeStatus != durable.StatusCompleted {
		r.env.t.Fatalf("durabletest: orchestration %q (instance %q) is %s, not Completed%s", r.Name, r.ID, st.RuntimeStatus, failureText(st.Failure))
	}
	if err := st.DecodeOutput(v); err != nil {
		r.env.t.Fatalf("durabletest: output of %q: %v (output %s)", r.ID, err, st.Output)
	}
}

// Failure waits for the instance and returns why it failed, or nil when it
// did not.
func (r *Run) Failure() *durable.FailureDetails {
	r.env.t.Helper()
	return r.Wait().Status().Failure
}

// CustomStatus decodes the custom status as it is now into v; it reports
// false when none is set.
func (r *Run) CustomStatus(v any) bool {
	r.env.t.Helper()
	st := r.Status()
	if len(st.CustomStatus) == 0 {
		return false
	}
	if err := json.Unmarshal(st.CustomStatus, v); err != nil {
		r.env.t.Fatalf("durabletest: custom status of %q: %v (custom status %s)", r.ID, err, st.CustomStatus)
	}
	return true
}

// History returns the instance's history as it is now.
func (r *Run) History() []*durable.HistoryEvent {
	r.env.t.Helper()
	h, err := r.env.store.GetHistory(context.Background(), r.ID)
	if err != nil {
		r.env.t.Fatalf("durabletest: history of %q: %v", r.ID, err)
	}
	return h
}

// ExportHistory returns the instance's history in the export format that
// ReplayHistory reads (the format of `durablefunc history export`).
func (r *Run) ExportHistory() []byte {
	r.env.t.Helper()
	b, err := MarshalHistory(r.ID, r.Name, r.History())
	if err != nil {
		r.env.t.Fatalf("durabletest: %v", err)
	}
	return b
}

// RaiseEvent raises an event to the instance now.
func (r *Run) RaiseEvent(name string, data any) {
	r.env.t.Helper()
	r.env.ensureStarted()
	if err := r.env.client.RaiseEvent(context.Background(), r.ID, name, data); err != nil {
		r.env.t.Fatalf("durabletest: %v", err)
	}
}

// RaiseEventAfter raises an event d of virtual time from now. If the
// instance has finished by then, the event is dropped.
func (r *Run) RaiseEventAfter(d time.Duration, name string, data any) {
	r.raiseEventAt(r.env.clock.Now().Add(d), name, data)
}

func (r *Run) raiseEventAt(at time.Time, name string, data any) {
	r.env.At(at, fmt.Sprintf("raise event %q to %q", name, r.ID), func() error {
		err := r.env.client.RaiseEvent(context.Background(), r.ID, name, data)
		if _, finished := err.(*durable.InvalidStateError); finished {
			return nil
		}
		return err
	})
}

// Terminate terminates the instance now.
func (r *Run) Terminate(reason any) {
	r.env.t.Helper()
	if err := r.env.client.Terminate(context.Background(), r.ID, reason); err != nil {
		r.env.t.Fatalf("durabletest: %v", err)
	}
}

func failureText(f *durable.FailureDetails) string {
	if f == nil {
		return ""
	}
	s := fmt.Sprintf(": %s: %s", f.ErrorType, f.ErrorMessage)
	for in := f.InnerFailure; in != nil; in = in.InnerFailure {
		s += fmt.Sprintf("\n    caused by %s: %s", in.ErrorType, in.ErrorMessage)
	}
	return s
}

// describeInstance reports an instance's state and what it waits for.
func (e *Env) describeInstance(id, indent string) string {
	var b strings.Builder
	ctx := context.Background()
	st, err := e.client.GetStatus(ctx, id)
	if err != nil {
		fmt.Fprintf(&b, "%sinstance %q: %v\n", indent, id, err)
		return b.String()
	}
	fmt.Fprintf(&b, "%sinstance %q (%s) is %s at virtual time %s (%s after the test began)\n",
		indent, id, st.Name, st.RuntimeStatus, e.clock.Now().Format(time.RFC3339), e.Elapsed())
	if len(st.CustomStatus) > 0 {
		fmt.Fprintf(&b, "%s  custom status: %s\n", indent, st.CustomStatus)
	}
	h, _ := e.store.GetHistory(ctx, id)
	if waits := e.waitingFor(id, st.Name, h); len(waits) > 0 {
		fmt.Fprintf(&b, "%s  the orchestrator is waiting for: %s\n", indent, strings.Join(waits, ", "))
	}
	p := pendingTasks(h)
	if len(p.items) == 0 {
		fmt.Fprintf(&b, "%s  no activity, timer, sub-orchestration or entity call is pending: the orchestrator is waiting for an external event (WaitForExternalEvent); raise it with Run.RaiseEvent or RaiseEventAfter\n", indent)
	} else {
		fmt.Fprintf(&b, "%s  pending tasks:\n", indent)
		for _, it := range p.items {
			fmt.Fprintf(&b, "%s    - %s\n", indent, it.text)
			if it.child != "" {
				b.WriteString(e.describeInstance(it.child, indent+"      "))
			}
			if it.entity != "" {
				b.WriteString(e.describeEntity(it.entity, indent+"      "))
			}
		}
	}
	if len(p.events) > 0 {
		fmt.Fprintf(&b, "%s  external events received: %s\n", indent, strings.Join(p.events, ", "))
	}
	return b.String()
}

// waitingFor replays the instance's history through its orchestrator and
// names what the code waits for (the replay core knows; history alone does
// not say which external event an orchestrator waits on).
func (e *Env) waitingFor(id, name string, h []*history.Event) []string {
	fn := registryOrchestrator(e.reg, name)
	if fn == nil || len(h) == 0 {
		return nil
	}
	return durable.Replay(fn, id, h).Waiting
}

func (e *Env) describeEntity(id, indent string) string {
	inst, err := e.store.GetInstance(context.Background(), id)
	if err != nil {
		return fmt.Sprintf("%sentity %s has not received anything\n", indent, id)
	}
	md := decodeEntityRow(inst)
	return fmt.Sprintf("%sentity %s: %s\n", indent, id, md)
}

type pendingItem struct {
	text   string
	child  string // sub-orchestration instance to describe
	entity string
}

type pending struct {
	items  []pendingItem
	events []string
}

// pendingTasks lists what a history has scheduled and not seen complete.
func pendingTasks(h []*history.Event) pending {
	done := map[int]bool{}
	responses := map[string]bool{}
	requests := map[string]bool{}
	for _, e := range h {
		switch e.EventType {
		case history.EventSent:
			var req struct {
				ID string `json:"id"`
			}
			if json.Unmarshal([]byte(e.Input), &req) == nil && req.ID != "" {
				requests[strings.ToLower(req.ID)] = true
			}
		case history.TaskCompleted, history.TaskFailed, history.SubOrchestrationInstanceCompleted, history.SubOrchestrationInstanceFailed:
			done[e.TaskScheduledID] = true
		case history.TimerFired:
			done[e.TimerID] = true
		case history.EventRaised:
			responses[strings.ToLower(e.Name)] = true
		}
	}
	var p pending
	for _, e := range h {
		switch e.EventType {
		case history.TaskScheduled:
			if !done[e.EventID] {
				p.items = append(p.items, pendingItem{text: fmt.Sprintf("activity %q (task %d) with input %s, scheduled at %s, has not completed", e.Name, e.EventID, orNull(json.RawMessage(e.Input)), e.Timestamp.Format(time.RFC3339))})
			}
		case history.TimerCreated:
			if !done[e.EventID] {
				p.items = append(p.items, pendingItem{text: fmt.Sprintf("timer (task %d) fires at %s", e.EventID, e.FireAt.Format(time.RFC3339))})
			}
		case history.SubOrchestrationInstanceCreated:
			if !done[e.EventID] {
				p.items = append(p.items, pendingItem{text: fmt.Sprintf("sub-orchestration %q (task %d, instance %q) has not finished:", e.Name, e.EventID, e.InstanceID), child: e.InstanceID})
			}
		case history.EventSent:
			var req struct {
				ID      string   `json:"id"`
				Op      string   `json:"op"`
				Signal  bool     `json:"signal"`
				LockSet []string `json:"lockset"`
			}
			if json.Unmarshal([]byte(e.Input), &req) != nil || req.Signal || req.ID == "" || responses[strings.ToLower(req.ID)] {
				continue
			}
			if len(req.LockSet) > 0 {
				p.items = append(p.items, pendingItem{text: fmt.Sprintf("lock request (task %d) for %s has not been granted:", e.EventID, strings.Join(req.LockSet, ", ")), entity: e.InstanceID})
			} else {
				p.items = append(p.items, pendingItem{text: fmt.Sprintf("entity call %s.%s (task %d) has not been answered:", e.InstanceID, req.Op, e.EventID), entity: e.InstanceID})
			}
		case history.EventRaised:
			if !requests[strings.ToLower(e.Name)] {
				p.events = append(p.events, fmt.Sprintf("%q at %s", e.Name, e.Timestamp.Format(time.RFC3339)))
			}
		}
	}
	return p
}

func decodeEntityRow(inst *store.Instance) string {
	st, err := engine.DecodeEntityState(inst.Input)
	if err != nil {
		return "(unreadable state)"
	}
	s := "state " + st.State
	if !st.Exists {
		s = "no state"
	}
	if st.LockedBy != "" {
		s += ", locked by " + st.LockedBy
	}
	if len(st.Queue) > 0 {
		s += fmt.Sprintf(", %d operations waiting", len(st.Queue))
	}
	return s
}
