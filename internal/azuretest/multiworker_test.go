package azuretest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/azurite"
	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/azurestorage"
)

// Child processes: the test binary re-executed with these variables.
const (
	childEnv     = "DURABLE_AZTEST_CHILD" // worker id
	childConnEnv = "DURABLE_AZTEST_CONN"
	childHubEnv  = "DURABLE_AZTEST_HUB"
	childJobsEnv = "DURABLE_AZTEST_JOBS" // "prefix:n:from:to": start jobs[from:to] of mixedWorkload(prefix, n)
)

const sharedCounters = 10

// child runs one engine worker until SIGTERM (graceful) or SIGKILL.
func child() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	worker := os.Getenv(childEnv)
	activityDelay = 20 * time.Millisecond // keep activities in flight when a worker dies
	s, err := openStoreErr(storeConfig(os.Getenv(childConnEnv), os.Getenv(childHubEnv), worker))
	if err != nil {
		fmt.Fprintln(os.Stderr, worker, "open:", err)
		return 1
	}
	rt := durable.NewRuntime(registry(), store.NewHandle(s), durable.WithMaxTimerInterval(6*24*time.Hour, 3*24*time.Hour), durable.WithLogger(logger()))
	rt.Start()
	if spec := os.Getenv(childJobsEnv); spec != "" {
		var prefix string
		var n, from, to int
		parts := strings.Split(spec, ":")
		prefix = parts[0]
		n, _ = strconv.Atoi(parts[1])
		from, _ = strconv.Atoi(parts[2])
		to, _ = strconv.Atoi(parts[3])
		c := rt.Client()
		for _, j := range mixedWorkload(prefix, n, sharedCounters)[from:to] {
			if err := startOnce(ctx, c, j); err != nil {
				fmt.Fprintln(os.Stderr, worker, "start:", j.ID, err)
				return 1
			}
		}
	}
	<-ctx.Done()
	cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := rt.Close(cctx); err != nil {
		fmt.Fprintln(os.Stderr, worker, "close:", err)
	}
	return 0
}

// startOnce starts a job unless its instance exists in any status: a
// replacement worker re-starts the dead worker's share, and starting a
// finished id again would replace it with a new execution.
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

func startWorker(t *testing.T, inst *azurite.Instance, hub, worker, jobs string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+worker, childConnEnv+"="+inst.ConnectionString(), childHubEnv+"="+hub, childJobsEnv+"="+jobs)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd
}

func stopWorker(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("worker exited with %v", err)
		}
	case <-time.After(40 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Errorf("worker did not stop within 40 s of SIGTERM")
	}
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
	jobs := mixedWorkload(prefix, n, sharedCounters)
	view := newHubView(t, inst, hub)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	// The first worker creates the hub; the others join a moment later.
	third := n / 3
	w1 := startWorker(t, inst, hub, "w1", fmt.Sprintf("%s:%d:%d:%d", prefix, n, 0, third))
	time.Sleep(2 * time.Second)
	w2 := startWorker(t, inst, hub, "w2", fmt.Sprintf("%s:%d:%d:%d", prefix, n, third, 2*third))
	w3 := startWorker(t, inst, hub, "w3", fmt.Sprintf("%s:%d:%d:%d", prefix, n, 2*third, n))

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
	if err := w2.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = w2.Wait()
	killedAt := time.Now()
	doneAtKill, _ := completed()
	t.Logf("killed w2 with %d/%d completed", doneAtKill, n)
	// The replacement also starts whatever part of w2's share w2 did not.
	w4 := startWorker(t, inst, hub, "w4", fmt.Sprintf("%s:%d:%d:%d", prefix, n, third, 2*third))

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
		stopWorker(t, w)
	}
	verifyJobs(t, inst, hub, jobs)
}

// verifyJobs checks every job's status, output and history with a client
// on the hub (running an engine so that pending entity signals land).
func verifyJobs(t *testing.T, inst *azurite.Instance, hub string, jobs []job) {
	t.Helper()
	s := openStore(t, storeConfig(inst.ConnectionString(), hub, "verifier"))
	rt := durable.NewRuntime(registry(), store.NewHandle(s), durable.WithMaxTimerInterval(6*24*time.Hour, 3*24*time.Hour), durable.WithLogger(logger()))
	rt.Start()
	defer rt.Close(context.Background())
	c := rt.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bad := 0
	for _, j := range jobs {
		st, err := c.GetStatus(ctx, j.ID, durable.WithHistory())
		if err != nil {
			t.Errorf("%s: %v", j.ID, err)
			bad++
			continue
		}
		if st.RuntimeStatus != durable.StatusCompleted || string(st.Output) != j.Want {
			t.Errorf("%s: %v %s (%v), want Completed %s", j.ID, st.RuntimeStatus, st.Output, st.Failure, j.Want)
			bad++
		}
		if !checkNoDuplicates(t, j.ID, st.History) {
			bad++
		}
		if bad > 20 {
			t.Fatal("too many failures")
		}
	}
	// Each shared counter counted each signal exactly once.
	for key, want := range expectedShared(jobs) {
		id := durable.NewEntityID("Counter", key)
		var got counter
		deadline := time.Now().Add(30 * time.Second)
		for {
			md, err := c.ReadEntityState(ctx, id)
			if err == nil && md != nil {
				_ = json.Unmarshal(md.State, &got)
			}
			if got.N >= want || time.Now().After(deadline) {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if got.N != want {
			t.Errorf("counter %s = %d, want %d (signals lost or applied twice)", key, got.N, want)
		}
	}
}

// checkNoDuplicates reports whether a history schedules each sequence
// number once, completes each task once, and starts and ends once.
func checkNoDuplicates(t *testing.T, id string, h []*history.Event) bool {
	t.Helper()
	ok := true
	scheduled := map[int]bool{}
	completed := map[int]bool{}
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

// jsonField extracts a string field from a table row's JSON.
func jsonField(row, name string) string {
	var m map[string]any
	if json.Unmarshal([]byte(row), &m) != nil {
		return ""
	}
	s, _ := m[name].(string)
	return s
}
