package extension_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/extension"
	pb "github.com/godurable/durablefunctions/internal/protos"
)

// The driver below plays the extension's part for unit tests: it keeps an
// instance's history, sends OrchestratorRequest bytes to the executor,
// decodes the OrchestratorResponse bytes, records the actions in history
// the way the Durable Task Framework does, and answers them (activities
// from a table, timers at once, sub-orchestrations by driving the child).

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func sv(s string) *wrapperspb.StringValue { return wrapperspb.String(s) }

func ev(id int32, at time.Time) *pb.HistoryEvent {
	return &pb.HistoryEvent{EventId: id, Timestamp: timestamppb.New(at)}
}

func started(name, id, input string, at time.Time) *pb.HistoryEvent {
	e := ev(-1, at)
	st := &pb.ExecutionStartedEvent{Name: name, OrchestrationInstance: &pb.OrchestrationInstance{InstanceId: id, ExecutionId: sv("exec-" + id)}}
	if input != "" {
		st.Input = sv(input)
	}
	e.EventType = &pb.HistoryEvent_ExecutionStarted{ExecutionStarted: st}
	return e
}

func orchStarted(at time.Time) *pb.HistoryEvent {
	e := ev(-1, at)
	e.EventType = &pb.HistoryEvent_OrchestratorStarted{OrchestratorStarted: &pb.OrchestratorStartedEvent{}}
	return e
}

func raised(name, input string, at time.Time) *pb.HistoryEvent {
	e := ev(-1, at)
	e.EventType = &pb.HistoryEvent_EventRaised{EventRaised: &pb.EventRaisedEvent{Name: name, Input: sv(input)}}
	return e
}

// activityFunc answers an activity call: a result or an error message.
type activityFunc func(input string) (string, error)

type driver struct {
	t          *testing.T
	x          *extension.Executor
	activities map[string]activityFunc
	now        time.Time
	// events are raised when the orchestration has nothing else to wait for.
	events []*pb.HistoryEvent
	// window is the entity reorder window sent with each request (nil: none).
	window *pb.OrchestratorEntityParameters
	// early events arrive with the start, before anything else happens.
	early    []*pb.HistoryEvent
	episodes int
	sent     []*pb.SendEventAction
}

func newDriver(t *testing.T, reg *durable.Registry, activities map[string]activityFunc) *driver {
	return &driver{t: t, x: extension.NewExecutor(reg, extension.Options{}), activities: activities, now: t0}
}

// run drives one instance to completion and returns its completion action.
func (d *driver) run(name, id, input string) *pb.CompleteOrchestrationAction {
	d.t.Helper()
	past := []*pb.HistoryEvent{}
	news := append([]*pb.HistoryEvent{orchStarted(d.now), started(name, id, input, d.now)}, d.early...)
	for range 1000 {
		resp := d.episode(id, past, news)
		past = append(past, news...)
		news = nil
		d.now = d.now.Add(time.Second)
		var done *pb.CompleteOrchestrationAction
		for _, a := range resp.GetActions() {
			if c := a.GetCompleteOrchestration(); c != nil {
				done = c
				continue
			}
			past = append(past, d.record(a))
			news = append(news, d.answer(a)...)
		}
		if done != nil {
			if done.GetOrchestrationStatus() == pb.OrchestrationStatus_ORCHESTRATION_STATUS_CONTINUED_AS_NEW {
				past = nil
				news = append([]*pb.HistoryEvent{orchStarted(d.now), started(name, id, done.GetResult().GetValue(), d.now)}, done.GetCarryoverEvents()...)
				continue
			}
			return done
		}
		if len(news) == 0 {
			if len(d.events) == 0 {
				d.t.Fatalf("instance %s waits for something the driver cannot give", id)
			}
			news, d.events = d.events[:1], d.events[1:]
		}
		news = append([]*pb.HistoryEvent{orchStarted(d.now)}, news...)
	}
	d.t.Fatalf("instance %s did not finish in 1000 episodes", id)
	return nil
}

// episode sends one request through the wire form and decodes the reply.
func (d *driver) episode(id string, past, news []*pb.HistoryEvent) *pb.OrchestratorResponse {
	d.t.Helper()
	d.episodes++
	req := &pb.OrchestratorRequest{InstanceId: id, PastEvents: past, NewEvents: news, EntityParameters: d.window}
	b, err := proto.Marshal(req)
	if err != nil {
		d.t.Fatal(err)
	}
	out := d.x.OrchestrateBase64(context.Background(), base64.StdEncoding.EncodeToString(b))
	return decodeResponse(d.t, out)
}

func decodeResponse(t *testing.T, b64 string) *pb.OrchestratorResponse {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatalf("the reply is not base64: %v", err)
	}
	resp := &pb.OrchestratorResponse{}
	if err := proto.Unmarshal(raw, resp); err != nil {
		t.Fatalf("the reply is not an OrchestratorResponse: %v", err)
	}
	return resp
}

// record returns the history event DTFx writes for an action.
func (d *driver) record(a *pb.OrchestratorAction) *pb.HistoryEvent {
	e := ev(a.GetId(), d.now)
	switch {
	case a.GetScheduleTask() != nil:
		s := a.GetScheduleTask()
		e.EventType = &pb.HistoryEvent_TaskScheduled{TaskScheduled: &pb.TaskScheduledEvent{Name: s.GetName(), Input: s.GetInput()}}
	case a.GetCreateTimer() != nil:
		e.EventType = &pb.HistoryEvent_TimerCreated{TimerCreated: &pb.TimerCreatedEvent{FireAt: a.GetCreateTimer().GetFireAt()}}
	case a.GetCreateSubOrchestration() != nil:
		s := a.GetCreateSubOrchestration()
		e.EventType = &pb.HistoryEvent_SubOrchestrationInstanceCreated{SubOrchestrationInstanceCreated: &pb.SubOrchestrationInstanceCreatedEvent{
			Name: s.GetName(), InstanceId: s.GetInstanceId(), Input: s.GetInput()}}
	case a.GetSendEvent() != nil:
		s := a.GetSendEvent()
		d.sent = append(d.sent, s)
		e.EventType = &pb.HistoryEvent_EventSent{EventSent: &pb.EventSentEvent{InstanceId: s.GetInstance().GetInstanceId(), Name: s.GetName(), Input: s.GetData()}}
	default:
		d.t.Fatalf("unexpected action %v", a)
	}
	return e
}

// answer returns the completion events an action leads to.
func (d *driver) answer(a *pb.OrchestratorAction) []*pb.HistoryEvent {
	e := ev(-1, d.now)
	switch {
	case a.GetScheduleTask() != nil:
		s := a.GetScheduleTask()
		fn := d.activities[s.GetName()]
		if fn == nil {
			d.t.Fatalf("no activity %q in the driver", s.GetName())
		}
		out, err := fn(s.GetInput().GetValue())
		if err != nil {
			e.EventType = &pb.HistoryEvent_TaskFailed{TaskFailed: &pb.TaskFailedEvent{TaskScheduledId: a.GetId(),
				FailureDetails: &pb.TaskFailureDetails{ErrorType: "ActivityError", ErrorMessage: err.Error()}}}
		} else {
			e.EventType = &pb.HistoryEvent_TaskCompleted{TaskCompleted: &pb.TaskCompletedEvent{TaskScheduledId: a.GetId(), Result: sv(out)}}
		}
	case a.GetCreateTimer() != nil:
		e.EventType = &pb.HistoryEvent_TimerFired{TimerFired: &pb.TimerFiredEvent{TimerId: a.GetId(), FireAt: a.GetCreateTimer().GetFireAt()}}
	case a.GetCreateSubOrchestration() != nil:
		s := a.GetCreateSubOrchestration()
		child := &driver{t: d.t, x: d.x, activities: d.activities, now: d.now}
		c := child.run(s.GetName(), s.GetInstanceId(), s.GetInput().GetValue())
		if c.GetOrchestrationStatus() == pb.OrchestrationStatus_ORCHESTRATION_STATUS_COMPLETED {
			e.EventType = &pb.HistoryEvent_SubOrchestrationInstanceCompleted{SubOrchestrationInstanceCompleted: &pb.SubOrchestrationInstanceCompletedEvent{TaskScheduledId: a.GetId(), Result: c.GetResult()}}
		} else {
			e.EventType = &pb.HistoryEvent_SubOrchestrationInstanceFailed{SubOrchestrationInstanceFailed: &pb.SubOrchestrationInstanceFailedEvent{TaskScheduledId: a.GetId(), FailureDetails: c.GetFailureDetails()}}
		}
	default:
		return nil // events sent: nothing comes back here
	}
	return []*pb.HistoryEvent{e}
}

func describe(c *pb.CompleteOrchestrationAction) string {
	if c == nil {
		return "<nil>"
	}
	if f := c.GetFailureDetails(); f != nil {
		return fmt.Sprintf("%s: %s: %s", c.GetOrchestrationStatus(), f.GetErrorType(), f.GetErrorMessage())
	}
	return fmt.Sprintf("%s %s", c.GetOrchestrationStatus(), c.GetResult().GetValue())
}

func greet(in string) (string, error) {
	return `"Hello ` + strings.Trim(in, `"`) + `!"`, nil
}

func marshal(m proto.Message) ([]byte, error) { return proto.Marshal(m) }
