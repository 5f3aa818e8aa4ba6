package extension_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/godurable/durablefunctions/internal/extension"
	pb "github.com/godurable/durablefunctions/internal/protos"
)

// fetcher serves one history for streamed requests and records the asks.
type fetcher struct {
	history []*pb.HistoryEvent
	err     error
	asked   []string
}

func (f *fetcher) FetchHistory(_ context.Context, instanceID, executionID string) ([]*pb.HistoryEvent, error) {
	f.asked = append(f.asked, instanceID+"/"+executionID)
	return f.history, f.err
}

// When the extension sets requiresHistoryStreaming it sends no past events
// and the worker reads them itself over gRPC: the episode then continues
// from the streamed history, as if the events had come in the request; a
// worker that cannot fetch fails the episode saying why.
func TestAStreamedHistoryIsFetchedAndReplayedLikeOneSentInTheRequest(t *testing.T) {
	scheduled := ev(0, t0)
	scheduled.EventType = &pb.HistoryEvent_TaskScheduled{TaskScheduled: &pb.TaskScheduledEvent{Name: "SayHello", Input: sv(`"Tokyo"`)}}
	past := []*pb.HistoryEvent{orchStarted(t0), started("Chain", "s1", "", t0), scheduled}
	done := ev(-1, t0)
	done.EventType = &pb.HistoryEvent_TaskCompleted{TaskCompleted: &pb.TaskCompletedEvent{TaskScheduledId: 0, Result: sv(`"Hello Tokyo!"`)}}
	news := []*pb.HistoryEvent{orchStarted(t0), done}

	cases := []struct {
		name    string
		fetch   *fetcher // nil: the worker has no way to fetch
		want    string   // the first action's activity, or the failure's text
		failure bool
	}{
		{"the streamed past leads to the next activity", &fetcher{history: past}, "SayHello", false},
		{"a failed fetch fails the episode with the cause", &fetcher{err: errors.New("endpoint gone")}, "endpoint gone", true},
		{"a worker without a fetcher says it cannot stream", nil, "stream the history", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := extension.Options{}
			if c.fetch != nil {
				opts.History = c.fetch
			}
			x := extension.NewExecutor(registry(t), opts)
			req := &pb.OrchestratorRequest{InstanceId: "s1", ExecutionId: sv("exec-s1"), NewEvents: news, RequiresHistoryStreaming: true}
			b, err := proto.Marshal(req)
			if err != nil {
				t.Fatal(err)
			}
			resp := decodeResponse(t, x.OrchestrateBase64(context.Background(), base64.StdEncoding.EncodeToString(b)))
			if c.fetch != nil && (len(c.fetch.asked) != 1 || c.fetch.asked[0] != "s1/exec-s1") {
				t.Errorf("fetched %v; want the history of s1/exec-s1 once", c.fetch.asked)
			}
			acts := resp.GetActions()
			if len(acts) == 0 {
				t.Fatalf("no actions in %v", resp)
			}
			if !c.failure {
				s := acts[0].GetScheduleTask()
				if s == nil || s.GetName() != c.want || s.GetInput().GetValue() != `"Seattle"` || acts[0].GetId() != 1 {
					t.Fatalf("first action %v; want SayHello(\"Seattle\") as task 1", acts[0])
				}
				return
			}
			co := acts[len(acts)-1].GetCompleteOrchestration()
			if co == nil || co.GetOrchestrationStatus() != pb.OrchestrationStatus_ORCHESTRATION_STATUS_FAILED ||
				!strings.Contains(co.GetFailureDetails().GetErrorMessage(), c.want) {
				t.Fatalf("got %v; want a failed completion naming %q", acts, c.want)
			}
		})
	}
}
