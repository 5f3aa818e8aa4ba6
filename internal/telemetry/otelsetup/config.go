// Package otelsetup turns a function app's settings into telemetry: the
// host.json tracing, tracking and notifications settings (typed by package
// funcapp) and the standard OTEL_* environment variables become an
// OpenTelemetry SDK (OTLP over HTTP), tracking options and an Event Grid
// publisher. It is the part of telemetry that links the SDK and exporters,
// so only package handler imports it; package durable links the
// OpenTelemetry API alone.
//
//	s, err := otelsetup.Parse(&app.Host.DurableTask, settings.Get)
//	for _, w := range s.Warnings { log.Warn(w) }
//	p, err := otelsetup.Start(ctx, s, "MyApp", hub, log)
//	t := p.Telemetry(log, "sqlite")
//	t.Store = st // for the queue-depth gauges
//	rt := durable.NewRuntime(reg, st, durable.WithTelemetry(t))
//	defer p.Shutdown(ctx) // flushes spans and metrics, drains Event Grid
package otelsetup

import (
	"fmt"
	"strings"

	"github.com/godurable/durablefunctions/internal/eventgrid"
	"github.com/godurable/durablefunctions/internal/funcapp"
)

// Settings is what the app's configuration asks of telemetry.
type Settings struct {
	// Traces and Metrics: export spans / metrics over OTLP.
	Traces, Metrics bool
	// Tracking: write tracking log lines (a tracing or tracking section is
	// present).
	Tracking         bool
	InputsAndOutputs bool
	ReplayEvents     bool
	// EventGrid is notifications.eventGrid, resolved; nil when absent.
	EventGrid *eventgrid.Config
	// Warnings name OTEL_* values read without effect (host.json's are
	// in the DurableTaskConfig's own Warnings).
	Warnings []string
}

// Parse combines the durableTask section's tracing, tracking and
// notifications settings (funcapp reads and checks them; its warnings
// name the members without effect) with the OTEL_* variables, read
// through env, which also resolves the Event Grid key setting and a
// topicEndpoint written %SettingName%.
//
// Spans are exported when tracing.distributedTracingEnabled is true (to
// OTEL_EXPORTER_OTLP_ENDPOINT or localhost:4318) or an OTEL_* variable
// asks for OTLP; metrics when an OTEL_* variable does.
func Parse(dt *funcapp.DurableTaskConfig, env func(string) string) (Settings, error) {
	tr := dt.Tracing
	s := Settings{Tracking: tr.Present, InputsAndOutputs: tr.TraceInputsAndOutputs, ReplayEvents: tr.TraceReplayEvents}
	s.Traces = tr.DistributedTracingEnabled || otlpWanted(env, "TRACES")
	s.Metrics = otlpWanted(env, "METRICS")
	if strings.EqualFold(env("OTEL_SDK_DISABLED"), "true") {
		s.Traces, s.Metrics = false, false
	}
	if strings.EqualFold(env("OTEL_TRACES_EXPORTER"), "none") {
		s.Traces = false
	}
	if strings.EqualFold(env("OTEL_METRICS_EXPORTER"), "none") {
		s.Metrics = false
	}
	for _, v := range []string{"OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER"} {
		if e := strings.ToLower(env(v)); e != "" && e != "otlp" && e != "none" {
			s.Warnings = append(s.Warnings, fmt.Sprintf("%s=%s is not supported: only otlp (over HTTP) and none", v, e))
		}
	}
	if p := env("OTEL_EXPORTER_OTLP_PROTOCOL"); p != "" && p != "http/protobuf" {
		s.Warnings = append(s.Warnings, fmt.Sprintf("OTEL_EXPORTER_OTLP_PROTOCOL=%s is not supported: spans and metrics are sent as http/protobuf", p))
	}
	if dt.EventGrid != nil {
		cfg, err := resolveEventGrid(dt.EventGrid, env)
		if err != nil {
			return s, err
		}
		s.EventGrid = cfg
	}
	return s, nil
}

// otlpWanted reports whether the OTEL_* variables ask for an OTLP exporter
// of signal (TRACES or METRICS).
func otlpWanted(env func(string) string, signal string) bool {
	return strings.EqualFold(env("OTEL_"+signal+"_EXPORTER"), "otlp") ||
		env("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || env("OTEL_EXPORTER_OTLP_"+signal+"_ENDPOINT") != ""
}

// resolveEventGrid reads the topic key from the app setting
// keySettingName names and resolves a %SettingName% endpoint.
func resolveEventGrid(eg *funcapp.EventGridConfig, env func(string) string) (*eventgrid.Config, error) {
	cfg := &eventgrid.Config{TopicEndpoint: resolve(eg.TopicEndpoint, env), RetryCount: eg.PublishRetryCount,
		RetryInterval: eg.PublishRetryInterval, RetryStatuses: eg.PublishRetryHTTPStatus, EventTypes: eg.PublishEventTypes}
	cfg.Key = env(eg.KeySettingName)
	if cfg.Key == "" {
		return nil, fmt.Errorf("host.json: extensions.durableTask.notifications.eventGrid.keySettingName: app setting %q is not set", eg.KeySettingName)
	}
	if cfg.TopicEndpoint == "" {
		return nil, fmt.Errorf("host.json: extensions.durableTask.notifications.eventGrid.topicEndpoint: %q names an app setting that is not set", eg.TopicEndpoint)
	}
	return cfg, nil // eventgrid.New sets the defaults
}

// resolve replaces a value written as %SettingName% by the setting, as the
// Functions host does for binding expressions.
func resolve(s string, env func(string) string) string {
	if len(s) > 2 && strings.HasPrefix(s, "%") && strings.HasSuffix(s, "%") {
		return env(s[1 : len(s)-1])
	}
	return s
}
