package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// FillQueues queues known work in st, with no worker running, for the
// tests of store.QueueDepther. On a clock standing at Epoch:
//
//   - at +0 s, instance "p" commits an episode that schedules two
//     activities (so "p" itself has nothing waiting);
//   - at +10 s, three orchestrations are created and "o1" receives two
//     events (five messages, three instances), and "o2" a timer due in an
//     hour, which is not waiting work yet;
//   - at +20 s, entity "@counter@a" receives two operations and
//     "@counter@b" one (three messages, two instances).
//
// It leaves the clock at +60 s. A store whose queues keep their own time
// (Azurite's) sees the same messages with its own timestamps.
func FillQueues(t *testing.T, st store.Store, clk *Clock) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	start := func(id string) *history.Event {
		return history.NewExecutionStarted(clk.Now(), "Orch", id, id+"-1", `"in"`, nil, nil)
	}
	must(st.CreateInstance(ctx, start("p"), store.CreateOptions{}))
	wi, err := st.NextOrchestrationWorkItem(ctx, store.Orchestrations)
	must(err)
	acts := []*history.Event{history.NewTaskScheduled(clk.Now(), 0, "Act", "0"), history.NewTaskScheduled(clk.Now(), 1, "Act", "1")}
	row := &store.Instance{InstanceID: "p", ExecutionID: "p-1", Name: "Orch", Status: history.StatusRunning,
		CreatedAt: clk.Now(), LastUpdatedAt: clk.Now()}
	newHistory := []*history.Event{history.NewOrchestratorStarted(clk.Now())}
	for _, m := range wi.Messages {
		newHistory = append(newHistory, m.Event)
	}
	must(st.CompleteOrchestrationWorkItem(ctx, wi, &store.OrchestrationCommit{Instance: row,
		NewHistory: append(newHistory, acts...), Activities: acts}))

	clk.Advance(10 * time.Second)
	for _, id := range []string{"o1", "o2", "o3"} {
		must(st.CreateInstance(ctx, start(id), store.CreateOptions{}))
	}
	must(st.SendMessages(ctx,
		store.Message{InstanceID: "o1", Event: history.NewEventRaised(clk.Now(), "Approval", "true")},
		store.Message{InstanceID: "o1", Event: history.NewEventRaised(clk.Now(), "Approval", "false")},
		store.Message{InstanceID: "o2", Event: history.NewTimerFired(clk.Now(), 0, clk.Now().Add(time.Hour)), VisibleAt: clk.Now().Add(time.Hour)}))

	clk.Advance(10 * time.Second)
	op := func(id string) store.Message {
		return store.Message{InstanceID: id, Event: history.NewEventRaised(clk.Now(), "op", `{"op":"add"}`)}
	}
	must(st.SendMessages(ctx, op("@counter@a"), op("@counter@a"), op("@counter@b")))
	clk.Advance(40 * time.Second)
}
