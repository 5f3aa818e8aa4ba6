package telemetry_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/trace/noop"

	"github.com/godurable/durablefunctions/durable"
)

// The tracking settings decide what the lifecycle log lines carry:
// payloads only with traceInputsAndOutputs, replayed events only with
// traceReplayEvents.
func TestTrackingSettingsDecideWhatTheLogsShow(t *testing.T) {
	tests := []struct {
		name                    string
		inputsAndOutputs        bool
		replayEvents            bool
		wantPayload, wantReplay bool
	}{
		{name: "defaults log sizes and no replays"},
		{name: "traceInputsAndOutputs logs the payloads", inputsAndOutputs: true, wantPayload: true},
		{name: "traceReplayEvents logs replayed events", replayEvents: true, wantReplay: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// The handler serializes its writes, and the buffer is read
			// after Stop has waited for every dispatcher.
			var buf bytes.Buffer
			log := slog.New(slog.NewTextHandler(&buf, nil))
			rt := newRuntime(t, durable.NewMemoryStore(), durable.WithTelemetry(durable.Telemetry{Logger: log,
				TraceInputsAndOutputs: tc.inputsAndOutputs, TraceReplayEvents: tc.replayEvents}))
			runWorkflow(t, noop.NewTracerProvider(), rt.Client(), false)
			_ = rt.Stop(context.Background()) // the last lines follow the last commit
			out := buf.String()
			for _, line := range []string{"durable: orchestration started", "durable: activity scheduled", "durable: timer fired", "durable: orchestration ended"} {
				if !strings.Contains(out, line) {
					t.Errorf("no %q line", line)
				}
			}
			if got := strings.Contains(out, `Hello Tokyo`); got != tc.wantPayload {
				t.Errorf("an activity output is logged: %v, want %v", got, tc.wantPayload)
			}
			if got := strings.Contains(out, "outputBytes="); got == tc.wantPayload {
				t.Errorf("payload sizes logged: %v, want %v", got, !tc.wantPayload)
			}
			if got := strings.Contains(out, "isReplay=true"); got != tc.wantReplay {
				t.Errorf("replayed events logged: %v, want %v", got, tc.wantReplay)
			}
		})
	}
}
