package replay

import (
	"runtime"
	"strconv"
	"testing"

	"github.com/godurable/durablefunctions/internal/history"
)

const benchChainActivities = 2000

// BenchmarkChainEpisodes runs a 2,000-activity chain episode by episode, as
// an engine does, and reports the replay core's cost per episode: replaying
// the whole history every episode (full-replay, which grows with the
// history) against resuming the parked code (extended-session).
func BenchmarkChainEpisodes(b *testing.B) {
	want := strconv.Quote("done " + strconv.Itoa(benchChainActivities-1))
	fn := func(c *Context) (any, error) {
		var last string
		for i := range benchChainActivities {
			if err := c.CallActivity("Step", "done "+strconv.Itoa(i), nil).Await(&last); err != nil {
				return nil, err
			}
		}
		return last, nil
	}
	run := func(b *testing.B, exec func(Orchestrator, Episode, Options) *Result) {
		b.ReportAllocs()
		episodes := 0
		for b.Loop() {
			res := chainEpisodes(b, fn, exec, benchChainActivities+1)
			if last := res[len(res)-1]; !last.Done || last.Output != want {
				b.Fatalf("the chain ended with done=%v output=%s failure=%v", last.Done, last.Output, last.Failure)
			}
			episodes += len(res)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(episodes), "ns/episode")
	}
	b.Run("full-replay", func(b *testing.B) { run(b, Execute) })
	b.Run("extended-session", func(b *testing.B) {
		runner := newSessionRunner()
		defer runner.close()
		run(b, runner.execute)
	})
}

// BenchmarkParkedSessionMemory reports the heap a parked session holds:
// its code's goroutine, its tasks and the history it references, for a
// chain parked at its last activity (2,000 activities, and 10).
func BenchmarkParkedSessionMemory(b *testing.B) {
	for _, steps := range []int{10, benchChainActivities} {
		b.Run(strconv.Itoa(steps)+"-activities", func(b *testing.B) {
			h := sequentialHistory(steps - 1) // completes all but the last
			fn := chainOrchestrator(steps)
			const parked = 20
			var before, after runtime.MemStats
			for b.Loop() {
				runtime.GC()
				runtime.ReadMemStats(&before)
				sessions := make([]*Session, parked)
				for i := range sessions {
					// Each session has a history of its own, as instances do.
					own := make([]*history.Event, len(h))
					for j, e := range h {
						c := *e
						own[j] = &c
					}
					_, sessions[i] = ExecuteSession(fn, Episode{InstanceID: "m", New: own}, Options{})
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				for _, s := range sessions {
					s.Close()
				}
			}
			b.ReportMetric(float64(after.HeapAlloc+after.StackInuse-before.HeapAlloc-before.StackInuse)/parked, "B/session")
		})
	}
}
