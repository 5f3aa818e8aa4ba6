package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/durable/durabletest"
	"github.com/godurable/durablefunctions/durable/sqlitestore"
)

// pairApp calls A then B (or, reordered, B then A), then waits for "go".
func pairApp(reordered bool) *durable.Registry {
	reg := durable.NewRegistry()
	for _, n := range []string{"A", "B"} {
		_ = reg.AddActivity(n, durable.ActivityOf(func(context.Context, int) (int, error) { return 0, nil }))
	}
	_ = reg.AddOrchestrator("Pair", func(ctx *durable.OrchestrationContext) (any, error) {
		first, second := "A", "B"
		if reordered {
			first, second = second, first
		}
		if err := ctx.CallActivity(first, 0).Await(nil); err != nil {
			return nil, err
		}
		if err := ctx.CallActivity(second, 0).Await(nil); err != nil {
			return nil, err
		}
		_ = ctx.SetCustomStatus("waiting")
		return nil, ctx.WaitForExternalEvent("go").Await(nil)
	})
	return reg
}

// sqliteHubInFlight writes a SQLite hub with n Pair instances waiting.
func sqliteHubInFlight(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hub.db")
	st, err := sqlitestore.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	rt := durable.NewRuntime(pairApp(false), st)
	rt.Start()
	for i := 0; i < n; i++ {
		if _, err := rt.Client().StartNew(context.Background(), "Pair", nil, durable.WithInstanceID(fmt.Sprintf("pair-%05d", i))); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("pair-%05d", i)
		for deadline := time.Now().Add(5 * time.Minute); ; time.Sleep(10 * time.Millisecond) {
			s, err := rt.Client().GetStatus(context.Background(), id)
			if err == nil && string(s.CustomStatus) == `"waiting"` {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s never waited", id)
			}
		}
	}
	if err := rt.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReplayCheckExportsTheInFlightInstancesOfASQLiteHub(t *testing.T) {
	path := sqliteHubInFlight(t, 3)
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run([]string{"replay-check", "--db", path, "--export", dir}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "exported 3 histories") {
		t.Fatalf("output: %s", out.String())
	}
	hs, err := durabletest.HistoriesFromDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rep := durabletest.ReplayCheck(pairApp(false), hs); rep.Failed() || rep.Checked != 3 {
		t.Errorf("the unchanged code: %+v", rep)
	}
	rep := durabletest.ReplayCheck(pairApp(true), hs)
	if ds := rep.Diverged["Pair"]; len(ds) != 3 || ds[0].Step != 0 {
		t.Errorf("the reordered code: %+v", rep.Diverged)
	}
}

// With DURABLE_SCALE=1: export and check 10,000 in-flight instances.
func TestReplayCheckOfTenThousandInstances(t *testing.T) {
	if os.Getenv("DURABLE_SCALE") == "" {
		t.Skip("set DURABLE_SCALE=1")
	}
	path := sqliteHubInFlight(t, 10_000)
	st, err := sqlitestore.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	start := time.Now()
	hs, err := durabletest.HistoriesFromStore(context.Background(), st, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	read := time.Since(start)
	rep := durabletest.ReplayCheck(pairApp(true), hs)
	t.Logf("10,000 instances: read histories in %s, replayed in %s, %d would fail", read, rep.Elapsed, len(rep.Diverged["Pair"]))
	if len(rep.Diverged["Pair"]) != 10_000 {
		t.Errorf("%d would fail, want 10000", len(rep.Diverged["Pair"]))
	}
}
