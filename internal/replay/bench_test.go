package replay

import (
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
)

// The benchmarks measure the replay core alone: the history is built and
// decoded once, outside the timer, and each iteration replays it from
// scratch as a worker would after loading it from a store.

const (
	benchSequentialSteps = 5000
	benchFanOutWidth     = 1000
)

// sequentialHistory is a finished chain of steps: after the start, each
// step is TaskScheduled, OrchestratorStarted, TaskCompleted.
func sequentialHistory(steps int) []*history.Event {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	h := []*history.Event{history.NewOrchestratorStarted(t0), history.NewExecutionStarted(t0, "Chain", "bench", "e1", "", nil, nil)}
	for i := range steps {
		ts := t0.Add(time.Duration(i+1) * time.Second)
		h = append(h,
			history.NewTaskScheduled(ts, i, "Step", strconv.Itoa(i)),
			history.NewOrchestratorStarted(ts),
			history.NewTaskCompleted(ts, i, strconv.Quote("done "+strconv.Itoa(i))))
	}
	return h
}

func chainOrchestrator(steps int) Orchestrator {
	return func(c *Context) (any, error) {
		var last string
		for i := range steps {
			var s string
			if err := c.CallActivity("Step", i, nil).Await(&s); err != nil {
				return nil, err
			}
			last = s
		}
		return last, nil
	}
}

// fanOutHistory schedules width activities in one episode; all their results
// arrive in the next.
func fanOutHistory(width int) []*history.Event {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	h := []*history.Event{history.NewOrchestratorStarted(t0), history.NewExecutionStarted(t0, "FanOut", "bench", "e1", "", nil, nil)}
	for i := range width {
		h = append(h, history.NewTaskScheduled(t0, i, "Square", strconv.Itoa(i)))
	}
	t1 := t0.Add(time.Second)
	h = append(h, history.NewOrchestratorCompleted(t0), history.NewOrchestratorStarted(t1))
	for i := range width {
		h = append(h, history.NewTaskCompleted(t1, i, strconv.Itoa(i*i)))
	}
	return h
}

func fanOutOrchestrator(width int) Orchestrator {
	return func(c *Context) (any, error) {
		tasks := make([]*Task, width)
		for i := range tasks {
			tasks[i] = c.CallActivity("Square", i, nil)
		}
		if err := c.WhenAll(tasks).Await(nil); err != nil {
			return nil, err
		}
		sum := 0
		for _, t := range tasks {
			var n int
			if err := t.Await(&n); err != nil {
				return nil, err
			}
			sum += n
		}
		return sum, nil
	}
}

func benchmarkReplay(b *testing.B, fn Orchestrator, h []*history.Event, steps int, want string) {
	b.ReportAllocs()
	ep := Episode{InstanceID: "bench", Past: h}
	if r := Execute(fn, ep, Options{}); !r.Done || r.Output != want || len(r.Actions) != 0 {
		b.Fatalf("replay gave done=%v output=%s actions=%d failure=%v", r.Done, r.Output, len(r.Actions), r.Failure)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for b.Loop() {
		Execute(fn, ep, Options{})
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	n := float64(b.N) * float64(steps)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/step")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/n, "allocs/step")
}

// BenchmarkReplaySequential5000 replays a 5,000-step activity chain.
func BenchmarkReplaySequential5000(b *testing.B) {
	benchmarkReplay(b, chainOrchestrator(benchSequentialSteps), sequentialHistory(benchSequentialSteps),
		benchSequentialSteps, strconv.Quote("done "+strconv.Itoa(benchSequentialSteps-1)))
}

// BenchmarkReplayFanOut1000 replays a 1,000-way fan-out whose results all
// arrive in one episode.
func BenchmarkReplayFanOut1000(b *testing.B) {
	want := 0
	for i := range benchFanOutWidth {
		want += i * i
	}
	benchmarkReplay(b, fanOutOrchestrator(benchFanOutWidth), fanOutHistory(benchFanOutWidth), benchFanOutWidth, strconv.Itoa(want))
}
