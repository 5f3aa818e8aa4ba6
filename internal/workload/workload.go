// Package workload is the mixed workload that the multi-process tests run
// on the stores that share a task hub between processes (Azure Storage in
// internal/azuretest, Redis in internal/redistest): chains, fan-outs,
// durable timers and entity calls and signals, with the output each must
// reach, and the checks that every instance finished exactly once.
//
//	reg := workload.Registry(0)
//	jobs := workload.Mixed("mw", 500, workload.SharedCounters)
//	for _, j := range jobs {
//		_ = workload.StartOnce(ctx, client, j)
//	}
//	...
//	workload.Verify(t, client, jobs) // outputs, histories, shared counters
//
// worker.go runs the test binary again as worker processes that a test can
// kill with SIGKILL.
package workload

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/history"
)

// Entity is the name of the workload's counter entity.
const Entity = "Counter"

// SharedCounters is how many shared counters the worker processes' jobs
// signal.
const SharedCounters = 10

// Counter is the workload's entity.
type Counter struct{ N int }

// Add adds n and returns the new value.
func (c *Counter) Add(n int) int { c.N += n; return c.N }

// Get returns the value.
func (c *Counter) Get() int { return c.N }

// Registry holds the workload's activities (Inc, Square: each sleeps delay
// first, so that work is in flight when a worker or the store dies), the
// Counter entity and the orchestrators:
//
//   - Chain: input n; calls Inc n times on a running value from 0: output n.
//   - FanOut: input n; squares 1..n in parallel: output the sum of squares.
//   - Timers: input {Timers, Ms}; waits Timers durable timers of Ms each, an
//     Inc after each: output "fired=<Timers>".
//   - Entity: input a shared counter key; signals that counter Add 1, calls
//     its own counter (key own-<instance id>) Add 2 and Add 3 and reads it:
//     output 5.
//   - Approval: waits for the event Answer: output "approved:<answer>".
func Registry(delay time.Duration) *durable.Registry {
	slow := func() {
		if delay > 0 {
			time.Sleep(delay)
		}
	}
	reg := durable.NewRegistry()
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	must(reg.AddActivity("Inc", durable.ActivityOf(func(_ context.Context, n int) (int, error) { slow(); return n + 1, nil })))
	must(reg.AddActivity("Square", durable.ActivityOf(func(_ context.Context, n int) (int, error) { slow(); return n * n, nil })))
	must(reg.AddEntity(Entity, durable.EntityOf[Counter]()))
	must(reg.AddOrchestrator("Chain", chain))
	must(reg.AddOrchestrator("FanOut", fanOut))
	must(reg.AddOrchestrator("Timers", timers))
	must(reg.AddOrchestrator("Entity", entity))
	must(reg.AddOrchestrator("Approval", func(ctx *durable.OrchestrationContext) (any, error) {
		var answer string
		if err := ctx.WaitForExternalEvent("Answer").Await(&answer); err != nil {
			return nil, err
		}
		return "approved:" + answer, nil
	}))
	return reg
}

func chain(ctx *durable.OrchestrationContext) (any, error) {
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
}

func fanOut(ctx *durable.OrchestrationContext) (any, error) {
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
}

func timers(ctx *durable.OrchestrationContext) (any, error) {
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
}

func entity(ctx *durable.OrchestrationContext) (any, error) {
	var shared string
	if err := ctx.GetInput(&shared); err != nil {
		return nil, err
	}
	if err := ctx.SignalEntity(durable.NewEntityID(Entity, shared), "Add", 1); err != nil {
		return nil, err
	}
	own := durable.NewEntityID(Entity, "own-"+ctx.InstanceID())
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
}

// Job is one orchestration of a workload and its expected output (JSON).
type Job struct {
	ID, Name string
	Input    any
	Want     string
}

// SumSquares is 1² + 2² + ... + n², FanOut's output for n.
func SumSquares(n int) int { return n * (n + 1) * (2*n + 1) / 6 }

// Mixed returns n jobs with ids prefix-NNN-kind: 40% chains of 3–5
// activities, 20% fan-outs of 10–20, 20% one or two durable timers of
// 1–2.5 s, 20% entity orchestrations signalling one of shared counters.
func Mixed(prefix string, n, shared int) []Job {
	jobs := make([]Job, 0, n)
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("%s-%03d", prefix, i)
		switch i % 5 {
		case 0, 1:
			k := 3 + i%3
			jobs = append(jobs, Job{id + "-chain", "Chain", k, strconv.Itoa(k)})
		case 2:
			k := 10 + i%11
			jobs = append(jobs, Job{id + "-fan", "FanOut", k, strconv.Itoa(SumSquares(k))})
		case 3:
			k := 1 + i%2
			jobs = append(jobs, Job{id + "-timer", "Timers", map[string]int{"Timers": k, "Ms": 1000 + 500*(i%3)}, fmt.Sprintf(`"fired=%d"`, k)})
		case 4:
			jobs = append(jobs, Job{id + "-entity", "Entity", fmt.Sprintf("shared-%d", i%shared), "5"})
		}
	}
	return jobs
}

// ExpectedShared is how many signals each shared counter gets from jobs.
func ExpectedShared(jobs []Job) map[string]int {
	m := map[string]int{}
	for _, j := range jobs {
		if j.Name == "Entity" {
			m[j.Input.(string)]++
		}
	}
	return m
}

// StartOnce starts a job unless its instance exists in any status: a
// replacement worker re-starts the dead worker's share, and starting a
// finished id again would replace it with a new execution.
func StartOnce(ctx context.Context, c *durable.Client, j Job) error {
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

// Verify checks every job's status, output and history (NoDuplicates),
// and that each shared counter counted each signal exactly once. c's
// runtime should be running, so that pending signals land.
func Verify(t testing.TB, c *durable.Client, jobs []Job) {
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
		case !NoDuplicates(t, j.ID, st.History):
			bad++
		}
		if bad > 20 {
			t.Fatal("too many failures")
		}
	}
	for key, want := range ExpectedShared(jobs) {
		id := durable.NewEntityID(Entity, key)
		var got Counter
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			if md, err := c.ReadEntityState(ctx, id); err == nil && md != nil {
				_ = json.Unmarshal(md.State, &got)
			}
			if got.N >= want || time.Now().After(deadline) {
				break
			}
		}
		if got.N != want {
			t.Errorf("counter %s = %d, want %d (signals lost or applied twice)", key, got.N, want)
		}
	}
}

// NoDuplicates reports (and reports to t) whether a history schedules each
// sequence number once, completes each task and timer once, and starts and
// ends once.
func NoDuplicates(t testing.TB, id string, h []*history.Event) bool {
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
				b, _ := json.Marshal(e)
				t.Errorf("%s: task %d completed twice (%s)", id, done, b)
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
