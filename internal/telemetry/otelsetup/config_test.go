package otelsetup

import (
	"strings"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/funcapp"
	"github.com/godurable/durablefunctions/internal/funcapp/funcapptest"
)

func TestHostJSONAndOTELVariablesTurnTelemetryOn(t *testing.T) {
	tests := []struct {
		name    string
		section string
		env     map[string]string
		check   func(s Settings) bool
		warns   string // a warning that must be there ("" none)
		fails   string
	}{
		{name: "nothing set is all off", section: `{}`,
			check: func(s Settings) bool { return !s.Traces && !s.Metrics && !s.Tracking && s.EventGrid == nil }},
		{name: "OTEL_EXPORTER_OTLP_ENDPOINT turns traces and metrics on", section: `{}`,
			env:   map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"},
			check: func(s Settings) bool { return s.Traces && s.Metrics }},
		{name: "OTEL_TRACES_EXPORTER=none keeps traces off", section: `{}`,
			env:   map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c", "OTEL_TRACES_EXPORTER": "none"},
			check: func(s Settings) bool { return !s.Traces && s.Metrics }},
		{name: "OTEL_SDK_DISABLED turns everything off", section: `{"tracing":{"distributedTracingEnabled":true}}`,
			env:   map[string]string{"OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c"},
			check: func(s Settings) bool { return !s.Traces && !s.Metrics }},
		{name: "tracing.distributedTracingEnabled turns traces on", section: `{"tracing":{"distributedTracingEnabled":true,"distributedTracingProtocol":"W3CTraceContext","Version":"V2"}}`,
			check: func(s Settings) bool { return s.Traces && s.Tracking && !s.Metrics }},
		{name: "tracing's flags are honoured", section: `{"tracing":{"traceInputsAndOutputs":true,"traceReplayEvents":true}}`,
			check: func(s Settings) bool { return s.Tracking && s.InputsAndOutputs && s.ReplayEvents && !s.Traces }},
		{name: "the seed's tracking section is honoured", section: `{"tracking":{"traceInputsAndOutputs":true,"traceReplayEvents":false}}`,
			check: func(s Settings) bool { return s.Tracking && s.InputsAndOutputs && !s.ReplayEvents }},
		{name: "the HTTP correlation protocol is warned", section: `{"tracing":{"distributedTracingProtocol":"HttpCorrelationProtocol"}}`,
			warns: "tracing.distributedTracingProtocol"},
		{name: "an unknown tracing key is warned", section: `{"tracing":{"sampling":1}}`, warns: "tracing.sampling"},
		{name: "the gRPC protocol is warned", section: `{}`, env: map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"},
			warns: "OTEL_EXPORTER_OTLP_PROTOCOL=grpc"},
		{name: "a non-boolean flag fails", section: `{"tracing":{"traceInputsAndOutputs":"yes"}}`, fails: "must be true or false"},
		{name: "an environment override's string is read as host.json's value",
			section: `{"tracing":{"traceInputsAndOutputs":false}}`,
			env:     map[string]string{"AzureFunctionsJobHost__extensions__durableTask__tracing__traceInputsAndOutputs": "true"},
			check:   func(s Settings) bool { return s.Tracking && s.InputsAndOutputs }},
		{name: "eventGrid is read in full",
			section: `{"notifications":{"eventGrid":{"topicEndpoint":"%TopicUrl%","keySettingName":"EGKey","publishRetryCount":3,"publishRetryInterval":"00:00:30","publishRetryHttpStatus":[400,500],"publishEventTypes":["Started","Failed"]}}}`,
			env:     map[string]string{"TopicUrl": "https://t.eventgrid.azure.net/api/events", "EGKey": "k"},
			check: func(s Settings) bool {
				eg := s.EventGrid
				return eg != nil && eg.TopicEndpoint == "https://t.eventgrid.azure.net/api/events" && eg.Key == "k" && eg.RetryCount == 3 &&
					eg.RetryInterval == 30*time.Second && len(eg.RetryStatuses) == 2 && strings.Join(eg.EventTypes, ",") == "Started,Failed"
			}},
		{name: "eventGrid without its key setting fails", section: `{"notifications":{"eventGrid":{"topicEndpoint":"https://t","keySettingName":"Missing"}}}`,
			fails: `app setting "Missing" is not set`},
		{name: "eventGrid without an endpoint fails", section: `{"notifications":{"eventGrid":{"keySettingName":"K"}}}`,
			fails: "needs topicEndpoint and keySettingName"},
		{name: "eventGrid's endpoint setting must be set", section: `{"notifications":{"eventGrid":{"topicEndpoint":"%Nowhere%","keySettingName":"K"}}}`,
			env: map[string]string{"K": "k"}, fails: `"%Nowhere%" names an app setting that is not set`},
		{name: "a bad retry interval fails", section: `{"notifications":{"eventGrid":{"topicEndpoint":"https://t","keySettingName":"K","publishRetryInterval":"soon"}}}`,
			env: map[string]string{"K": "k"}, fails: "publishRetryInterval"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := funcapptest.WriteApp(t, map[string]string{"host.json": `{"version":"2.0","extensions":{"durableTask":` + tc.section + `}}`})
			var environ []string
			for k, v := range tc.env {
				environ = append(environ, k+"="+v)
			}
			settings, err := funcapp.LoadSettings(dir, false, environ)
			if err != nil {
				t.Fatal(err)
			}
			app, err := funcapp.LoadAppWithSettings(dir, settings)
			var s Settings
			if err == nil {
				s, err = Parse(&app.Host.DurableTask, func(k string) string { return tc.env[k] })
			}
			if tc.fails != "" {
				if err == nil || !strings.Contains(err.Error(), tc.fails) {
					t.Fatalf("load and Parse: %v, want an error containing %q", err, tc.fails)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.check != nil && !tc.check(s) {
				t.Errorf("settings %+v", s)
			}
			joined := strings.Join(append(s.Warnings, app.Host.DurableTask.Warnings...), "\n")
			if tc.warns == "" && joined != "" {
				t.Errorf("unexpected warnings: %s", joined)
			}
			if tc.warns != "" && !strings.Contains(joined, tc.warns) {
				t.Errorf("no warning names %s: %s", tc.warns, joined)
			}
		})
	}
}
