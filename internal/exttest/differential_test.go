package exttest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/microsoft/durabletask-go/api"
	"github.com/microsoft/durabletask-go/backend"
	"github.com/microsoft/durabletask-go/task"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/extension"
	pb "github.com/godurable/durablefunctions/internal/protos"
)

// Differential tests: the same orchestration logic written against our
// API and against durabletask-go's, fed the same OrchestratorRequests; the
// responses must agree action by action. The requests come from driving
// our worker to completion; each one also goes to durabletask-go's own
// executor (task.NewTaskExecutor). Differences that are by design are
// listed in docs/extension-mode.md and normalized here by name.

type scenario struct {
	name   string
	ours   durable.OrchestratorFunc
	theirs task.Orchestrator
	input  string
	events []string // external events raised when the code waits
}

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func scenarios() []scenario {
	return []scenario{
		{name: "chain", ours: func(ctx *durable.OrchestrationContext) (any, error) {
			var out []string
			for _, c := range []string{"Tokyo", "Seattle"} {
				var s string
				if err := ctx.CallActivity("SayHello", c).Await(&s); err != nil {
					return nil, err
				}
				out = append(out, s)
			}
			return out, nil
		}, theirs: func(ctx *task.OrchestrationContext) (any, error) {
			var out []string
			for _, c := range []string{"Tokyo", "Seattle"} {
				var s string
				if err := ctx.CallActivity("SayHello", task.WithActivityInput(c)).Await(&s); err != nil {
					return nil, err
				}
				out = append(out, s)
			}
			return out, nil
		}},
		{name: "fan-out", ours: func(ctx *durable.OrchestrationContext) (any, error) {
			var ts []durable.Task
			for i := 1; i <= 4; i++ {
				ts = append(ts, ctx.CallActivity("Square", i))
			}
			sum := 0
			for _, t := range ts {
				var v int
				if err := t.Await(&v); err != nil {
					return nil, err
				}
				sum += v
			}
			return sum, nil
		}, theirs: func(ctx *task.OrchestrationContext) (any, error) {
			var ts []task.Task
			for i := 1; i <= 4; i++ {
				ts = append(ts, ctx.CallActivity("Square", task.WithActivityInput(i)))
			}
			sum := 0
			for _, t := range ts {
				var v int
				if err := t.Await(&v); err != nil {
					return nil, err
				}
				sum += v
			}
			return sum, nil
		}},
		{name: "timer then event", events: []string{"go"}, ours: func(ctx *durable.OrchestrationContext) (any, error) {
			if err := ctx.CreateTimer(ctx.CurrentUTCDateTime().Add(time.Minute)).Await(nil); err != nil {
				return nil, err
			}
			var v string
			err := ctx.WaitForExternalEvent("go").Await(&v)
			return v, err
		}, theirs: func(ctx *task.OrchestrationContext) (any, error) {
			if err := ctx.CreateTimer(time.Minute).Await(nil); err != nil {
				return nil, err
			}
			var v string
			err := ctx.WaitForSingleEvent("go", -1).Await(&v)
			return v, err
		}},
		{name: "sub-orchestration", ours: func(ctx *durable.OrchestrationContext) (any, error) {
			var v string
			err := ctx.CallSubOrchestrator("Child", "x", durable.WithInstanceID("child-1")).Await(&v)
			return v, err
		}, theirs: func(ctx *task.OrchestrationContext) (any, error) {
			var v string
			err := ctx.CallSubOrchestrator("Child", task.WithSubOrchestratorInput("x"), task.WithSubOrchestrationInstanceID("child-1")).Await(&v)
			return v, err
		}},
		{name: "continue-as-new", input: "0", ours: func(ctx *durable.OrchestrationContext) (any, error) {
			var n int
			_ = ctx.GetInput(&n)
			if n >= 2 {
				return n, nil
			}
			return nil, ctx.ContinueAsNew(n + 1)
		}, theirs: func(ctx *task.OrchestrationContext) (any, error) {
			var n int
			_ = ctx.GetInput(&n)
			if n >= 2 {
				return n, nil
			}
			ctx.ContinueAsNew(n + 1)
			return nil, nil
		}},
		{name: "activity failure", ours: func(ctx *durable.OrchestrationContext) (any, error) {
			return nil, ctx.CallActivity("Fail", nil).Await(nil)
		}, theirs: func(ctx *task.OrchestrationContext) (any, error) {
			return nil, ctx.CallActivity("Fail").Await(nil)
		}},
	}
}

func TestOurWorkerAndDurabletaskGoAnswerTheSameRequestsWithTheSameActions(t *testing.T) {
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			reg := durable.NewRegistry()
			_ = reg.AddOrchestrator("O", sc.ours)
			x := extension.NewExecutor(reg, extension.Options{})
			treg := task.NewTaskRegistry()
			_ = treg.AddOrchestratorN("O", sc.theirs)
			theirs := task.NewTaskExecutor(treg)
			for i, req := range requests(t, x, sc) {
				ours := x.Orchestrate(context.Background(), mustBytes(t, req))
				got := theirResponse(t, theirs, req)
				if a, b := describeActions(ours), describeActions(got); a != b {
					t.Errorf("request %d: the responses differ\nours:   %s\ntheirs: %s", i, a, b)
				}
			}
		})
	}
}

// requests drives our worker through the scenario and returns every
// OrchestratorRequest it answered.
func requests(t *testing.T, x *extension.Executor, sc scenario) []*pb.OrchestratorRequest {
	now := t0
	start := func(input string) []*pb.HistoryEvent {
		st := &pb.ExecutionStartedEvent{Name: "O", OrchestrationInstance: &pb.OrchestrationInstance{InstanceId: "d", ExecutionId: wrapperspb.String("e")}}
		if input != "" {
			st.Input = wrapperspb.String(input)
		}
		return []*pb.HistoryEvent{event(-1, now, &pb.HistoryEvent_OrchestratorStarted{OrchestratorStarted: &pb.OrchestratorStartedEvent{}}),
			event(-1, now, &pb.HistoryEvent_ExecutionStarted{ExecutionStarted: st})}
	}
	var out []*pb.OrchestratorRequest
	past, news := []*pb.HistoryEvent{}, start(sc.input)
	events := sc.events
	for range 50 {
		req := &pb.OrchestratorRequest{InstanceId: "d", PastEvents: past, NewEvents: news}
		out = append(out, req)
		resp := x.Orchestrate(context.Background(), mustBytes(t, req))
		past, news = append(append([]*pb.HistoryEvent{}, past...), news...), nil
		now = now.Add(time.Second)
		for _, a := range resp.GetActions() {
			if c := a.GetCompleteOrchestration(); c != nil {
				if c.GetOrchestrationStatus() != pb.OrchestrationStatus_ORCHESTRATION_STATUS_CONTINUED_AS_NEW {
					return out
				}
				past, news = nil, start(c.GetResult().GetValue())
				break
			}
			rec, answer := recordAndAnswer(a, now)
			past = append(past, rec)
			news = append(news, answer...)
		}
		if len(news) == 0 && len(events) > 0 {
			news = append(news, event(-1, now, &pb.HistoryEvent_EventRaised{EventRaised: &pb.EventRaisedEvent{Name: events[0], Input: wrapperspb.String(`"payload"`)}}))
			events = events[1:]
		}
		if len(news) == 0 {
			t.Fatalf("scenario %s waits for nothing the test gives", sc.name)
		}
		if news[0].GetOrchestratorStarted() == nil {
			news = append([]*pb.HistoryEvent{event(-1, now, &pb.HistoryEvent_OrchestratorStarted{OrchestratorStarted: &pb.OrchestratorStartedEvent{}})}, news...)
		}
	}
	t.Fatalf("scenario %s did not finish", sc.name)
	return nil
}

func event(id int32, at time.Time, typ any) *pb.HistoryEvent {
	e := &pb.HistoryEvent{EventId: id, Timestamp: timestamppb.New(at)}
	switch v := typ.(type) {
	case *pb.HistoryEvent_OrchestratorStarted:
		e.EventType = v
	case *pb.HistoryEvent_ExecutionStarted:
		e.EventType = v
	case *pb.HistoryEvent_EventRaised:
		e.EventType = v
	case *pb.HistoryEvent_TaskScheduled:
		e.EventType = v
	case *pb.HistoryEvent_TaskCompleted:
		e.EventType = v
	case *pb.HistoryEvent_TaskFailed:
		e.EventType = v
	case *pb.HistoryEvent_TimerCreated:
		e.EventType = v
	case *pb.HistoryEvent_TimerFired:
		e.EventType = v
	case *pb.HistoryEvent_SubOrchestrationInstanceCreated:
		e.EventType = v
	case *pb.HistoryEvent_SubOrchestrationInstanceCompleted:
		e.EventType = v
	}
	return e
}

func recordAndAnswer(a *pb.OrchestratorAction, now time.Time) (*pb.HistoryEvent, []*pb.HistoryEvent) {
	id := a.GetId()
	switch {
	case a.GetScheduleTask() != nil:
		s := a.GetScheduleTask()
		rec := event(id, now, &pb.HistoryEvent_TaskScheduled{TaskScheduled: &pb.TaskScheduledEvent{Name: s.GetName(), Input: s.GetInput()}})
		switch s.GetName() {
		case "Fail":
			return rec, []*pb.HistoryEvent{event(-1, now, &pb.HistoryEvent_TaskFailed{TaskFailed: &pb.TaskFailedEvent{TaskScheduledId: id,
				FailureDetails: &pb.TaskFailureDetails{ErrorType: "Boom", ErrorMessage: "it failed"}}})}
		case "Square":
			n, _ := strconv.Atoi(s.GetInput().GetValue())
			return rec, []*pb.HistoryEvent{event(-1, now, &pb.HistoryEvent_TaskCompleted{TaskCompleted: &pb.TaskCompletedEvent{TaskScheduledId: id, Result: wrapperspb.String(strconv.Itoa(n * n))}})}
		}
		return rec, []*pb.HistoryEvent{event(-1, now, &pb.HistoryEvent_TaskCompleted{TaskCompleted: &pb.TaskCompletedEvent{TaskScheduledId: id,
			Result: wrapperspb.String(`"Hello ` + strings.Trim(s.GetInput().GetValue(), `"`) + `!"`)}})}
	case a.GetCreateTimer() != nil:
		at := a.GetCreateTimer().GetFireAt()
		return event(id, now, &pb.HistoryEvent_TimerCreated{TimerCreated: &pb.TimerCreatedEvent{FireAt: at}}),
			[]*pb.HistoryEvent{event(-1, now, &pb.HistoryEvent_TimerFired{TimerFired: &pb.TimerFiredEvent{TimerId: id, FireAt: at}})}
	case a.GetCreateSubOrchestration() != nil:
		s := a.GetCreateSubOrchestration()
		return event(id, now, &pb.HistoryEvent_SubOrchestrationInstanceCreated{SubOrchestrationInstanceCreated: &pb.SubOrchestrationInstanceCreatedEvent{
				Name: s.GetName(), InstanceId: s.GetInstanceId(), Input: s.GetInput()}}),
			[]*pb.HistoryEvent{event(-1, now, &pb.HistoryEvent_SubOrchestrationInstanceCompleted{SubOrchestrationInstanceCompleted: &pb.SubOrchestrationInstanceCompletedEvent{TaskScheduledId: id, Result: wrapperspb.String(`"child done"`)}})}
	}
	return nil, nil
}

// theirResponse runs a request through durabletask-go's executor. Its
// protobuf types are internal to it, so events cross as bytes.
func theirResponse(t *testing.T, ex backend.Executor, req *pb.OrchestratorRequest) *pb.OrchestratorResponse {
	t.Helper()
	conv := func(in []*pb.HistoryEvent) []*backend.HistoryEvent {
		var out []*backend.HistoryEvent
		for _, e := range in {
			got, err := backend.UnmarshalHistoryEvent(mustBytes(t, e))
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, got)
		}
		return out
	}
	res, err := ex.ExecuteOrchestrator(context.Background(), api.InstanceID(req.GetInstanceId()), conv(req.GetPastEvents()), conv(req.GetNewEvents()))
	if err != nil {
		t.Fatalf("durabletask-go: %v", err)
	}
	out := &pb.OrchestratorResponse{}
	if err := proto.Unmarshal(mustBytes(t, res.Response), out); err != nil {
		t.Fatal(err)
	}
	return out
}

// describeActions renders a response's actions for comparison, in id
// order: durabletask-go lists a fan-out's new actions in map order, and the
// extension applies them by id. The failure details are compared by
// presence only: their texts are each SDK's own (see
// docs/extension-mode.md, "Differences").
func describeActions(r *pb.OrchestratorResponse) string {
	var parts []string
	actions := slices.Clone(r.GetActions())
	slices.SortStableFunc(actions, func(a, b *pb.OrchestratorAction) int { return cmp.Compare(a.GetId(), b.GetId()) })
	for _, a := range actions {
		switch {
		case a.GetScheduleTask() != nil:
			parts = append(parts, fmt.Sprintf("%d:task %s(%s)", a.GetId(), a.GetScheduleTask().GetName(), a.GetScheduleTask().GetInput().GetValue()))
		case a.GetCreateTimer() != nil:
			parts = append(parts, fmt.Sprintf("%d:timer %s", a.GetId(), a.GetCreateTimer().GetFireAt().AsTime().Format(time.RFC3339Nano)))
		case a.GetCreateSubOrchestration() != nil:
			s := a.GetCreateSubOrchestration()
			parts = append(parts, fmt.Sprintf("%d:sub %s %s(%s)", a.GetId(), s.GetInstanceId(), s.GetName(), s.GetInput().GetValue()))
		case a.GetCompleteOrchestration() != nil:
			c := a.GetCompleteOrchestration()
			s := fmt.Sprintf("complete %s %s", strings.TrimPrefix(c.GetOrchestrationStatus().String(), "ORCHESTRATION_STATUS_"), c.GetResult().GetValue())
			if f := c.GetFailureDetails(); f != nil {
				s += " failed"
			}
			parts = append(parts, s)
		default:
			parts = append(parts, fmt.Sprintf("%d:%T", a.GetId(), a.GetOrchestratorActionType()))
		}
	}
	return strings.Join(parts, "; ")
}

func mustBytes(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
