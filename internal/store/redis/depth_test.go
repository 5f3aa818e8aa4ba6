package redis

import (
	"context"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/storetest"
)

// QueueDepth reads what storetest.FillQueues queued, exactly: two
// activity requests at +0 s, three orchestrations with messages due from
// +10 s (one also has a timer due in an hour, which is not waiting work),
// two entities with messages from +20 s; read at +60 s.
func TestQueueDepth(t *testing.T) {
	ctx := context.Background()
	clk := storetest.NewClock()
	s := openTest(t, testConfig(singleNode(t), uniqueHub("depth"), clk))
	t.Cleanup(func() { _ = s.Close() })
	storetest.FillQueues(t, s, clk)

	got, err := s.QueueDepth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	epoch := storetest.Epoch
	want := []store.QueueDepth{
		{Queue: store.QueueOrchestrations, Messages: store.Unknown, Instances: 3, Oldest: epoch.Add(10 * time.Second)},
		{Queue: store.QueueEntities, Messages: store.Unknown, Instances: 2, Oldest: epoch.Add(20 * time.Second)},
		{Queue: store.QueueActivities, Messages: 2, Instances: store.Unknown, Oldest: epoch},
	}
	if len(got) != len(want) {
		t.Fatalf("QueueDepth = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("QueueDepth[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
}
