package storetest

import (
	"fmt"
	"hash/fnv"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// The scale tests of every store fill a hub of the same shape, straight
// through the store's own write paths: instance i is HubRow(i). Instances
// are created 1 ms apart in pairs (ties on CreatedAt), with ids in no
// relation to creation order. Every 200th is an entity, the next a
// running orchestration; the rest finished: 80% Completed, 10% Failed,
// the rest Terminated. Finished instances have HubHistory(i).

// HubEpoch is when instance 0 of a scale hub was created.
var HubEpoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// HubID is instance i's id: 8 hex digits of a hash, so that id order and
// creation order differ and every two-digit prefix holds 1/256 of the ids.
func HubID(i int) string {
	h := fnv.New32a()
	fmt.Fprintf(h, "%d", i)
	id := fmt.Sprintf("%08x-%d", h.Sum32(), i)
	if i%200 == 0 {
		return "@counter@" + id
	}
	return id
}

// HubCreated is when instance i was created.
func HubCreated(i int) time.Time { return HubEpoch.Add(time.Duration(i/2) * time.Millisecond) }

// HubStatus is instance i's status.
func HubStatus(i int) history.RuntimeStatus {
	switch {
	case i%200 == 0, i%200 == 1:
		return history.StatusRunning
	case i%10 == 2:
		return history.StatusFailed
	case i%10 == 3:
		return history.StatusTerminated
	}
	return history.StatusCompleted
}

// HubRow is instance i's row.
func HubRow(i int) *store.Instance {
	created := HubCreated(i)
	row := &store.Instance{InstanceID: HubID(i), ExecutionID: fmt.Sprintf("e%d", i), Name: "Orch",
		Status: HubStatus(i), Input: fmt.Sprintf(`{"n":%d}`, i), CreatedAt: created, LastUpdatedAt: created.Add(time.Second)}
	if row.Status.IsTerminal() {
		row.Output, row.CompletedAt = `"done"`, row.LastUpdatedAt
	}
	return row
}

// HubHistory is the three-event history of a finished instance's row.
func HubHistory(row *store.Instance) []*history.Event {
	start := history.NewExecutionStarted(row.CreatedAt, "Orch", row.InstanceID, row.ExecutionID, row.Input, nil, nil)
	return []*history.Event{start, history.NewOrchestratorStarted(row.CreatedAt),
		history.NewExecutionCompleted(row.LastUpdatedAt, row.Status, row.Output, nil)}
}

// HubWindow returns the created-time window of the 100 instances from i0
// (even) and how many of them are finished orchestrations.
func HubWindow(i0 int) (from, to time.Time, finished int) {
	for i := i0; i < i0+100; i++ {
		if HubStatus(i).IsTerminal() {
			finished++
		}
	}
	return HubCreated(i0), HubCreated(i0 + 99), finished
}

// HubFinished is how many of the first n instances are finished.
func HubFinished(n int) int {
	finished := 0
	for i := 0; i < n; i++ {
		if HubStatus(i).IsTerminal() {
			finished++
		}
	}
	return finished
}
