package extension

import (
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/godurable/durablefunctions/internal/history"
	pb "github.com/godurable/durablefunctions/internal/protos"
)

// fromProto converts one protobuf history event into the replay core's
// event model. The two models name the same Durable Task Framework events,
// so the mapping is field by field; events the replay core has no use for
// (HistoryState, GenericEvent) are kept so that event positions, and so
// IsReplaying, stay right.
func fromProto(p *pb.HistoryEvent) (*history.Event, error) {
	if p == nil {
		return nil, fmt.Errorf("a history event is null")
	}
	e := &history.Event{EventID: int(p.GetEventId()), Timestamp: p.GetTimestamp().AsTime()}
	if p.GetTimestamp() == nil {
		e.Timestamp = time.Time{}
	}
	switch x := p.GetEventType().(type) {
	case *pb.HistoryEvent_ExecutionStarted:
		fromExecutionStarted(e, x.ExecutionStarted)
	case *pb.HistoryEvent_ExecutionCompleted:
		v := x.ExecutionCompleted
		e.EventType, e.OrchestrationStatus = history.ExecutionCompleted, history.RuntimeStatus(v.GetOrchestrationStatus())
		e.Result, e.FailureDetails = str(v.GetResult()), failureFromProto(v.GetFailureDetails())
	case *pb.HistoryEvent_ExecutionTerminated:
		e.EventType, e.Input = history.ExecutionTerminated, str(x.ExecutionTerminated.GetInput())
	case *pb.HistoryEvent_TaskScheduled:
		v := x.TaskScheduled
		e.EventType, e.Name, e.Version, e.Input = history.TaskScheduled, v.GetName(), str(v.GetVersion()), str(v.GetInput())
	case *pb.HistoryEvent_TaskCompleted:
		e.EventType, e.TaskScheduledID, e.Result = history.TaskCompleted, int(x.TaskCompleted.GetTaskScheduledId()), str(x.TaskCompleted.GetResult())
	case *pb.HistoryEvent_TaskFailed:
		e.EventType, e.TaskScheduledID = history.TaskFailed, int(x.TaskFailed.GetTaskScheduledId())
		setFailure(e, unwrapHostFailure(failureFromProto(x.TaskFailed.GetFailureDetails())))
	case *pb.HistoryEvent_SubOrchestrationInstanceCreated:
		v := x.SubOrchestrationInstanceCreated
		e.EventType, e.Name, e.Version = history.SubOrchestrationInstanceCreated, v.GetName(), str(v.GetVersion())
		e.InstanceID, e.Input = v.GetInstanceId(), str(v.GetInput())
	case *pb.HistoryEvent_SubOrchestrationInstanceCompleted:
		v := x.SubOrchestrationInstanceCompleted
		e.EventType, e.TaskScheduledID, e.Result = history.SubOrchestrationInstanceCompleted, int(v.GetTaskScheduledId()), str(v.GetResult())
	case *pb.HistoryEvent_SubOrchestrationInstanceFailed:
		e.EventType, e.TaskScheduledID = history.SubOrchestrationInstanceFailed, int(x.SubOrchestrationInstanceFailed.GetTaskScheduledId())
		setFailure(e, failureFromProto(x.SubOrchestrationInstanceFailed.GetFailureDetails()))
	case *pb.HistoryEvent_TimerCreated:
		e.EventType, e.FireAt = history.TimerCreated, x.TimerCreated.GetFireAt().AsTime()
	case *pb.HistoryEvent_TimerFired:
		e.EventType, e.TimerID, e.FireAt = history.TimerFired, int(x.TimerFired.GetTimerId()), x.TimerFired.GetFireAt().AsTime()
	case *pb.HistoryEvent_OrchestratorStarted:
		e.EventType = history.OrchestratorStarted
	case *pb.HistoryEvent_OrchestratorCompleted:
		e.EventType = history.OrchestratorCompleted
	case *pb.HistoryEvent_EventSent:
		v := x.EventSent
		e.EventType, e.InstanceID, e.Name, e.Input = history.EventSent, v.GetInstanceId(), v.GetName(), str(v.GetInput())
	case *pb.HistoryEvent_EventRaised:
		e.EventType, e.Name, e.Input = history.EventRaised, x.EventRaised.GetName(), str(x.EventRaised.GetInput())
	case *pb.HistoryEvent_GenericEvent:
		e.EventType, e.Data = history.GenericEvent, str(x.GenericEvent.GetData())
	case *pb.HistoryEvent_HistoryState:
		e.EventType = history.HistoryState
	case *pb.HistoryEvent_ContinueAsNew:
		e.EventType, e.Input = history.ContinueAsNew, str(x.ContinueAsNew.GetInput())
	case *pb.HistoryEvent_ExecutionSuspended:
		e.EventType, e.Reason = history.ExecutionSuspended, str(x.ExecutionSuspended.GetInput())
	case *pb.HistoryEvent_ExecutionResumed:
		e.EventType, e.Reason = history.ExecutionResumed, str(x.ExecutionResumed.GetInput())
	case *pb.HistoryEvent_ExecutionRewound:
		e.EventType, e.Reason = history.ExecutionRewound, str(x.ExecutionRewound.GetReason())
	default:
		return nil, fmt.Errorf("history event %d has a type this worker does not know (%T): the Durable Task Scheduler's entity events are not part of the Functions extension's protocol", p.GetEventId(), p.GetEventType())
	}
	if !e.EventType.IsScheduling() {
		e.EventID = -1
	}
	return e, nil
}

func fromExecutionStarted(e *history.Event, v *pb.ExecutionStartedEvent) {
	e.EventType, e.Name, e.Version, e.Input = history.ExecutionStarted, v.GetName(), str(v.GetVersion()), str(v.GetInput())
	if oi := v.GetOrchestrationInstance(); oi != nil {
		e.OrchestrationInstance = &history.OrchestrationInstance{InstanceID: oi.GetInstanceId(), ExecutionID: str(oi.GetExecutionId())}
	}
	if pi := v.GetParentInstance(); pi != nil {
		e.ParentInstance = &history.ParentInstance{Name: str(pi.GetName()), Version: str(pi.GetVersion()), TaskScheduleID: int(pi.GetTaskScheduledId())}
		if oi := pi.GetOrchestrationInstance(); oi != nil {
			e.ParentInstance.OrchestrationInstance = &history.OrchestrationInstance{InstanceID: oi.GetInstanceId(), ExecutionID: str(oi.GetExecutionId())}
		}
	}
	if ts := v.GetScheduledStartTimestamp(); ts != nil {
		t := ts.AsTime()
		e.ScheduledStartTime = &t
	}
	if len(v.GetTags()) > 0 {
		e.Tags = v.GetTags()
	}
}

func setFailure(e *history.Event, f *history.FailureDetails) {
	e.FailureDetails = f
	if f != nil {
		e.Reason, e.Details = f.ErrorMessage, f.StackTrace
	}
}

func failureFromProto(p *pb.TaskFailureDetails) *history.FailureDetails {
	if p == nil {
		return nil
	}
	return &history.FailureDetails{ErrorType: p.GetErrorType(), ErrorMessage: p.GetErrorMessage(),
		StackTrace: str(p.GetStackTrace()), InnerFailure: failureFromProto(p.GetInnerFailure()), IsNonRetriable: p.GetIsNonRetriable()}
}

func failureToProto(f *history.FailureDetails) *pb.TaskFailureDetails {
	if f == nil {
		return nil
	}
	return &pb.TaskFailureDetails{ErrorType: f.ErrorType, ErrorMessage: f.ErrorMessage, StackTrace: optStr(f.StackTrace),
		InnerFailure: failureToProto(f.InnerFailure), IsNonRetriable: f.IsNonRetriable}
}

// str reads an optional string; the replay core uses "" for "no value".
func str(v *wrapperspb.StringValue) string { return v.GetValue() }

// optStr writes an optional string: "" is "no value" (null on the wire).
func optStr(s string) *wrapperspb.StringValue {
	if s == "" {
		return nil
	}
	return wrapperspb.String(s)
}

func ts(t time.Time) *timestamppb.Timestamp { return timestamppb.New(t) }

// HistoryFromProto converts protobuf history events (a streamed history,
// say) into the replay core's event model.
func HistoryFromProto(events []*pb.HistoryEvent) ([]*history.Event, error) { return convertAll(events) }
