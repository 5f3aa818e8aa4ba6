package azuretest

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/azurite"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/azurestorage"
	"github.com/godurable/durablefunctions/internal/workload"
)

// openWorker opens a worker process's runtime on the hub. Its activities
// take 20 ms, so that some are in flight when the worker is killed.
func openWorker(_ context.Context, conn, hub, worker string) (*durable.Runtime, error) {
	s, err := openStoreErr(storeConfig(conn, hub, worker))
	if err != nil {
		return nil, err
	}
	rt := durable.NewRuntime(workload.Registry(20*time.Millisecond), store.NewHandle(s), durable.WithMaxTimerInterval(6*24*time.Hour, 3*24*time.Hour), durable.WithLogger(logger()))
	rt.Start()
	return rt, nil
}

// TestMultiWorkerKillAndReplace runs 500 orchestrations (chains, fan-outs,
// timers, entities) on 3 worker processes sharing one task hub, kills one
// with SIGKILL mid-run and starts a replacement. Every instance must
// complete with the right output, no history event twice, the shared
// entity counters must count every signal exactly once, and the dead
// worker's partitions must move to the others.
func TestMultiWorkerKillAndReplace(t *testing.T) {
	if testing.Short() {
		// It runs four engine processes for 40-60 s.
		t.Skip("-short: the multi-worker kill test takes about a minute")
	}
	inst := azurite.Shared(t)
	const n = 500
	hub := uniqueHub("mw")
	prefix := "mw"
	jobs := workload.Mixed(prefix, n, workload.SharedCounters)
	view := newHubView(t, inst, hub)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	// The first worker creates the hub; the others join a moment later.
	third := n / 3
	conn := inst.ConnectionString()
	w1 := workload.StartWorker(t, conn, hub, "w1", workload.Share{Prefix: prefix, N: n, From: 0, To: third})
	time.Sleep(2 * time.Second)
	w2 := workload.StartWorker(t, conn, hub, "w2", workload.Share{Prefix: prefix, N: n, From: third, To: 2 * third})
	w3 := workload.StartWorker(t, conn, hub, "w3", workload.Share{Prefix: prefix, N: n, From: 2 * third, To: n})

	ownersSeen := map[string]map[int]bool{} // worker → partitions it held at some point
	var history []string
	record := func() map[int]string {
		o, err := view.leaseOwners(ctx)
		if err != nil {
			t.Logf("lease owners: %v", err)
			return nil
		}
		f := formatOwners(o)
		if len(history) == 0 || history[len(history)-1] != f {
			history = append(history, f)
		}
		for p, w := range o {
			if w == "" {
				continue
			}
			if ownersSeen[w] == nil {
				ownersSeen[w] = map[int]bool{}
			}
			ownersSeen[w][p] = true
		}
		return o
	}
	completed := func() (int, map[string]int) {
		c, err := view.statusCounts(ctx)
		if err != nil {
			return 0, nil
		}
		return c["Completed"], c
	}

	// Wait until the three workers share the partitions and a fifth of the
	// work is done, then kill w2.
	start := time.Now()
	var before map[int]string
	for {
		before = record()
		done, _ := completed()
		w2held := 0
		for _, w := range before {
			if w == "w2" {
				w2held++
			}
		}
		if done >= n/5 && w2held > 0 {
			t.Logf("%v: %d completed; owners %s", time.Since(start).Round(time.Millisecond), done, formatOwners(before))
			break
		}
		if time.Since(start) > 90*time.Second {
			t.Fatalf("after 90 s: %d completed, owners %s", done, formatOwners(before))
		}
		time.Sleep(250 * time.Millisecond)
	}
	workload.KillWorker(t, w2)
	killedAt := time.Now()
	doneAtKill, _ := completed()
	t.Logf("killed w2 with %d/%d completed", doneAtKill, n)
	// The replacement also starts whatever part of w2's share w2 did not.
	w4 := workload.StartWorker(t, conn, hub, "w4", workload.Share{Prefix: prefix, N: n, From: third, To: 2 * third})

	for {
		record()
		done, counts := completed()
		if done == n {
			t.Logf("all %d completed %v after the kill (%v in all)", n, time.Since(killedAt).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
			break
		}
		if ctx.Err() != nil {
			rctx, rcancel := context.WithTimeout(context.Background(), 20*time.Second)
			left, err := view.unfinished(rctx, 20)
			final, _ := view.statusCounts(rctx)
			rcancel()
			var hist strings.Builder
			for i, row := range left {
				if i == 3 {
					break
				}
				if id := jsonField(row, "PartitionKey"); id != "" {
					fmt.Fprintf(&hist, "\nhistory of %s:\n%s", id, view.historyOf(rctx, azurestorage.UnescapeKey(id)))
				}
			}
			t.Fatalf("not finished after 4 minutes: %v (last seen %v); unfinished (first 20): %v %v; lease history %q%s", final, counts, left, err, history, hist.String())
		}
		time.Sleep(250 * time.Millisecond)
	}
	// Give w4 a chance to show up in the lease history if it took
	// partitions only at the end.
	for i := 0; i < 20 && len(ownersSeen["w4"]) == 0; i++ {
		time.Sleep(500 * time.Millisecond)
		record()
	}
	t.Logf("lease history: %q", history)

	// Partitions moved: every partition w2 held went to another worker,
	// and the replacement took some.
	for p, w := range before {
		if w != "w2" {
			continue
		}
		moved := false
		for other, ps := range ownersSeen {
			if other != "w2" && ps[p] {
				moved = true
			}
		}
		if !moved {
			t.Errorf("partition %d held by the killed w2 never moved to another worker", p)
		}
	}
	if len(ownersSeen["w4"]) == 0 {
		t.Errorf("the replacement worker w4 never held a partition")
	}

	for _, w := range []*exec.Cmd{w1, w3, w4} {
		workload.StopWorker(t, w)
	}
	verifyJobs(t, inst, hub, jobs)
}

// verifyJobs checks every job's status, output and history with a client
// on the hub (running an engine so that pending entity signals land).
func verifyJobs(t *testing.T, inst *azurite.Instance, hub string, jobs []workload.Job) {
	t.Helper()
	rt, err := openWorker(context.Background(), inst.ConnectionString(), hub, "verifier")
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(context.Background())
	workload.Verify(t, rt.Client(), jobs)
}

// jsonField extracts a string field from a table row's JSON.
func jsonField(row, name string) string {
	var m map[string]any
	if json.Unmarshal([]byte(row), &m) != nil {
		return ""
	}
	s, _ := m[name].(string)
	return s
}
