package redistest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/redisserver"
	"github.com/godurable/durablefunctions/internal/store/redis"
	"github.com/godurable/durablefunctions/internal/workload"
)

// TestNothingAcknowledgedIsLostWhenRedisIsKilledAndRestarted runs two
// workers on a Redis with appendfsync always, kills Redis with SIGKILL
// while orchestrations, activities, timers and entity calls are in
// flight, keeps it down longer than a partition lease, and starts it
// again on the same data. Every start and every event the store
// acknowledged before the kill must be there afterwards, every instance
// must finish with the right output, and no instance may stay locked.
func TestNothingAcknowledgedIsLostWhenRedisIsKilledAndRestarted(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the Redis restart test takes about half a minute")
	}
	srv := redisserver.Start(t, redisserver.Options{AppendFsync: "always"})
	hub := uniqueHub("rs")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var workers []*durable.Runtime
	for _, w := range []string{"w1", "w2"} {
		rt, err := openWorker(ctx, workerConfig(srv.Addr(), hub, w), 20*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		workers = append(workers, rt)
	}
	c := workers[0].Client()

	n := size(150, 400)
	jobs := workload.Mixed("rs", n, workload.SharedCounters)
	approvals := make([]workload.Job, n/5)
	for i := range approvals {
		approvals[i] = workload.Job{ID: fmt.Sprintf("rs-approval-%03d", i), Name: "Approval", Want: `"approved:` + strconv.Itoa(i) + `"`}
	}
	before, after := jobs[:n/2], jobs[n/2:]
	for _, j := range append(append([]workload.Job{}, before...), approvals...) {
		if _, err := c.StartNew(ctx, j.Name, j.Input, durable.WithInstanceID(j.ID)); err != nil {
			t.Fatalf("start %s: %v", j.ID, err)
		}
	}
	for i, a := range approvals {
		if err := c.RaiseEvent(ctx, a.ID, "Answer", strconv.Itoa(i)); err != nil {
			t.Fatalf("raise %s: %v", a.ID, err)
		}
	}

	// Kill Redis while the first half runs; a client keeps trying to
	// start the second half through the outage, and only the starts
	// acknowledged count.
	if !waitCompleted(t, ctx, srv.Addr(), hub, n/10) {
		t.FailNow()
	}
	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	var acked []workload.Job
	var mu sync.Mutex
	starter := make(chan struct{})
	go func() {
		defer close(starter)
		for _, j := range after {
			for ctx.Err() == nil {
				sctx, scancel := context.WithTimeout(ctx, 2*time.Second)
				_, err := c.StartNew(sctx, j.Name, j.Input, durable.WithInstanceID(j.ID))
				scancel()
				if err == nil || errors.Is(err, durable.ErrInstanceExists) {
					mu.Lock()
					acked = append(acked, j)
					mu.Unlock()
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
	}()
	time.Sleep(6 * time.Second) // longer than the 4 s leases
	if err := srv.StartAgain(); err != nil {
		t.Fatal(err)
	}
	t.Logf("Redis was down for %v", time.Since(killed).Round(time.Millisecond))
	<-starter
	all := append(append(append([]workload.Job{}, before...), approvals...), acked...)
	if !waitCompleted(t, ctx, srv.Addr(), hub, len(all)) {
		describeUnfinished(t, c, srv.Addr(), hub)
		t.FailNow()
	}
	t.Logf("all %d instances completed %v after Redis restarted", len(all), time.Since(killed).Round(time.Millisecond))
	for _, rt := range workers[1:] {
		_ = rt.Close(context.Background())
	}
	workload.Verify(t, c, all)
	noLocks(t, srv.Addr(), hub)
	_ = workers[0].Close(context.Background())
}

// waitCompleted waits until at least want orchestrations of hub are
// Completed, or reports why not.
func waitCompleted(t *testing.T, ctx context.Context, addr, hub string, want int) bool {
	t.Helper()
	var last *redis.HubView
	for ctx.Err() == nil {
		if v, err := readHub(ctx, addr, hub); err == nil {
			last = v
			if v.Counts[history.StatusCompleted] >= want {
				return true
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("fewer than %d orchestrations completed in time: %+v", want, last)
	return false
}

// describeUnfinished logs what the hub holds for unfinished instances.
func describeUnfinished(t *testing.T, c *durable.Client, addr, hub string) {
	ctx := context.Background()
	rc, err := redis.Connect(ctx, redis.Connection{Addrs: []string{addr}})
	if err != nil {
		return
	}
	defer rc.Close()
	page, err := c.ListInstances(ctx, durable.Query{Statuses: []durable.RuntimeStatus{durable.StatusRunning, durable.StatusPending}})
	if err != nil {
		t.Logf("list: %v", err)
		return
	}
	for i, st := range page.Instances {
		if i == 5 {
			break
		}
		t.Log(redis.DescribeInstance(ctx, rc, hub, st.InstanceID))
	}
}

func readHub(ctx context.Context, addr, hub string) (*redis.HubView, error) {
	c, err := redis.Connect(ctx, redis.Connection{Addrs: []string{addr}})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return redis.ReadHub(ctx, c, hub)
}

// noLocks checks that no instance of hub is left locked.
func noLocks(t *testing.T, addr, hub string) {
	t.Helper()
	ctx := context.Background()
	c, err := redis.Connect(ctx, redis.Connection{Addrs: []string{addr}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	locked, err := redis.LockedInstances(ctx, c, hub)
	if err != nil {
		t.Fatal(err)
	}
	if len(locked) > 0 {
		t.Errorf("instances still locked after the run: %v", locked)
	}
}
