package durable_test

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/durable/sqlitestore"
)

// BenchmarkChain2000 runs a 2,000-activity chain end to end (engine,
// store, activities) with and without extended sessions, and reports the
// cost of one episode (the chain has 2,001): without sessions every
// episode replays the whole history so far, with them it resumes the
// parked code. What is left is the engine's and the store's own work.
func BenchmarkChain2000(b *testing.B) {
	const steps = 2000
	stores := []struct {
		name string
		open func(b *testing.B) *durable.Store
	}{
		{"memory", func(*testing.B) *durable.Store { return durable.NewMemoryStore() }},
		{"sqlite", func(b *testing.B) *durable.Store {
			st, err := sqlitestore.Open(context.Background(), filepath.Join(b.TempDir(), "chain.db"))
			if err != nil {
				b.Fatal(err)
			}
			return st
		}},
	}
	modes := []struct {
		name string
		opts []durable.RuntimeOption
	}{
		{"full-replay", nil},
		{"extended-sessions", []durable.RuntimeOption{durable.WithExtendedSessions(time.Minute)}},
	}
	for _, s := range stores {
		for _, m := range modes {
			b.Run(s.name+"/"+m.name, func(b *testing.B) {
				reg := durable.NewRegistry()
				_ = reg.AddActivity("Step", durable.ActivityOf(func(_ context.Context, n int) (int, error) { return n, nil }))
				_ = reg.AddOrchestrator("Chain", func(ctx *durable.OrchestrationContext) (any, error) {
					sum := 0
					for i := range steps {
						var v int
						if err := ctx.CallActivity("Step", i).Await(&v); err != nil {
							return nil, err
						}
						sum += v
					}
					return sum, nil
				})
				rt := durable.NewRuntime(reg, s.open(b), m.opts...)
				rt.Start()
				defer rt.Close(context.Background())
				c := rt.Client()
				want := strconv.Itoa(steps * (steps - 1) / 2)
				ctx := context.Background()
				for b.Loop() {
					id, err := c.StartNew(ctx, "Chain", nil)
					if err != nil {
						b.Fatal(err)
					}
					st, err := c.WaitForCompletion(ctx, id)
					if err != nil || string(st.Output) != want {
						b.Fatalf("chain: %v %s (%v)", err, st.Output, st.Failure)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*(steps+1)), "ns/episode")
			})
		}
	}
}
