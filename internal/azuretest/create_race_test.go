package azuretest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/azurite"
	"github.com/godurable/durablefunctions/internal/store"
)

// Two processes that start the same instance id at the same moment: exactly
// one start wins, even while a worker is running and consumes the losing
// start's message as a duplicate (which once made the loser report
// success too, so a timer occurrence claimed this way ran twice).
func TestTwoRacingStartsOfOneInstanceIDHaveExactlyOneWinner(t *testing.T) {
	if testing.Short() {
		t.Skip("Azurite")
	}
	inst := azurite.Shared(t)
	hub := uniqueHub("race")
	reg := durable.NewRegistry()
	_ = reg.AddOrchestrator("Wait", func(ctx *durable.OrchestrationContext) (any, error) {
		return nil, ctx.WaitForExternalEvent("never").Await(nil)
	})
	worker := durable.NewRuntime(reg, store.NewHandle(openStore(t, storeConfig(inst.ConnectionString(), hub, "w1"))), durable.WithLogger(logger()))
	worker.Start()
	defer worker.Close(context.Background())
	other := durable.NewRuntime(reg, store.NewHandle(openStore(t, storeConfig(inst.ConnectionString(), hub, "w2"))), durable.WithLogger(logger()))
	defer other.Close(context.Background())
	clients := []*durable.Client{worker.Client(), other.Client()}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const rounds = 30
	for round := range rounds {
		id := fmt.Sprintf("race-%d", round)
		var wins, losses int
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := c.StartNew(ctx, "Wait", nil, durable.WithInstanceID(id))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins++
				case errors.Is(err, durable.ErrInstanceExists):
					losses++
				default:
					t.Errorf("round %d: %v", round, err)
				}
			}()
		}
		wg.Wait()
		if wins != 1 || losses != 1 {
			t.Fatalf("round %d: %d starts won and %d lost; want exactly one winner", round, wins, losses)
		}
	}
}
