package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/sqlite"
	"github.com/godurable/durablefunctions/internal/store/storetest"
)

// BenchmarkQueueDepth reads the depth of a queue of 20,000 messages for
// 2,000 instances: the cost of one collection of the gauges.
//
//	go test -run '^$' -bench QueueDepth ./internal/store/sqlite/
func BenchmarkQueueDepth(b *testing.B) {
	ctx := context.Background()
	clk := storetest.NewClock()
	s, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "hub.db"), sqlite.WithClock(clk))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const instances, perInstance = 2000, 10
	for i := 0; i < instances; i++ {
		msgs := make([]store.Message, perInstance)
		for j := range msgs {
			msgs[j] = store.Message{InstanceID: fmt.Sprintf("o%d", i), Event: history.NewEventRaised(clk.Now(), "e", "1")}
		}
		if err := s.SendMessages(ctx, msgs...); err != nil {
			b.Fatal(err)
		}
	}
	clk.Advance(time.Second)
	b.ResetTimer()
	for range b.N {
		d, err := s.QueueDepth(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if d[0].Messages != instances*perInstance || d[0].Instances != instances {
			b.Fatalf("depth %+v", d[0])
		}
	}
}
