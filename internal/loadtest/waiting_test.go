package loadtest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/durable/sqlitestore"
)

// rssMiB reads the process's resident set size.
func rssMiB(t *testing.T) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return float64(kb) / 1024
		}
	}
	t.Skip("VmRSS not found")
	return 0
}

// parallel runs fn for 0..n-1 on 16 goroutines and returns the first error.
func parallel(n int, fn func(i int) error) error {
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 16 {
				if err := fn(i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func TestManyOrchestrationsWaitOnEventsInBoundedMemory(t *testing.T) {
	n := 2000
	if os.Getenv("DURABLE_SOAK") != "" {
		n = 10000
	} else if testing.Short() {
		t.Skip("load test; skipped with -short")
	}
	ctx := context.Background()
	store, err := sqlitestore.Open(ctx, filepath.Join(t.TempDir(), "load.db"))
	if err != nil {
		t.Fatal(err)
	}
	reg := durable.NewRegistry()
	_ = reg.AddActivity("Ack", durable.ActivityOf(func(_ context.Context, v int) (int, error) { return v, nil }))
	_ = reg.AddOrchestrator("Waiter", func(ctx *durable.OrchestrationContext) (any, error) {
		var v int
		if err := ctx.WaitForExternalEvent("Go").Await(&v); err != nil {
			return nil, err
		}
		var out int
		err := ctx.CallActivity("Ack", v).Await(&out)
		return out, err
	})
	rt := durable.NewRuntime(reg, store)
	rt.Start()
	defer rt.Close(ctx)
	c := rt.Client()

	runtime.GC()
	before := rssMiB(t)
	start := time.Now()
	id := func(i int) string { return fmt.Sprint("waiter-", i) }
	if err := parallel(n, func(i int) error {
		_, err := c.StartNew(ctx, "Waiter", nil, durable.WithInstanceID(id(i)))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// Every instance has run its first episode and waits.
	deadline := time.Now().Add(5 * time.Minute)
	for {
		page, err := c.ListInstances(ctx, durable.Query{Statuses: []durable.RuntimeStatus{durable.StatusRunning}, PageSize: 1})
		if err != nil {
			t.Fatal(err)
		}
		pending, err := c.ListInstances(ctx, durable.Query{Statuses: []durable.RuntimeStatus{durable.StatusPending}, PageSize: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Instances) > 0 && len(pending.Instances) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("instances never all started")
		}
		time.Sleep(50 * time.Millisecond)
	}
	started := time.Since(start)
	runtime.GC()
	waiting := rssMiB(t)

	raise := time.Now()
	if err := parallel(n, func(i int) error { return c.RaiseEvent(ctx, id(i), "Go", i) }); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	if err := parallel(n, func(i int) error {
		st, err := c.WaitForCompletion(wctx, id(i))
		if err != nil {
			return err
		}
		if st.RuntimeStatus != durable.StatusCompleted || string(st.Output) != strconv.Itoa(i) {
			return fmt.Errorf("%s: %v %s", id(i), st.RuntimeStatus, st.Output)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	finished := time.Since(raise)
	runtime.GC()
	after := rssMiB(t)
	t.Logf("%d orchestrations: started and waiting in %v; RSS %.0f MiB before, %.0f MiB while all wait, %.0f MiB after; all completed %v after the events were raised",
		n, started.Round(time.Millisecond), before, waiting, after, finished.Round(time.Millisecond))
	// Waiting instances hold no goroutines and no replay state: memory per
	// waiting instance must stay small (the store caches at most a few
	// thousand rows and histories).
	if perInstanceKiB := (waiting - before) * 1024 / float64(n); perInstanceKiB > 64 {
		t.Errorf("%.1f KiB of RSS per waiting instance; want at most 64", perInstanceKiB)
	}
	if g := runtime.NumGoroutine(); g > 1000 {
		t.Errorf("%d goroutines after the run; waiting instances must not hold goroutines", g)
	}
}
