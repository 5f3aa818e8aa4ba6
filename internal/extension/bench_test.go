//go:build unix

package extension_test

import (
	"context"
	"strconv"
	"syscall"
	"testing"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/extension"
	pb "github.com/godurable/durablefunctions/internal/protos"
)

// One orchestrator invocation over a 100-activity history: decode the
// request, replay every step, encode the response (the last activity's
// completion lets the code finish).
func BenchmarkOrchestratorInvocationWith100Activities(b *testing.B) {
	reg := durable.NewRegistry()
	_ = reg.AddOrchestrator("Seq", func(ctx *durable.OrchestrationContext) (any, error) {
		sum := 0
		for i := range 100 {
			var v int
			if err := ctx.CallActivity("Inc", i).Await(&v); err != nil {
				return nil, err
			}
			sum += v
		}
		return sum, nil
	})
	past := []*pb.HistoryEvent{orchStarted(t0), started("Seq", "b", "", t0)}
	for i := range 100 {
		s := ev(int32(i), t0)
		s.EventType = &pb.HistoryEvent_TaskScheduled{TaskScheduled: &pb.TaskScheduledEvent{Name: "Inc", Input: sv(strconv.Itoa(i))}}
		done := ev(-1, t0)
		done.EventType = &pb.HistoryEvent_TaskCompleted{TaskCompleted: &pb.TaskCompletedEvent{TaskScheduledId: int32(i), Result: sv(strconv.Itoa(i + 1))}}
		past = append(past, s, orchStarted(t0), done)
	}
	news := past[len(past)-2:]
	past = past[:len(past)-2]
	raw, _ := marshal(&pb.OrchestratorRequest{InstanceId: "b", PastEvents: past, NewEvents: news})
	events := len(past) + len(news)
	x := extension.NewExecutor(reg, extension.Options{})
	ctx := context.Background()
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		resp := x.Orchestrate(ctx, raw)
		if _, err := marshal(resp); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(events), "ns/event")
	// CPU time is steadier than wall time on a shared machine.
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/float64(events), "cpu-ns/event")
	resp := x.Orchestrate(ctx, raw)
	if c := resp.GetActions()[0].GetCompleteOrchestration(); c.GetResult().GetValue() != "5050" {
		b.Fatalf("the replay did not finish: %v", resp)
	}
}

func cpuTime() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}
