package redis

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// The benchmarks run on the package's Redis server (no persistence) and
// report the commands Redis ran per operation (INFO commandstats, scripts
// and the commands inside them) as cmds/op.

func benchStore(b *testing.B, partitions int) *Store {
	b.Helper()
	cfg := testConfig(singleNode(b), uniqueHub("bench"), store.SystemClock{})
	cfg.Partitions = partitions
	s := openTest(b, cfg)
	b.Cleanup(func() { _ = s.Close() })
	return s
}

// commands counts the server's commands from the call to the stop func,
// which reports them per operation.
func commands(b *testing.B, s *Store) func(ops int) {
	before, err := CommandStats(context.Background(), s.rdb)
	if err != nil {
		b.Fatal(err)
	}
	return func(ops int) {
		after, err := CommandStats(context.Background(), s.rdb)
		if err != nil || ops == 0 {
			return
		}
		var n int64
		for cmd, v := range after {
			if cmd != "info" {
				n += v - before[cmd]
			}
		}
		b.ReportMetric(float64(n)/float64(ops), "cmds/op")
	}
}

func startEvent(id string) *history.Event {
	return history.NewExecutionStarted(time.Now().UTC(), "Orch", id, id+"-1", `"in"`, nil, nil)
}

// BenchmarkRedisCreateInstance measures CreateInstance from 32 goroutines.
func BenchmarkRedisCreateInstance(b *testing.B) {
	s := benchStore(b, 16)
	ctx := context.Background()
	var n atomic.Int64
	done := commands(b, s)
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := s.CreateInstance(ctx, startEvent(fmt.Sprintf("c%d", n.Add(1))), store.CreateOptions{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	done(b.N)
}

// BenchmarkRedisEpisode measures one fetch → commit episode at a time
// (no pipelining possible): the latency floor of an episode.
func BenchmarkRedisEpisode(b *testing.B) {
	s := benchStore(b, 4)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		if err := s.CreateInstance(ctx, startEvent(fmt.Sprintf("e%d", i)), store.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	done := commands(b, s)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		wi, err := s.NextOrchestrationWorkItem(ctx, store.Orchestrations)
		if err != nil {
			b.Fatal(err)
		}
		if err := commitStep(ctx, s, wi); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	done(b.N)
}

// commitStep commits what an engine would for a one-activity
// orchestration: schedule the activity on the start, complete on its
// result.
func commitStep(ctx context.Context, s store.Store, wi *store.OrchestrationWorkItem) error {
	now := time.Now().UTC()
	row := *wi.Instance
	row.LastUpdatedAt = now
	hist := []*history.Event{history.NewOrchestratorStarted(now)}
	c := &store.OrchestrationCommit{Instance: &row}
	finished := false
	for _, m := range wi.Messages {
		hist = append(hist, m.Event)
		if m.Event.EventType == history.TaskCompleted {
			finished = true
		}
	}
	if finished {
		row.Status, row.Output = history.StatusCompleted, `"out"`
		hist = append(hist, history.NewExecutionCompleted(now, history.StatusCompleted, `"out"`, nil))
	} else {
		row.Status = history.StatusRunning
		sched := history.NewTaskScheduled(now, 0, "Act", `1`)
		hist = append(hist, sched)
		c.Activities = []*history.Event{sched}
	}
	c.NewHistory = append(hist, history.NewOrchestratorCompleted(now))
	return s.CompleteOrchestrationWorkItem(ctx, wi, c)
}

// BenchmarkRedisOneActivityOrchestration runs whole one-activity
// orchestrations through the store the way the engine does, without
// replay: 64 creators, 20 orchestration and 20 activity dispatchers.
// One op is one orchestration; cmds/op is what it costs Redis.
func BenchmarkRedisOneActivityOrchestration(b *testing.B) {
	s := benchStore(b, 16)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var finished atomic.Int64
	all := make(chan struct{})
	var wg sync.WaitGroup
	loop := func(f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if err := f(); err != nil && ctx.Err() == nil {
					b.Error(err)
					cancel()
				}
			}
		}()
	}
	for range 20 {
		loop(func() error {
			wi, err := s.NextOrchestrationWorkItem(ctx, store.Orchestrations)
			if err != nil {
				return err
			}
			last := wi.Instance.Status == history.StatusRunning
			if err := commitStep(ctx, s, wi); err != nil {
				return err
			}
			if last && finished.Add(1) == int64(b.N) {
				close(all)
			}
			return nil
		})
		loop(func() error {
			wi, err := s.NextActivityWorkItem(ctx)
			if err != nil {
				return err
			}
			return s.CompleteActivityWorkItem(ctx, wi, history.NewTaskCompleted(time.Now().UTC(), wi.Event.EventID, `2`))
		})
	}
	done := commands(b, s)
	b.ResetTimer()
	var next atomic.Int64
	var creators sync.WaitGroup
	for range 64 {
		creators.Add(1)
		go func() {
			defer creators.Done()
			for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
				if err := s.CreateInstance(ctx, startEvent(fmt.Sprintf("o%d", i)), store.CreateOptions{}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	creators.Wait()
	select {
	case <-all:
	case <-time.After(5 * time.Minute):
		b.Fatalf("%d of %d orchestrations finished", finished.Load(), b.N)
	}
	b.StopTimer()
	done(b.N)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orch/s")
	cancel()
	wg.Wait()
}

// BenchmarkRedisFanOut runs fan-out orchestrations through the store the
// way the engine does, without replay: one op is one orchestration that
// schedules 200 activities in one commit and takes their results, many
// per episode (the commit's and the fetch's batched commands), with 20
// activity dispatchers. Its cmds/op counts the commands per activity.
func BenchmarkRedisFanOut(b *testing.B) {
	const fan = 200
	s := benchStore(b, 4)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				wi, err := s.NextActivityWorkItem(ctx)
				if err != nil {
					return
				}
				if err := s.CompleteActivityWorkItem(ctx, wi, history.NewTaskCompleted(time.Now().UTC(), wi.Event.EventID, `2`)); err != nil && ctx.Err() == nil {
					b.Error(err)
				}
			}
		}()
	}
	done := commands(b, s)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.CreateInstance(ctx, startEvent(fmt.Sprintf("f%d", i)), store.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		for finished := false; !finished; {
			wi, err := s.NextOrchestrationWorkItem(ctx, store.Orchestrations)
			if err != nil {
				b.Fatal(err)
			}
			if finished, err = fanOutStep(ctx, s, wi, fan); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	done(b.N * fan)
	b.ReportMetric(float64(b.N*fan)/b.Elapsed().Seconds(), "act/s")
	cancel()
	wg.Wait()
}

// fanOutStep commits one episode of a fan-out of n activities: schedule
// them all on the start, append the results as they come, complete once
// all n are in. It reports whether the orchestration completed.
func fanOutStep(ctx context.Context, s store.Store, wi *store.OrchestrationWorkItem, n int) (bool, error) {
	now := time.Now().UTC()
	row := *wi.Instance
	row.LastUpdatedAt = now
	hist := []*history.Event{history.NewOrchestratorStarted(now)}
	c := &store.OrchestrationCommit{Instance: &row}
	results := 0
	for _, e := range wi.History {
		if e.EventType == history.TaskCompleted {
			results++
		}
	}
	for _, m := range wi.Messages {
		hist = append(hist, m.Event)
		if m.Event.EventType == history.TaskCompleted {
			results++
		}
	}
	finished := results == n
	switch {
	case wi.Instance.Status == history.StatusPending:
		row.Status = history.StatusRunning
		for i := range n {
			sched := history.NewTaskScheduled(now, i, "Act", `1`)
			hist = append(hist, sched)
			c.Activities = append(c.Activities, sched)
		}
	case finished:
		row.Status, row.Output = history.StatusCompleted, `"out"`
		hist = append(hist, history.NewExecutionCompleted(now, history.StatusCompleted, `"out"`, nil))
	}
	c.NewHistory = append(hist, history.NewOrchestratorCompleted(now))
	return finished, s.CompleteOrchestrationWorkItem(ctx, wi, c)
}
