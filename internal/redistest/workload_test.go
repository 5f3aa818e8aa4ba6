package redistest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/history"
)

func logger() *slog.Logger {
	if os.Getenv("REDISTEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// activityDelay keeps activities in flight when a worker or Redis dies.
var activityDelay time.Duration

// tally is the workload's entity.
type tally struct{ N int }

func (c *tally) Add(n int) int { c.N += n; return c.N }
func (c *tally) Get() int      { return c.N }

func slow() {
	if activityDelay > 0 {
		time.Sleep(activityDelay)
	}
}

// registry holds the workload's orchestrators, activities and entity.
func registry() *durable.Registry {
	reg := durable.NewRegistry()
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	must(reg.AddActivity("Inc", durable.ActivityOf(func(_ context.Context, n int) (int, error) { slow(); return n + 1, nil })))
	must(reg.AddActivity("Square", durable.ActivityOf(func(_ context.Context, n int) (int, error) { slow(); return n * n, nil })))
	must(reg.AddEntity("Tally", durable.EntityOf[tally]()))
	must(reg.AddOrchestrator("Chain", func(ctx *durable.OrchestrationContext) (any, error) {
		var n, v int
		if err := ctx.GetInput(&n); err != nil {
			return nil, err
		}
		for i := 0; i < n; i++ {
			if err := ctx.CallActivity("Inc", v).Await(&v); err != nil {
				return nil, err
			}
		}
		return v, nil
	}))
	must(reg.AddOrchestrator("FanOut", func(ctx *durable.OrchestrationContext) (any, error) {
		var n int
		if err := ctx.GetInput(&n); err != nil {
			return nil, err
		}
		tasks := make([]durable.Task, n)
		for i := range tasks {
			tasks[i] = ctx.CallActivity("Square", i+1)
		}
		var sq []int
		if err := ctx.WhenAll(tasks...).Await(&sq); err != nil {
			return nil, err
		}
		sum := 0
		for _, v := range sq {
			sum += v
		}
		return sum, nil
	}))
	must(reg.AddOrchestrator("Timers", func(ctx *durable.OrchestrationContext) (any, error) {
		var in struct{ Timers, Ms int }
		if err := ctx.GetInput(&in); err != nil {
			return nil, err
		}
		fired := 0
		for i := 0; i < in.Timers; i++ {
			if err := ctx.CreateTimer(ctx.CurrentUTCDateTime().Add(time.Duration(in.Ms) * time.Millisecond)).Await(nil); err != nil {
				return nil, err
			}
			if err := ctx.CallActivity("Inc", fired).Await(&fired); err != nil {
				return nil, err
			}
		}
		return "fired=" + strconv.Itoa(fired), nil
	}))
	// Entity signals a shared tally once and calls its own tally.
	must(reg.AddOrchestrator("Entity", func(ctx *durable.OrchestrationContext) (any, error) {
		var shared string
		if err := ctx.GetInput(&shared); err != nil {
			return nil, err
		}
		if err := ctx.SignalEntity(durable.NewEntityID("Tally", shared), "Add", 1); err != nil {
			return nil, err
		}
		own := durable.NewEntityID("Tally", "own-"+ctx.InstanceID())
		for _, n := range []int{2, 3} {
			if err := ctx.CallEntity(own, "Add", n).Await(nil); err != nil {
				return nil, err
			}
		}
		var v int
		if err := ctx.CallEntity(own, "Get", nil).Await(&v); err != nil {
			return nil, err
		}
		return v, nil
	}))
	// Approval waits for an event and returns its payload.
	must(reg.AddOrchestrator("Approval", func(ctx *durable.OrchestrationContext) (any, error) {
		var answer string
		if err := ctx.WaitForExternalEvent("Answer").Await(&answer); err != nil {
			return nil, err
		}
		return "approved:" + answer, nil
	}))
	return reg
}

// job is one orchestration and its expected output (JSON).
type job struct {
	ID, Name string
	Input    any
	Want     string
}

func sumSquares(n int) int { return n * (n + 1) * (2*n + 1) / 6 }

// mixedWorkload returns n jobs: 40% chains of 3–5 activities, 20% fan-outs
// of 10–20, 20% one or two durable timers of 1–2 s, 20% entity calls and
// a signal to one of shared tallies.
func mixedWorkload(prefix string, n, shared int) []job {
	jobs := make([]job, 0, n)
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("%s-%03d", prefix, i)
		switch i % 5 {
		case 0, 1:
			k := 3 + i%3
			jobs = append(jobs, job{id + "-chain", "Chain", k, strconv.Itoa(k)})
		case 2:
			k := 10 + i%11
			jobs = append(jobs, job{id + "-fan", "FanOut", k, strconv.Itoa(sumSquares(k))})
		case 3:
			k := 1 + i%2
			jobs = append(jobs, job{id + "-timer", "Timers", map[string]int{"Timers": k, "Ms": 1000 + 500*(i%3)}, fmt.Sprintf(`"fired=%d"`, k)})
		case 4:
			jobs = append(jobs, job{id + "-entity", "Entity", fmt.Sprintf("shared-%d", i%shared), "5"})
		}
	}
	return jobs
}

// expectedShared is how many signals each shared tally gets.
func expectedShared(jobs []job) map[string]int {
	m := map[string]int{}
	for _, j := range jobs {
		if j.Name == "Entity" {
			m[j.Input.(string)]++
		}
	}
	return m
}

// startOnce starts a job unless its instance exists in any status: a
// replacement worker re-starts the dead worker's share.
func startOnce(ctx context.Context, c *durable.Client, j job) error {
	if _, err := c.GetStatus(ctx, j.ID); err == nil {
		return nil
	} else if !errors.Is(err, durable.ErrInstanceNotFound) {
		return err
	}
	if _, err := c.StartNew(ctx, j.Name, j.Input, durable.WithInstanceID(j.ID)); err != nil && !errors.Is(err, durable.ErrInstanceExists) {
		return err
	}
	return nil
}

// verifyJobs checks every job's status, output and history, and that each
// shared tally counted each signal once.
func verifyJobs(t *testing.T, c *durable.Client, jobs []job) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bad := 0
	for _, j := range jobs {
		st, err := c.GetStatus(ctx, j.ID, durable.WithHistory())
		switch {
		case err != nil:
			t.Errorf("%s: %v", j.ID, err)
			bad++
		case st.RuntimeStatus != durable.StatusCompleted || string(st.Output) != j.Want:
			t.Errorf("%s: %v %s (%v), want Completed %s", j.ID, st.RuntimeStatus, st.Output, st.Failure, j.Want)
			bad++
		case !noDuplicates(t, j.ID, st.History):
			bad++
		}
		if bad > 20 {
			t.Fatal("too many failures")
		}
	}
	for key, want := range expectedShared(jobs) {
		id := durable.NewEntityID("Tally", key)
		var got tally
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			if md, err := c.ReadEntityState(ctx, id); err == nil && md != nil {
				_ = json.Unmarshal(md.State, &got)
			}
			if got.N >= want || time.Now().After(deadline) {
				break
			}
		}
		if got.N != want {
			t.Errorf("tally %s = %d, want %d (signals lost or applied twice)", key, got.N, want)
		}
	}
}

// noDuplicates reports whether a history schedules and completes each
// task once and starts and ends once.
func noDuplicates(t *testing.T, id string, h []*history.Event) bool {
	t.Helper()
	ok := true
	scheduled, completed := map[int]bool{}, map[int]bool{}
	counts := map[history.EventType]int{}
	for _, e := range h {
		counts[e.EventType]++
		if e.EventType.IsScheduling() {
			if scheduled[e.EventID] {
				t.Errorf("%s: sequence number %d scheduled twice", id, e.EventID)
				ok = false
			}
			scheduled[e.EventID] = true
		}
		done := -1
		switch e.EventType {
		case history.TaskCompleted, history.TaskFailed:
			done = e.TaskScheduledID
		case history.TimerFired:
			done = e.TimerID
		}
		if done >= 0 {
			if completed[done] {
				t.Errorf("%s: task %d completed twice", id, done)
				ok = false
			}
			completed[done] = true
		}
	}
	if counts[history.ExecutionStarted] != 1 || counts[history.ExecutionCompleted] != 1 {
		t.Errorf("%s: %d ExecutionStarted and %d ExecutionCompleted events, want 1 each", id, counts[history.ExecutionStarted], counts[history.ExecutionCompleted])
		ok = false
	}
	return ok
}
