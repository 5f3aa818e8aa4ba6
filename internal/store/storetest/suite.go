package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// Factory makes the stores the suite runs against.
type Factory struct {
	// New returns an empty store that tells time by clock. The suite closes
	// it when the test ends (Close must tolerate a second call).
	New func(t *testing.T, clock store.Clock) store.Store
	// Reopen closes old and opens the same persistent store again, as a
	// process restart would. Nil for stores that do not persist; the
	// restart tests are then skipped.
	Reopen func(t *testing.T, old store.Store, clock store.Clock) store.Store
	// ListsByID says that the store lists every query in instance-id
	// order, the only order its instance table can serve a page in at a
	// cost independent of the hub's size (Azure Storage). Other stores
	// list key-ordered queries (an id prefix, entities only) by id and
	// the rest by creation time, then id.
	ListsByID bool
}

// Run runs the conformance suite against f's stores.
func Run(t *testing.T, f Factory) {
	if f.New == nil {
		t.Fatal("backendtest: Factory.New is nil")
	}
	groups := []struct {
		name  string
		tests []test
	}{
		{"Create", createTests},
		{"WorkItems", workItemTests},
		{"Activities", activityTests},
		{"Queries", queryTests},
		{"Paging", pagingTests},
		{"Purge", purgeTests},
		{"PurgeByFilter", purgeFilterTests},
		{"Lifecycle", lifecycleTests},
		{"Restart", restartTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					tc.run(newEnv(t, f))
				})
			}
		})
	}
}

// test is one sentence-named conformance test.
type test struct {
	name string
	run  func(e *env)
}

// waitLimit bounds every wall-clock wait of the suite: a store that takes
// longer to deliver visible work is broken, not slow.
const waitLimit = 10 * time.Second

// quiet is how long the suite waits to conclude that nothing is delivered.
const quiet = 60 * time.Millisecond

// env is one test's store, clock and helpers.
type env struct {
	t   *testing.T
	f   Factory
	clk *Clock
	b   store.Store
	ctx context.Context
}

func newEnv(t *testing.T, f Factory) *env {
	clk := NewClock()
	b := f.New(t, clk)
	t.Cleanup(func() { _ = b.Close() })
	return &env{t: t, f: f, clk: clk, b: b, ctx: context.Background()}
}

// reopen restarts the store, or skips the test for stores without Reopen.
func (e *env) reopen() {
	e.t.Helper()
	if e.f.Reopen == nil {
		e.t.Skip("store does not persist (no Factory.Reopen)")
	}
	e.b = e.f.Reopen(e.t, e.b, e.clk)
	b := e.b
	e.t.Cleanup(func() { _ = b.Close() })
}

func (e *env) now() time.Time { return e.clk.Now() }

// startEvent returns an ExecutionStarted event for execution exec of id.
func (e *env) startEvent(id, exec, name, input string) *history.Event {
	return history.NewExecutionStarted(e.now(), name, id, exec, input, nil, nil)
}

// create creates instance id (execution id+"-1") running orchestration
// "Orch" with input `"in"`.
func (e *env) create(id string) *history.Event {
	e.t.Helper()
	start := e.startEvent(id, id+"-1", "Orch", `"in"`)
	if err := e.b.CreateInstance(e.ctx, start, store.CreateOptions{}); err != nil {
		e.t.Fatalf("CreateInstance(%q): %v", id, err)
	}
	return start
}

func (e *env) send(msgs ...store.Message) {
	e.t.Helper()
	if err := e.b.SendMessages(e.ctx, msgs...); err != nil {
		e.t.Fatalf("SendMessages: %v", err)
	}
}

// raise returns an EventRaised message for id.
func (e *env) raise(id, name, input string) store.Message {
	return store.Message{InstanceID: id, Event: history.NewEventRaised(e.now(), name, input)}
}

func (e *env) waitCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(e.ctx, waitLimit)
}

// next returns the next work item of kind, failing the test if none comes.
func (e *env) next(kind store.WorkKind) *store.OrchestrationWorkItem {
	e.t.Helper()
	ctx, cancel := e.waitCtx()
	defer cancel()
	wi, err := e.b.NextOrchestrationWorkItem(ctx, kind)
	if err != nil {
		e.t.Fatalf("NextOrchestrationWorkItem: %v", err)
	}
	if wi == nil {
		e.t.Fatal("NextOrchestrationWorkItem returned nil and no error")
	}
	return wi
}

// nextFor returns the next work item, which must be for id.
func (e *env) nextFor(id string) *store.OrchestrationWorkItem {
	e.t.Helper()
	wi := e.next(store.KindOf(id))
	if wi.InstanceID != id {
		e.t.Fatalf("work item for %q, want %q", wi.InstanceID, id)
	}
	return wi
}

// noWork checks that no work item of kind is delivered.
func (e *env) noWork(kind store.WorkKind) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, quiet)
	defer cancel()
	wi, err := e.b.NextOrchestrationWorkItem(ctx, kind)
	if err == nil {
		e.t.Fatalf("unexpected work item for %q with %d messages", wi.InstanceID, len(wi.Messages))
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		e.t.Fatalf("NextOrchestrationWorkItem = %v, want context.DeadlineExceeded", err)
	}
}

func (e *env) nextActivity() *store.ActivityWorkItem {
	e.t.Helper()
	ctx, cancel := e.waitCtx()
	defer cancel()
	wi, err := e.b.NextActivityWorkItem(ctx)
	if err != nil {
		e.t.Fatalf("NextActivityWorkItem: %v", err)
	}
	return wi
}

func (e *env) noActivity() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, quiet)
	defer cancel()
	wi, err := e.b.NextActivityWorkItem(ctx)
	if err == nil {
		e.t.Fatalf("unexpected activity %q for %q", wi.Event.Name, wi.InstanceID)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		e.t.Fatalf("NextActivityWorkItem = %v, want context.DeadlineExceeded", err)
	}
}

// afterAdvance runs call (a blocking Next) in the background, waits until
// it is blocked on the clock (or a moment passes), advances the clock by d
// and returns call's result.
func afterAdvance[T any](e *env, d time.Duration, call func(ctx context.Context) (T, error)) T {
	e.t.Helper()
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	ctx, cancel := e.waitCtx()
	defer cancel()
	w0 := e.clk.Waiters()
	go func() {
		v, err := call(ctx)
		ch <- result{v, err}
	}()
	// Let the call reach its wait, so that it measured the clock before
	// the advance. Stores that wait without the clock's After are given a
	// moment instead.
	for i := 0; i < 20 && e.clk.Waiters() <= w0; i++ {
		time.Sleep(5 * time.Millisecond)
	}
	e.clk.Advance(d)
	r := <-ch
	if r.err != nil {
		e.t.Fatalf("after advancing the clock %v: %v", d, r.err)
	}
	return r.v
}

func (e *env) nextAfter(kind store.WorkKind, d time.Duration) *store.OrchestrationWorkItem {
	e.t.Helper()
	return afterAdvance(e, d, func(ctx context.Context) (*store.OrchestrationWorkItem, error) {
		return e.b.NextOrchestrationWorkItem(ctx, kind)
	})
}

func (e *env) commit(wi *store.OrchestrationWorkItem, c *store.OrchestrationCommit) {
	e.t.Helper()
	if err := e.b.CompleteOrchestrationWorkItem(e.ctx, wi, c); err != nil {
		e.t.Fatalf("CompleteOrchestrationWorkItem(%q): %v", wi.InstanceID, err)
	}
}

// row returns the row a worker would write for wi's instance in status.
func (e *env) row(wi *store.OrchestrationWorkItem, status history.RuntimeStatus) *store.Instance {
	r := &store.Instance{InstanceID: wi.InstanceID, Name: "Orch", Status: status, LastUpdatedAt: e.now()}
	if wi.Instance != nil {
		c := *wi.Instance
		r = &c
		r.Status = status
		r.LastUpdatedAt = e.now()
	}
	if status.IsTerminal() {
		r.CompletedAt = e.now()
		r.Output = `"out"`
	}
	return r
}

// episode returns the history a worker appends for a first episode.
func (e *env) episode(wi *store.OrchestrationWorkItem, more ...*history.Event) []*history.Event {
	h := []*history.Event{history.NewOrchestratorStarted(e.now())}
	for _, m := range wi.Messages {
		h = append(h, m.Event)
	}
	h = append(h, more...)
	return append(h, history.NewOrchestratorCompleted(e.now()))
}

// finish creates instance id and runs it to status in one work item. No
// other instance may have visible work.
func (e *env) finish(id string, status history.RuntimeStatus) {
	e.t.Helper()
	e.create(id)
	wi := e.nextFor(id)
	e.commit(wi, &store.OrchestrationCommit{Instance: e.row(wi, status), NewHistory: e.episode(wi)})
}

func (e *env) instance(id string) *store.Instance {
	e.t.Helper()
	inst, err := e.b.GetInstance(e.ctx, id)
	if err != nil {
		e.t.Fatalf("GetInstance(%q): %v", id, err)
	}
	return inst
}

func (e *env) history(id string) []*history.Event {
	e.t.Helper()
	h, err := e.b.GetHistory(e.ctx, id)
	if err != nil {
		e.t.Fatalf("GetHistory(%q): %v", id, err)
	}
	return h
}

func (e *env) notFound(id string) {
	e.t.Helper()
	if _, err := e.b.GetInstance(e.ctx, id); !errors.Is(err, store.ErrNotFound) {
		e.t.Fatalf("GetInstance(%q) = %v, want ErrNotFound", id, err)
	}
	if _, err := e.b.GetHistory(e.ctx, id); !errors.Is(err, store.ErrNotFound) {
		e.t.Fatalf("GetHistory(%q) = %v, want ErrNotFound", id, err)
	}
}

// eventJSON renders events as the stored JSON form, which is what a store
// must preserve.
func eventJSON(t *testing.T, events []*history.Event) string {
	t.Helper()
	if len(events) == 0 {
		return "[]"
	}
	b, err := json.Marshal(events)
	if err != nil {
		t.Fatalf("marshal events: %v", err)
	}
	return string(b)
}

func (e *env) sameEvents(what string, got, want []*history.Event) {
	e.t.Helper()
	if g, w := eventJSON(e.t, got), eventJSON(e.t, want); g != w {
		e.t.Fatalf("%s:\n got %s\nwant %s", what, g, w)
	}
}

func messageEvents(msgs []*store.Message) []*history.Event {
	out := make([]*history.Event, len(msgs))
	for i, m := range msgs {
		out[i] = m.Event
	}
	return out
}

// sameRow compares the fields of an instance row a store must preserve.
func (e *env) sameRow(got, want *store.Instance) {
	e.t.Helper()
	type cmp struct {
		ID, Exec, Name, Input, Output, Custom, Parent, ParentExec string
		Status                                                    history.RuntimeStatus
		Failure                                                   *history.FailureDetails
		Created, Updated, Completed, Scheduled                    int64
	}
	nanos := func(t time.Time) int64 {
		if t.IsZero() {
			return 0
		}
		return t.UnixNano()
	}
	c := func(i *store.Instance) cmp {
		return cmp{i.InstanceID, i.ExecutionID, i.Name, i.Input, i.Output, i.CustomStatus, i.ParentInstance, i.ParentExecution,
			i.Status, i.Failure, nanos(i.CreatedAt), nanos(i.LastUpdatedAt), nanos(i.CompletedAt), nanos(i.ScheduledStart)}
	}
	if g, w := c(got), c(want); !reflect.DeepEqual(g, w) {
		e.t.Fatalf("instance row:\n got %+v\nwant %+v", g, w)
	}
}

func (e *env) isErr(what string, err, want error) {
	e.t.Helper()
	if !errors.Is(err, want) {
		e.t.Fatalf("%s = %v, want %v", what, err, want)
	}
}

func ids(n int, prefix string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%04d", prefix, i)
	}
	return out
}
