package telemetry

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// Tracking logs are the lifecycle lines Durable Functions writes for each
// orchestration (host.json tracing/tracking): one Info line per event
// that is new in an episode. With traceReplayEvents, each episode also logs
// the events it replayed, marked isReplay=true; with
// traceInputsAndOutputs, lines carry the input or output (otherwise only
// its length), so payloads reach the logs only when asked for.

// track logs an orchestration episode's lifecycle events.
func (o *Observer) track(ch *changes) {
	if o.cfg.ReplayEvents {
		for _, ev := range ch.past {
			o.trackEvent(ch, ev, true)
		}
	}
	for _, ev := range ch.fresh {
		o.trackEvent(ch, ev, false)
	}
}

// trackedEvents are the events a tracking line is written for, with the
// line's text.
var trackedEvents = map[history.EventType]string{
	history.ExecutionStarted:                  "orchestration started",
	history.ExecutionCompleted:                "orchestration ended",
	history.ExecutionTerminated:               "orchestration terminated",
	history.ExecutionSuspended:                "orchestration suspended",
	history.ExecutionResumed:                  "orchestration resumed",
	history.TaskScheduled:                     "activity scheduled",
	history.TaskCompleted:                     "activity result received",
	history.TaskFailed:                        "activity failure received",
	history.SubOrchestrationInstanceCreated:   "sub-orchestration scheduled",
	history.SubOrchestrationInstanceCompleted: "sub-orchestration result received",
	history.SubOrchestrationInstanceFailed:    "sub-orchestration failure received",
	history.TimerCreated:                      "timer created",
	history.TimerFired:                        "timer fired",
	history.EventRaised:                       "event received",
	history.EventSent:                         "event sent",
}

func (o *Observer) trackEvent(ch *changes, ev *history.Event, replayed bool) {
	msg, ok := trackedEvents[ev.EventType]
	if !ok {
		return
	}
	attrs := []slog.Attr{slog.String("instanceId", ch.instanceID), slog.String("orchestration", ch.name), slog.Bool("isReplay", replayed)}
	if ev.Name != "" && ev.EventType != history.ExecutionStarted {
		attrs = append(attrs, slog.String("name", ev.Name))
	}
	switch ev.EventType {
	case history.ExecutionCompleted:
		attrs = append(attrs, slog.String("status", ev.OrchestrationStatus.String()))
		if ev.FailureDetails != nil {
			attrs = append(attrs, slog.String("reason", failureMessage(ev.FailureDetails)))
		}
	case history.TaskScheduled, history.SubOrchestrationInstanceCreated, history.TimerCreated, history.EventSent:
		attrs = append(attrs, slog.Int("taskId", ev.EventID))
	case history.TaskCompleted, history.TaskFailed, history.SubOrchestrationInstanceCompleted, history.SubOrchestrationInstanceFailed:
		attrs = append(attrs, slog.Int("taskId", ev.TaskScheduledID))
	case history.TimerFired:
		attrs = append(attrs, slog.Int("taskId", ev.TimerID))
	}
	attrs = o.payloadAttrs(attrs, ev.Input, ev.Result)
	o.cfg.Logger.LogAttrs(context.Background(), slog.LevelInfo, "durable: "+msg, attrs...)
}

// payloadAttrs adds the input and output, or only their sizes.
func (o *Observer) payloadAttrs(attrs []slog.Attr, input, output string) []slog.Attr {
	add := func(key, v string) {
		if v == "" {
			return
		}
		if o.cfg.InputsAndOutputs {
			attrs = append(attrs, slog.String(key, v))
		} else {
			attrs = append(attrs, slog.Int(key+"Bytes", len(v)))
		}
	}
	add("input", input)
	add("output", output)
	return attrs
}

// trackActivity logs an activity starting (result nil) or finishing.
func (o *Observer) trackActivity(wi *store.ActivityWorkItem, result *history.Event) {
	ev := wi.Event
	attrs := []slog.Attr{slog.String("instanceId", wi.InstanceID), slog.String("name", ev.Name), slog.Int("taskId", ev.EventID)}
	switch {
	case result == nil:
		attrs = o.payloadAttrs(attrs, ev.Input, "")
		o.cfg.Logger.LogAttrs(context.Background(), slog.LevelInfo, "durable: activity started", attrs...)
	case result.EventType == history.TaskFailed:
		attrs = append(attrs, slog.String("reason", failureMessage(result.FailureDetails)))
		o.cfg.Logger.LogAttrs(context.Background(), slog.LevelInfo, "durable: activity failed", attrs...)
	default:
		attrs = o.payloadAttrs(attrs, "", result.Result)
		o.cfg.Logger.LogAttrs(context.Background(), slog.LevelInfo, "durable: activity completed", attrs...)
	}
}

// unquote turns a JSON string into its text; anything else stays as is.
func unquote(js string) string {
	var s string
	if json.Unmarshal([]byte(js), &s) == nil {
		return s
	}
	return js
}
