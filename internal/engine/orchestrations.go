package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// orchestrationLoop takes one work item of kind and processes it.
func (e *Engine) orchestrationLoop(ctx context.Context, kind store.WorkKind) error {
	wi, err := e.be.NextOrchestrationWorkItem(ctx, kind)
	if err != nil {
		return err
	}
	commit, retry := e.process(wi, kind)
	if commit == nil {
		return e.be.AbandonOrchestrationWorkItem(context.WithoutCancel(ctx), wi, retry)
	}
	if err := e.complete(context.WithoutCancel(ctx), wi, kind, commit); err != nil {
		// A failed commit (storage unreachable, a lost race) leaves the
		// work item locked: give it back so that it is replayed once the
		// store answers again. After a lost race the abandon fails with
		// ErrWorkItemLost, which is expected.
		if aerr := e.be.AbandonOrchestrationWorkItem(context.WithoutCancel(ctx), wi, backoff(maxDequeue(wi))); aerr != nil && !errors.Is(aerr, store.ErrWorkItemLost) {
			err = errors.Join(err, fmt.Errorf("abandon: %w", aerr))
		}
		return fmt.Errorf("instance %s: commit: %w", wi.InstanceID, err)
	}
	return nil
}

// complete writes an episode's commit and, once it is written, tells the
// observer and the clients waiting on the instance. Every path that runs
// an episode (dispatcher, inline start, result hand-off) ends here.
func (e *Engine) complete(ctx context.Context, wi *store.OrchestrationWorkItem, kind store.WorkKind, commit *store.OrchestrationCommit) error {
	if err := e.be.CompleteOrchestrationWorkItem(ctx, wi, commit); err != nil {
		return err
	}
	e.committed(wi, kind, commit)
	e.watch.notify(commit.Instance)
	return nil
}

// safeProcess never lets a bug in processing take the process down: the
// work item is abandoned and retried with back-off.
func (e *Engine) safeProcess(wi *store.OrchestrationWorkItem, kind store.WorkKind) (c *store.OrchestrationCommit, retry time.Duration) {
	defer func() {
		if p := recover(); p != nil {
			e.log.Error("durable: processing a work item panicked; it will be retried", "instanceId", wi.InstanceID, "panic", p)
			c, retry = nil, backoff(maxDequeue(wi))
		}
	}()
	if kind == store.Entities {
		return e.processEntity(wi)
	}
	return e.processOrchestration(wi)
}

func maxDequeue(wi *store.OrchestrationWorkItem) int {
	n := 0
	for _, m := range wi.Messages {
		n = max(n, m.DequeueCount)
	}
	return n
}

// backoff is the abandon delay after n deliveries: 2^n seconds, at most 10
// minutes, as the reference provider does.
func backoff(n int) time.Duration {
	if n > 9 {
		return 10 * time.Minute
	}
	return time.Duration(1<<n) * time.Second
}

// episode is the state of one work item as it is processed.
type episode struct {
	e    *Engine
	wi   *store.OrchestrationWorkItem
	now  time.Time
	inst *store.Instance // the row as it will be written
	// hist is the stored history of the current execution; appended events
	// are new in this commit.
	hist     []*history.Event
	replace  bool
	appended []*history.Event
	// opened is set once this commit has an OrchestratorStarted.
	opened bool
	out    store.OrchestrationCommit
}

func (e *Engine) processOrchestration(wi *store.OrchestrationWorkItem) (*store.OrchestrationCommit, time.Duration) {
	ep := &episode{e: e, wi: wi, now: e.clock.Now(), hist: wi.History}
	if wi.Instance != nil {
		cp := *wi.Instance
		ep.inst = &cp
	}
	if c, retry, decided := ep.checkVersion(); decided {
		return c, retry
	}
	if retry, wait := ep.outOfOrder(); wait {
		return nil, retry
	}
	msgs := ep.startIfRequested(wi.Messages)
	if ep.inst == nil {
		if len(msgs) > 0 {
			e.log.Debug("durable: dropping messages for an instance that does not exist", "instanceId", wi.InstanceID, "count", len(msgs))
		}
		return &ep.out, 0
	}
	ep.apply(msgs)
	return ep.commit(), 0
}

// outOfOrder detects completions for tasks history has not scheduled yet:
// with stores that enqueue before they write history, a reply can overtake
// the checkpoint that scheduled it. Such work items wait and retry.
func (ep *episode) outOfOrder() (time.Duration, bool) {
	if len(ep.hist) == 0 {
		return 0, false
	}
	scheduled := countScheduled(ep.hist)
	for _, m := range ep.wi.Messages {
		if m.ExecutionID != "" && ep.inst != nil && m.ExecutionID != ep.inst.ExecutionID {
			continue
		}
		id := completionID(m.Event)
		if id >= scheduled && m.DequeueCount < 5 {
			return backoff(m.DequeueCount), true
		}
	}
	return 0, false
}

// completionID returns the sequence number a completion event refers to, or
// -1 for other events.
func completionID(ev *history.Event) int {
	switch ev.EventType {
	case history.TaskCompleted, history.TaskFailed, history.SubOrchestrationInstanceCompleted, history.SubOrchestrationInstanceFailed:
		return ev.TaskScheduledID
	case history.TimerFired:
		return ev.TimerID
	}
	return -1
}

// startIfRequested handles ExecutionStarted messages: it begins a new
// execution when the instance is new, finished, or was created for exactly
// this execution, and refuses a second start of an active instance. It
// returns the remaining messages.
func (ep *episode) startIfRequested(msgs []*store.Message) []*store.Message {
	rest := msgs[:0:0]
	for _, m := range msgs {
		if m.Event.EventType != history.ExecutionStarted {
			rest = append(rest, m)
			continue
		}
		ep.start(m.Event)
	}
	return rest
}

func (ep *episode) start(ev *history.Event) {
	execID := ""
	if ev.OrchestrationInstance != nil {
		execID = ev.OrchestrationInstance.ExecutionID
	}
	inst := ep.inst
	switch {
	case inst != nil && inst.Status.IsTerminal() && inst.ExecutionID != execID && staleStart(ev, inst):
		ep.e.log.Warn("durable: ignoring a start request older than the instance's current execution",
			"instanceId", ep.wi.InstanceID, "executionId", execID)
		return
	case inst == nil, inst.Status.IsTerminal() && inst.ExecutionID != execID:
		// A sub-orchestration (or an entity-started orchestration) creates
		// its own row; a finished instance is replaced.
	case inst.ExecutionID == execID && !hasStarted(ep.hist):
		// Created by CreateInstance or continue-as-new for this execution.
	case inst.ExecutionID == execID:
		return // a duplicate delivery
	default:
		ep.rejectStart(ev, inst)
		return
	}
	created := ep.now
	if inst != nil && inst.ExecutionID == execID && !inst.CreatedAt.IsZero() {
		created = inst.CreatedAt
	}
	ep.inst = &store.Instance{
		InstanceID: ep.wi.InstanceID, ExecutionID: execID, Name: ev.Name,
		Status: history.StatusRunning, Input: ev.Input, CreatedAt: created, LastUpdatedAt: ep.now,
	}
	if ev.ScheduledStartTime != nil {
		ep.inst.ScheduledStart = *ev.ScheduledStartTime
	}
	if p := ev.ParentInstance; p != nil && p.OrchestrationInstance != nil {
		ep.inst.ParentInstance, ep.inst.ParentExecution = p.OrchestrationInstance.InstanceID, p.OrchestrationInstance.ExecutionID
	}
	// Events that arrived before the start (a scheduled start, or raised
	// early) stay: they are replayed as buffered events.
	var early []*history.Event
	if inst != nil && inst.ExecutionID == execID {
		early = ep.hist
	}
	ep.replace = true
	ep.hist = nil
	ep.appended = nil
	started := *ev
	started.Timestamp = ep.now
	ep.appendNew(history.NewOrchestratorStarted(ep.now))
	ep.opened = true
	ep.appendNew(early...)
	ep.appendNew(&started)
}

// staleStart reports a client's start request that was made before the
// instance's current execution was created. With a store that queues the
// start before it writes the row (Azure Storage), a creator that dies in
// between leaves the start queued, and a second create of the same id can
// run and finish first; the late start must not replace that execution.
// A genuine replacement of a finished instance is made after it.
func staleStart(ev *history.Event, inst *store.Instance) bool {
	return ev.ParentInstance == nil && !inst.CreatedAt.IsZero() && ev.Timestamp.Before(inst.CreatedAt)
}

func hasStarted(hist []*history.Event) bool {
	for _, h := range hist {
		if h.EventType == history.ExecutionStarted {
			return true
		}
	}
	return false
}

// rejectStart tells a parent that the sub-orchestration id it chose is taken.
func (ep *episode) rejectStart(ev *history.Event, inst *store.Instance) {
	p := ev.ParentInstance
	if p == nil || p.OrchestrationInstance == nil {
		ep.e.log.Warn("durable: ignoring a start request for an active instance", "instanceId", ep.wi.InstanceID)
		return
	}
	f := &history.FailureDetails{ErrorType: "InstanceExists", ErrorMessage: fmt.Sprintf(
		"an orchestration instance with id '%s' already exists and is %s", ep.wi.InstanceID, inst.Status)}
	ep.out.Messages = append(ep.out.Messages, store.Message{
		InstanceID: p.OrchestrationInstance.InstanceID, ExecutionID: p.OrchestrationInstance.ExecutionID,
		Event: history.NewSubOrchestrationFailed(ep.now, p.TaskScheduleID, f),
	})
}

func (ep *episode) appendNew(evs ...*history.Event) {
	ep.hist = append(ep.hist, evs...)
	ep.appended = append(ep.appended, evs...)
}

// apply processes the remaining messages in queue order: control messages
// change the status, other events are collected for the next episode.
func (ep *episode) apply(msgs []*store.Message) {
	var events []*history.Event
	completed := completedTasks(ep.hist)
	scheduled := len(completed)
	for _, m := range msgs {
		ev := m.Event
		if m.ExecutionID != "" && m.ExecutionID != ep.inst.ExecutionID {
			continue // for an execution that is over (e.g. a canceled timer)
		}
		if m.DequeueCount >= ep.e.opts.MaxDequeueCount && ep.e.poisonable() {
			ep.poison(m)
			continue
		}
		status := ep.inst.Status
		switch ev.EventType {
		case history.ExecutionTerminated:
			if !status.IsTerminal() {
				ep.terminate(ev)
			}
			events = nil
		case history.ExecutionSuspended:
			if status == history.StatusRunning || status == history.StatusPending {
				ep.inst.Status = history.StatusSuspended
				events = append(events, ev)
			}
		case history.ExecutionResumed:
			if status == history.StatusSuspended {
				ep.inst.Status = history.StatusRunning
				events = append(events, ev)
			}
		case history.ExecutionRewound:
			if status == history.StatusFailed {
				events = ep.rewind(ev)
				completed = completedTasks(ep.hist)
				scheduled = len(completed)
			}
		default:
			if status.IsTerminal() {
				continue
			}
			if id := completionID(ev); id >= 0 {
				if id >= scheduled {
					// outOfOrder waited for the checkpoint that schedules
					// it and gave up: the episode that sent it never
					// committed and will run again, and the task it
					// schedules then reports again. Keeping this one would
					// mark that task done before it is even scheduled.
					ep.e.log.Warn("durable: dropping a result for a task history does not schedule",
						"instanceId", ep.wi.InstanceID, "event", ev.EventType.String(), "task", id)
					continue
				}
				if completed[id] {
					continue // a duplicate delivery
				}
				completed[id] = true
			}
			events = append(events, ev)
		}
	}
	switch {
	case ep.inst.Status.IsTerminal():
	case ep.inst.Status == history.StatusSuspended || !hasStarted(ep.hist):
		// Kept in history, replayed as new events on resume or start.
		ep.appendNew(events...)
	case len(events) > 0 || ep.opened:
		ep.run(events)
	}
	if len(ep.appended) > 0 || ep.replace {
		ep.inst.LastUpdatedAt = ep.now
	}
}

// countScheduled counts history's scheduling events: the sequence numbers
// in use.
func countScheduled(hist []*history.Event) int {
	n := 0
	for _, h := range hist {
		if h.EventType.IsScheduling() {
			n++
		}
	}
	return n
}

// completedTasks returns, for each sequence number history schedules,
// whether history also records its completion. Sequence numbers are dense,
// so a slice does what a map would, without hashing every completion on
// every episode.
func completedTasks(hist []*history.Event) []bool {
	done := make([]bool, countScheduled(hist))
	for _, h := range hist {
		if id := completionID(h); id >= 0 && id < len(done) {
			done[id] = true
		}
	}
	return done
}

// poisonable reports whether redelivered messages fail their instance.
// Not while versioning rejects work: every store counts a rejected
// delivery as a delivery, so an instance that waited for a worker of its
// version would be failed by that worker as soon as it got it.
func (e *Engine) poisonable() bool {
	v := e.opts.Versioning
	return !v.Enabled || v.Match == MatchNone || v.Failure != RejectMismatch
}

func (ep *episode) poison(m *store.Message) {
	ep.e.log.Error("durable: a message was delivered too many times; failing the instance",
		"instanceId", ep.wi.InstanceID, "event", m.Event.EventType.String(), "dequeueCount", m.DequeueCount)
	if !ep.inst.Status.IsTerminal() {
		ep.finish(history.StatusFailed, "", &history.FailureDetails{ErrorType: "PoisonMessage",
			ErrorMessage: fmt.Sprintf("a %s message was delivered %d times without being processed", m.Event.EventType, m.DequeueCount)})
	}
}

// derivedExecutionID names the execution an episode starts (a
// sub-orchestration for sequence number seq, or the next execution of a
// continue-as-new for seq -1) after the execution that starts it. Stores
// may deliver an episode's messages again when a worker dies between
// sending them and committing (Azure Storage sends first); a start that
// arrives twice then names the same execution and is dropped as a
// duplicate instead of starting a second execution.
func derivedExecutionID(instanceID, executionID string, seq int) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%s\x00%d", instanceID, executionID, seq)))
	return hex.EncodeToString(sum[:16])
}
