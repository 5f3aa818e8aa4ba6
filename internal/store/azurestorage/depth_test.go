package azurestorage

import (
	"context"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/storetest"
)

// QueueDepth counts what the queues hold: two activity requests in the
// work-item queue; in the control queues, three starts, two events, a timer
// not due yet (the Queue service counts invisible messages too) and three
// entity operations.
func TestQueueDepth(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	clk := storetest.NewClock()
	s := openTest(t, testConfig(t, uniqueHub(), clk))
	t.Cleanup(func() { _ = s.Close() })
	storetest.FillQueues(t, s, clk)

	got, err := s.QueueDepth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("QueueDepth = %+v, want the control and activity queues", got)
	}
	control, activities := got[0], got[1]
	if control.Queue != store.QueueControl || control.Messages != 9 || control.Instances != store.Unknown {
		t.Errorf("control queues: %+v, want 9 messages, instances unknown", control)
	}
	if activities.Queue != store.QueueActivities || activities.Messages != 2 {
		t.Errorf("work-item queue: %+v, want 2 requests", activities)
	}
	// Insertion times are Azurite's wall clock: only their presence is
	// certain, and only in the work-item queue; the control queues'
	// messages may all have been fetched already by the partition's owner
	// (this store), and a peek sees only visible ones.
	if activities.Oldest.IsZero() {
		t.Errorf("no oldest activity request time: %+v", activities)
	}
}
