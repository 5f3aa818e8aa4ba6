package azuretest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/azurite"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/workload"
)

// TestAzuriteOutage stops Azurite for 10 s while 50 orchestrations (chains
// with timers), 10 chains and 10 fan-outs are running, then restarts it on
// the same ports with the same data: the engine reconnects, gives back the
// work items whose commits failed, and everything completes with the right
// output, no event twice.
func TestAzuriteOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the outage test takes about 30 s")
	}
	// A private Azurite: stopping the shared one would disturb other tests.
	inst := azurite.Start(t)

	hub := uniqueHub("fault")
	s := openStore(t, storeConfig(inst.ConnectionString(), hub, "solo"))
	rt := durable.NewRuntime(workload.Registry(0), store.NewHandle(s), durable.WithMaxTimerInterval(6*24*time.Hour, 3*24*time.Hour), durable.WithLogger(logger()))
	rt.Start()
	defer rt.Close(context.Background())
	c := rt.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	// Quick chains and fan-outs first, then 50 jobs of two timers (1 s to
	// 3 s each, the longer the later) with an activity after each.
	var jobs []workload.Job
	for i := 0; i < 10; i++ {
		jobs = append(jobs, workload.Job{ID: fmt.Sprintf("chain-%02d", i), Name: "Chain", Input: 5, Want: "5"})
		jobs = append(jobs, workload.Job{ID: fmt.Sprintf("fan-%02d", i), Name: "FanOut", Input: 20, Want: fmt.Sprint(workload.SumSquares(20))})
	}
	for i := 0; i < 50; i++ {
		jobs = append(jobs, workload.Job{ID: fmt.Sprintf("timer-%02d", i), Name: "Timers", Input: map[string]int{"Timers": 2, "Ms": 1000 + 40*i}, Want: `"fired=2"`})
	}
	for _, j := range jobs {
		if _, err := c.StartNew(ctx, j.Name, j.Input, durable.WithInstanceID(j.ID)); err != nil {
			t.Fatal(err)
		}
	}
	// Stop once the shortest timer job has finished: the others are then
	// firing timers, running activities and committing, however fast or
	// slow the machine.
	if _, err := c.WaitForCompletion(ctx, "timer-00"); err != nil {
		t.Fatal(err)
	}
	view := newHubView(t, inst, hub)
	counts, _ := view.statusCounts(ctx)
	t.Logf("stopping Azurite; statuses %v", counts)
	if counts["Completed"] == len(jobs) {
		t.Fatal("everything finished before the outage: make the work longer")
	}
	if err := inst.Stop(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Second)
	if err := inst.Restart(); err != nil {
		t.Fatalf("restart Azurite: %v", err)
	}
	restarted := time.Now()
	t.Log("Azurite restarted")

	for _, j := range jobs {
		st, err := c.WaitForCompletion(ctx, j.ID)
		if err != nil {
			counts, _ := view.statusCounts(context.Background())
			t.Fatalf("%s after the restart: %v (statuses %v)\nits history:\n%s", j.ID, err, counts, view.historyOf(context.Background(), j.ID))
		}
		if st.RuntimeStatus != durable.StatusCompleted || string(st.Output) != j.Want {
			t.Errorf("%s: %v %s (%v), want Completed %s", j.ID, st.RuntimeStatus, st.Output, st.Failure, j.Want)
		}
	}
	t.Logf("all %d completed %v after the restart", len(jobs), time.Since(restarted).Round(time.Millisecond))
	for _, j := range jobs {
		st, err := c.GetStatus(ctx, j.ID, durable.WithHistory())
		if err != nil {
			t.Fatal(err)
		}
		workload.NoDuplicates(t, j.ID, st.History)
	}
}
