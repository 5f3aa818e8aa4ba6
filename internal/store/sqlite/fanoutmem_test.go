package sqlite_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/durable/sqlitestore"
)

// TestFanOutMemory measures the heap of one orchestration fanning out
// DURABLE_FANOUT_MEM activities (say 100000) on the memory store and on
// SQLite, and writes the heap profile taken at the peak to
// DURABLE_FANOUT_PROFILE_DIR (default the test's temp dir) for `go tool
// pprof -top`. It asserts nothing about memory: it is how the figure in
// issue 12's notes was taken.
func TestFanOutMemory(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("DURABLE_FANOUT_MEM"))
	if n <= 0 {
		t.Skip("set DURABLE_FANOUT_MEM=100000 to measure")
	}
	dir := os.Getenv("DURABLE_FANOUT_PROFILE_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	for _, name := range []string{"memory", "sqlite"} {
		t.Run(name, func(t *testing.T) {
			var st *durable.Store
			if name == "memory" {
				st = durable.NewMemoryStore()
			} else {
				s, err := sqlitestore.Open(context.Background(), filepath.Join(t.TempDir(), "fan.db"))
				if err != nil {
					t.Fatal(err)
				}
				st = s
			}
			reg := durable.NewRegistry()
			if err := reg.AddActivity("Noop", durable.ActivityOf(func(_ context.Context, i int) (int, error) { return i, nil })); err != nil {
				t.Fatal(err)
			}
			if err := reg.AddOrchestrator("FanOut", func(ctx *durable.OrchestrationContext) (any, error) {
				var f int
				if err := ctx.GetInput(&f); err != nil {
					return nil, err
				}
				tasks := make([]durable.Task, f)
				for i := range tasks {
					tasks[i] = ctx.CallActivity("Noop", i)
				}
				sum := 0
				for _, tk := range tasks {
					var v int
					if err := tk.Await(&v); err != nil {
						return nil, err
					}
					sum += v
				}
				return sum, nil
			}); err != nil {
				t.Fatal(err)
			}
			runtime.GC()
			var base runtime.MemStats
			runtime.ReadMemStats(&base)
			rt := durable.NewRuntime(reg, st)
			rt.Start()
			defer rt.Close(context.Background())
			peak, profile, stop := samplePeak()
			start := time.Now()
			id, err := rt.Client().StartNew(context.Background(), "FanOut", n)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
			defer cancel()
			s, err := rt.Client().WaitForCompletion(ctx, id)
			took := time.Since(start)
			stop()
			if err != nil || s.RuntimeStatus != durable.StatusCompleted {
				t.Fatalf("fan-out of %d = %+v, %v", n, s, err)
			}
			path := filepath.Join(dir, "fanout-"+name+".heap")
			if err := os.WriteFile(path, profile(), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d activities in %v; heap in use before %.0f MiB, peak %.0f MiB (live after GC at the peak sample); Sys %.0f MiB; profile %s",
				name, n, took.Round(time.Millisecond), mb(base.HeapInuse), mb(peak().HeapInuse), mb(peak().Sys), path)
		})
	}
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }

// samplePeak samples the heap every second (after a GC, so the figure is
// what is live) and keeps the largest sample and a heap profile taken
// then.
func samplePeak() (peak func() runtime.MemStats, profile func() []byte, stop func()) {
	var (
		mu   sync.Mutex
		top  runtime.MemStats
		prof []byte
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			runtime.GC()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			mu.Lock()
			if m.HeapInuse > top.HeapInuse {
				top = m
				var b bytes.Buffer
				_ = pprof.Lookup("heap").WriteTo(&b, 0)
				prof = b.Bytes()
			}
			mu.Unlock()
		}
	}()
	return func() runtime.MemStats { mu.Lock(); defer mu.Unlock(); return top },
		func() []byte { mu.Lock(); defer mu.Unlock(); return prof },
		func() { close(done); wg.Wait() }
}
