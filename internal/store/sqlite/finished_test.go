package sqlite_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// finish starts id inline and commits it Completed in its first episode.
func finish(t *testing.T, s interface {
	store.Store
	store.InlineStarter
}, id string) {
	t.Helper()
	ctx := context.Background()
	wi, ok, err := s.CreateLocked(ctx, startEvent(id), store.CreateOptions{})
	if err != nil || !ok {
		t.Fatalf("CreateLocked = %v, %v", ok, err)
	}
	if err := commitEpisode(ctx, s, wi, history.StatusCompleted, nil); err != nil {
		t.Fatal(err)
	}
}

func TestStatusReadsOfFinishedInstancesFollowPurgesAndReplacements(t *testing.T) {
	ctx := context.Background()
	s := inlineStore(t)
	finish(t, s, "a")
	if inst, err := s.GetInstance(ctx, "a"); err != nil || inst.Status != history.StatusCompleted || inst.Output != `"out"` {
		t.Fatalf("finished: GetInstance = %+v, %v; want Completed", inst, err)
	}
	if err := s.PurgeInstance(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetInstance(ctx, "a"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("purged: GetInstance error = %v, want ErrNotFound", err)
	}
	finish(t, s, "b")
	if err := s.CreateInstance(ctx, history.NewExecutionStarted(time.Now().UTC(), "Orch", "b", "b-2", `"again"`, nil, nil), store.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if inst, err := s.GetInstance(ctx, "b"); err != nil || inst.Status != history.StatusPending || inst.ExecutionID != "b-2" {
		t.Fatalf("replaced: GetInstance = %+v, %v; want the new Pending execution", inst, err)
	}
}
