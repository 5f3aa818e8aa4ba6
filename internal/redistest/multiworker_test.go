package redistest

import (
	"context"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/redisserver"
	"github.com/godurable/durablefunctions/internal/store/redis"
	"github.com/godurable/durablefunctions/internal/workload"
)

// TestEveryOrchestrationCompletesOnceWhenAWorkerIsKilledAndAnotherJoins
// runs a mixed workload (chains, fan-outs, timers, entities) on three
// worker processes sharing one hub, kills one with SIGKILL mid-run and
// starts a replacement. Every instance must complete once with the right
// output, each shared counter must count each signal once, and the dead
// worker's partitions must move to the others and the newcomer.
func TestEveryOrchestrationCompletesOnceWhenAWorkerIsKilledAndAnotherJoins(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the multi-worker kill test runs four worker processes")
	}
	srv := redisserver.Start(t, redisserver.Options{AppendFsync: "everysec"})
	n := size(200, 500)
	hub, prefix := uniqueHub("mw"), "mw"
	jobs := workload.Mixed(prefix, n, workload.SharedCounters)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	viewer, err := redis.Connect(ctx, redis.Connection{Addrs: []string{srv.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	defer viewer.Close()

	third := n / 3
	w1 := workload.StartWorker(t, srv.Addr(), hub, "w1", workload.Share{Prefix: prefix, N: n, From: 0, To: third})
	w2 := workload.StartWorker(t, srv.Addr(), hub, "w2", workload.Share{Prefix: prefix, N: n, From: third, To: 2 * third})
	w3 := workload.StartWorker(t, srv.Addr(), hub, "w3", workload.Share{Prefix: prefix, N: n, From: 2 * third, To: n})

	seen := map[string]map[int]bool{} // worker → partitions it held at some point
	var owners []string               // distinct lease layouts, for the log
	look := func() *redis.HubView {
		v, err := redis.ReadHub(ctx, viewer, hub)
		if err != nil {
			return nil
		}
		layout := strings.Join(v.Holders, ",")
		if len(owners) == 0 || owners[len(owners)-1] != layout {
			owners = append(owners, layout)
		}
		for p, w := range v.Holders {
			if w != "" {
				if seen[w] == nil {
					seen[w] = map[int]bool{}
				}
				seen[w][p] = true
			}
		}
		return v
	}

	// Kill w2 once the three workers share the partitions and a tenth of
	// the work is done.
	start := time.Now()
	var before *redis.HubView
	for {
		before = look()
		if before != nil && before.Counts[history.StatusCompleted] >= n/10 &&
			holds(before, "w1") > 0 && holds(before, "w2") > 0 && holds(before, "w3") > 0 {
			break
		}
		if time.Since(start) > 90*time.Second {
			t.Fatalf("after 90 s: %+v", before)
		}
		time.Sleep(100 * time.Millisecond)
	}
	workload.KillWorker(t, w2)
	killedAt := time.Now()
	t.Logf("killed w2 holding %d partitions with %d/%d completed after %v", holds(before, "w2"),
		before.Counts[history.StatusCompleted], n, time.Since(start).Round(time.Millisecond))
	w4 := workload.StartWorker(t, srv.Addr(), hub, "w4", workload.Share{Prefix: prefix, N: n, From: third, To: 2 * third})

	for {
		v := look()
		if v != nil && v.Counts[history.StatusCompleted] == n {
			t.Logf("all %d completed %v after the kill (%v in all)", n, time.Since(killedAt).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("not finished after 4 minutes: %+v; lease layouts %q", v, owners)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for i := 0; i < 40 && len(seen["w4"]) == 0; i++ {
		time.Sleep(250 * time.Millisecond)
		look()
	}
	t.Logf("lease layouts: %q", owners)
	for p, w := range before.Holders {
		if w == "w2" && !movedAway(seen, p) {
			t.Errorf("partition %d held by the killed w2 never moved to another worker", p)
		}
	}
	if len(seen["w4"]) == 0 {
		t.Errorf("the replacement worker w4 never held a partition")
	}
	for _, w := range []*exec.Cmd{w1, w3, w4} {
		workload.StopWorker(t, w)
	}
	verify(t, srv.Addr(), hub, jobs)
}

func holds(v *redis.HubView, worker string) int {
	n := 0
	for _, w := range v.Holders {
		if w == worker {
			n++
		}
	}
	return n
}

func movedAway(seen map[string]map[int]bool, p int) bool {
	var others []string
	for w, ps := range seen {
		if w != "w2" && ps[p] {
			others = append(others, w)
		}
	}
	sort.Strings(others)
	return len(others) > 0
}

// verify checks the jobs with a runtime of its own on the hub (so that
// pending entity signals land).
func verify(t *testing.T, addr, hub string, jobs []workload.Job) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rt, err := openWorker(ctx, workerConfig(addr, hub, "verifier"), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(context.Background())
	workload.Verify(t, rt.Client(), jobs)
}
