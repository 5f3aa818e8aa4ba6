package durable

import (
	"context"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/memory"
)

// movingStore is a store whose instance changes between a row read and a
// history read, as when a commit lands between the two: the first row
// read returns the row as it was before, later ones as it is after.
type movingStore struct {
	store.Store
	before, after *store.Instance
	reads         int
	history       []*history.Event
}

func (m *movingStore) GetInstance(context.Context, string) (*store.Instance, error) {
	m.reads++
	if m.reads == 1 {
		return m.before, nil
	}
	return m.after, nil
}

func (m *movingStore) GetHistory(context.Context, string) ([]*history.Event, error) {
	return m.history, nil
}

// A status read with history never pairs a row with a history of another
// moment: here a rewind committed between the two reads, and the status
// must be the rewound one (Running), not the failure its history no
// longer ends with.
func TestAStatusWithHistoryIsReadFromOneMoment(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	be := &movingStore{
		Store:  memory.New(),
		before: &store.Instance{InstanceID: "p", Name: "Parent", Status: history.StatusFailed, LastUpdatedAt: t0},
		after:  &store.Instance{InstanceID: "p", Name: "Parent", Status: history.StatusRunning, LastUpdatedAt: t0.Add(time.Millisecond)},
		history: []*history.Event{
			history.NewExecutionStarted(t0, "Parent", "p", "e1", "", nil, nil),
			history.NewExecutionRewound(t0.Add(time.Millisecond), "retry"),
		},
	}
	c := &Client{be: be, clock: store.SystemClock{}}
	st, err := c.GetStatus(context.Background(), "p", WithHistory())
	if err != nil {
		t.Fatal(err)
	}
	if st.RuntimeStatus != StatusRunning || len(st.History) != 2 {
		t.Fatalf("status %v with %d history events, want Running with the 2 events read after the rewind", st.RuntimeStatus, len(st.History))
	}
}
