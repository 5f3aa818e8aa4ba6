// Command durable-bench measures the engine on a store and prints one JSON
// line per scenario on stdout (and nothing else there):
//
//	go run ./cmd/durable-bench -store sqlite -scenarios sequence,fanout,latency -n 2000 -k 1 -f 1000
//
// Scenarios: sequence = n orchestrations of k sequential activities, all
// started at once; fanout = one orchestration fanning out f activities;
// latency = a warm single instance with one activity, started and awaited
// -reps times one after the other; entity = -s signals to one entity;
// entities = -s signals spread over -e entities. Entity scenarios report
// operations per second in act_per_s (and the entity count in f).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/durable/sqlitestore"
)

type result struct {
	Store     string  `json:"store"`
	Scenario  string  `json:"scenario"`
	N         int     `json:"n"`
	K         int     `json:"k"`
	F         int     `json:"f"`
	Seconds   float64 `json:"seconds"`
	OrchPerS  float64 `json:"orch_per_s"`
	ActPerS   float64 `json:"act_per_s"`
	P50Millis float64 `json:"p50_ms"`
	P99Millis float64 `json:"p99_ms"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "durable-bench:", err)
		os.Exit(1)
	}
}

func run() error {
	storeName := flag.String("store", "sqlite", "store: sqlite, memory, azurestorage or redis")
	scenarios := flag.String("scenarios", "sequence,fanout,latency", "comma-separated scenarios")
	n := flag.Int("n", 2000, "sequence: number of orchestrations")
	k := flag.Int("k", 1, "sequence: activities per orchestration")
	f := flag.Int("f", 1000, "fanout: activities in the fan-out")
	reps := flag.Int("reps", 200, "latency: number of sequential runs")
	signals := flag.Int("s", 10000, "entity, entities: number of signals")
	entityCount := flag.Int("e", 1000, "entities: number of entities")
	path := flag.String("path", "", "sqlite: database file (default: a fresh temporary file)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the scenarios to this file")
	flag.Parse()

	ctx := context.Background()
	store, cleanup, err := openStore(ctx, *storeName, *path)
	if err != nil {
		return err
	}
	defer cleanup()
	reg := durable.NewRegistry()
	if err := register(reg); err != nil {
		return err
	}
	rt := durable.NewRuntime(reg, store, durable.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	rt.Start()
	defer rt.Close(context.Background())
	c := rt.Client()
	out := json.NewEncoder(os.Stdout)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	for _, sc := range strings.Split(*scenarios, ",") {
		r := result{Store: *storeName, Scenario: sc, N: *n, K: *k, F: *f}
		switch strings.TrimSpace(sc) {
		case "sequence":
			err = sequence(ctx, c, &r)
		case "fanout":
			err = fanout(ctx, c, &r)
		case "latency":
			r.N = *reps
			err = latency(ctx, c, &r)
		case "entity":
			r.N, r.F = *signals, 1
			err = entitySignals(ctx, c, &r)
		case "entities":
			r.N, r.F = *signals, *entityCount
			err = entitySignals(ctx, c, &r)
		default:
			err = fmt.Errorf("unknown scenario %q (want sequence, fanout or latency)", sc)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", sc, err)
		}
		if err := out.Encode(r); err != nil {
			return err
		}
	}
	return nil
}

func openStore(ctx context.Context, name, path string) (*durable.Store, func(), error) {
	switch name {
	case "memory":
		return durable.NewMemoryStore(), func() {}, nil
	case "sqlite":
		cleanup := func() {}
		if path == "" {
			dir, err := os.MkdirTemp("", "durable-bench-")
			if err != nil {
				return nil, nil, err
			}
			path = filepath.Join(dir, "bench.db")
			cleanup = func() { os.RemoveAll(dir) }
		}
		s, err := sqlitestore.Open(ctx, path)
		return s, cleanup, err
	case "azurestorage":
		return openAzure(ctx)
	case "redis":
		return openRedis(ctx)
	}
	return nil, nil, fmt.Errorf("unknown store %q (want sqlite, memory or azurestorage)", name)
}

func register(reg *durable.Registry) error {
	if err := reg.AddActivity("Noop", durable.ActivityOf(func(_ context.Context, i int) (int, error) { return i, nil })); err != nil {
		return err
	}
	if err := reg.AddOrchestrator("Sequence", func(ctx *durable.OrchestrationContext) (any, error) {
		var k int
		if err := ctx.GetInput(&k); err != nil {
			return nil, err
		}
		sum := 0
		for i := 0; i < k; i++ {
			var v int
			if err := ctx.CallActivity("Noop", i).Await(&v); err != nil {
				return nil, err
			}
			sum += v
		}
		return sum, nil
	}); err != nil {
		return err
	}
	if err := reg.AddEntity("Tally", func(ctx *durable.EntityContext) error {
		n := 0
		if err := ctx.GetState(&n); err != nil {
			return err
		}
		return ctx.SetState(n + 1)
	}); err != nil {
		return err
	}
	return reg.AddOrchestrator("FanOut", func(ctx *durable.OrchestrationContext) (any, error) {
		var f int
		if err := ctx.GetInput(&f); err != nil {
			return nil, err
		}
		tasks := make([]durable.Task, f)
		for i := range tasks {
			tasks[i] = ctx.CallActivity("Noop", i)
		}
		sum := 0
		for _, t := range tasks {
			var v int
			if err := t.Await(&v); err != nil {
				return nil, err
			}
			sum += v
		}
		return sum, nil
	})
}

// sequence starts n orchestrations at once and waits for all.
func sequence(ctx context.Context, c *durable.Client, r *result) error {
	start := time.Now()
	lat := make([]time.Duration, r.N)
	errs := make(chan error, r.N)
	var wg sync.WaitGroup
	for i := 0; i < r.N; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			id, err := c.StartNew(ctx, "Sequence", r.K)
			if err == nil {
				err = waitCompleted(ctx, c, id)
			}
			if err != nil {
				errs <- err
				return
			}
			lat[i] = time.Since(t0)
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	r.Seconds, r.OrchPerS, r.ActPerS = secs, float64(r.N)/secs, float64(r.N*r.K)/secs
	r.P50Millis, r.P99Millis = percentiles(lat)
	return nil
}

// fanout runs one orchestration with f parallel activities.
func fanout(ctx context.Context, c *durable.Client, r *result) error {
	start := time.Now()
	id, err := c.StartNew(ctx, "FanOut", r.F)
	if err != nil {
		return err
	}
	if err := waitCompleted(ctx, c, id); err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	r.Seconds, r.OrchPerS, r.ActPerS = secs, 1/secs, float64(r.F)/secs
	r.P50Millis, r.P99Millis = secs*1000, secs*1000
	return nil
}

// latency measures start → completed for a one-activity orchestration on a
// warm runtime, one at a time.
func latency(ctx context.Context, c *durable.Client, r *result) error {
	for i := 0; i < 20; i++ { // warm up
		id, err := c.StartNew(ctx, "Sequence", 1)
		if err != nil {
			return err
		}
		if err := waitCompleted(ctx, c, id); err != nil {
			return err
		}
	}
	lat := make([]time.Duration, r.N)
	start := time.Now()
	for i := range lat {
		t0 := time.Now()
		id, err := c.StartNew(ctx, "Sequence", 1)
		if err != nil {
			return err
		}
		if err := waitCompleted(ctx, c, id); err != nil {
			return err
		}
		lat[i] = time.Since(t0)
	}
	secs := time.Since(start).Seconds()
	r.Seconds, r.OrchPerS, r.ActPerS = secs, float64(r.N)/secs, float64(r.N)/secs
	r.P50Millis, r.P99Millis = percentiles(lat)
	return nil
}

// entitySignals sends r.N signals over r.F entities from 16 senders and
// waits until every entity has counted its share.
func entitySignals(ctx context.Context, c *durable.Client, r *result) error {
	run := fmt.Sprint(time.Now().UnixNano())
	id := func(i int) durable.EntityID { return durable.NewEntityID("Tally", fmt.Sprint(run, "-", i%r.F)) }
	start := time.Now()
	const senders = 16
	errs := make(chan error, senders)
	var wg sync.WaitGroup
	for s := 0; s < senders; s++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := s; i < r.N; i += senders {
				if err := c.SignalEntity(ctx, id(i), "inc", nil); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	for e := 0; e < r.F; e++ {
		want := r.N / r.F
		if e < r.N%r.F {
			want++
		}
		for {
			md, err := c.ReadEntityState(ctx, id(e))
			if err == nil && string(md.State) == fmt.Sprint(want) {
				break
			}
			if time.Since(start) > 10*time.Minute {
				return fmt.Errorf("entity %s did not reach %d signals: %v %v", id(e), want, md, err)
			}
			time.Sleep(time.Millisecond)
		}
	}
	secs := time.Since(start).Seconds()
	r.Seconds, r.ActPerS = secs, float64(r.N)/secs
	return nil
}

func waitCompleted(ctx context.Context, c *durable.Client, id string) error {
	wctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	st, err := c.WaitForCompletion(wctx, id)
	if err != nil {
		return err
	}
	if st.RuntimeStatus != durable.StatusCompleted {
		return fmt.Errorf("instance %s ended %v: %v", id, st.RuntimeStatus, st.Failure)
	}
	return nil
}

func percentiles(d []time.Duration) (p50, p99 float64) {
	if len(d) == 0 {
		return 0, 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	at := func(q float64) float64 { return float64(s[int(q*float64(len(s)-1))]) / float64(time.Millisecond) }
	return at(0.50), at(0.99)
}
