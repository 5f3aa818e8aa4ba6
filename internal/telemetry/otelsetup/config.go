// Package otelsetup turns a function app's settings into telemetry: the
// host.json tracing, tracking and notifications sections and the standard
// OTEL_* environment variables become an OpenTelemetry SDK (OTLP over
// HTTP), tracking options and an Event Grid publisher. It is the part of
// telemetry that links the SDK and exporters, so only package handler
// imports it; package durable links the OpenTelemetry API alone.
//
//	s, err := otelsetup.Parse(durableTaskSection, settings.Get)
//	for _, w := range s.Warnings { log.Warn(w) }
//	p, err := otelsetup.Start(ctx, s, settings.Get, "MyApp")
//	rt := durable.NewRuntime(reg, st, durable.WithTelemetry(p.Telemetry(log, hub, store)))
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
	// EventGrid is notifications.eventGrid, nil when absent.
	EventGrid *eventgrid.Config
	// Warnings name settings read without effect.
	Warnings []string
}

// Parse reads the durableTask section's tracing, tracking and
// notifications keys and the OTEL_* variables (through env).
//
// host.json keys honoured: tracing.traceInputsAndOutputs,
// tracing.traceReplayEvents, tracing.distributedTracingEnabled (exports
// spans over OTLP, to OTEL_EXPORTER_OTLP_ENDPOINT or localhost:4318),
// tracing.distributedTracingProtocol "W3CTraceContext" and tracing.version
// "V2" (what this runtime does anyway), the seed's tracking section
// (traceInputsAndOutputs, traceReplayEvents), and notifications.eventGrid
// (topicEndpoint, keySettingName, publishRetryCount, publishRetryInterval,
// publishRetryHttpStatus, publishEventTypes). Anything else is warned.
func Parse(durableTask map[string]any, env func(string) string) (Settings, error) {
	var s Settings
	warn := func(path, why string) {
		s.Warnings = append(s.Warnings, fmt.Sprintf("host.json: extensions.durableTask.%s is not supported and has no effect: %s", path, why))
	}
	tracingEnabled := false
	for _, name := range []string{"tracing", "tracking"} {
		k, sec, ok := child(durableTask, name)
		if !ok {
			continue
		}
		s.Tracking = true
		for key, v := range sec {
			path := k + "." + key
			switch lk := strings.ToLower(key); lk {
			case "traceinputsandoutputs", "tracereplayevents":
				b, ok := v.(bool)
				if !ok {
					return s, fmt.Errorf("host.json: extensions.durableTask.%s: %v is not true or false", path, v)
				}
				if lk == "traceinputsandoutputs" {
					s.InputsAndOutputs = b
				} else {
					s.ReplayEvents = b
				}
			case "distributedtracingenabled":
				b, ok := v.(bool)
				if !ok || name != "tracing" {
					warn(path, "set tracing.distributedTracingEnabled to true or false")
					continue
				}
				tracingEnabled = b
			case "distributedtracingprotocol":
				if str, _ := v.(string); !strings.EqualFold(str, "W3CTraceContext") {
					warn(path, "spans always carry W3C trace context")
				}
			case "version":
				if str, _ := v.(string); !strings.EqualFold(str, "V2") {
					warn(path, "spans follow the V2 (OpenTelemetry) conventions")
				}
			case "allowverboselinuxtelemetry":
				warn(path, "an Azure platform setting")
			default:
				warn(path, "no such setting")
			}
		}
	}
	s.Traces = tracingEnabled || otlpWanted(env, "TRACES")
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
	if _, n, ok := child(durableTask, "notifications"); ok {
		for key := range n {
			if !strings.EqualFold(key, "eventGrid") {
				warn("notifications."+key, "no such setting")
			}
		}
		if k, eg, ok := child(n, "eventGrid"); ok {
			cfg, err := parseEventGrid(eg, env, func(p, why string) { warn("notifications."+k+"."+p, why) })
			if err != nil {
				return s, err
			}
			s.EventGrid = cfg
		}
	}
	return s, nil
}

// otlpWanted reports whether the OTEL_* variables ask for an OTLP exporter
// of signal (TRACES or METRICS).
func otlpWanted(env func(string) string, signal string) bool {
	return strings.EqualFold(env("OTEL_"+signal+"_EXPORTER"), "otlp") ||
		env("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || env("OTEL_EXPORTER_OTLP_"+signal+"_ENDPOINT") != ""
}

func parseEventGrid(m map[string]any, env func(string) string, warn func(path, why string)) (*eventgrid.Config, error) {
	cfg := &eventgrid.Config{}
	bad := func(key string, v any, want string) error {
		return fmt.Errorf("host.json: extensions.durableTask.notifications.eventGrid.%s: %v is not %s", key, v, want)
	}
	keySetting := ""
	for key, v := range m {
		switch strings.ToLower(key) {
		case "topicendpoint":
			str, ok := v.(string)
			if !ok {
				return nil, bad(key, v, "a URL")
			}
			cfg.TopicEndpoint = resolve(str, env)
		case "keysettingname":
			str, ok := v.(string)
			if !ok {
				return nil, bad(key, v, "an app setting name")
			}
			keySetting = str
		case "publishretrycount":
			f, ok := v.(float64)
			if !ok || f < 0 || f != float64(int(f)) {
				return nil, bad(key, v, "a whole number ≥ 0")
			}
			cfg.RetryCount = int(f)
		case "publishretryinterval":
			str, _ := v.(string)
			d, err := funcapp.ParseTimeSpan(str)
			if err != nil || d <= 0 {
				return nil, bad(key, v, `a positive time span ("00:00:30")`)
			}
			cfg.RetryInterval = d
		case "publishretryhttpstatus":
			list, ok := v.([]any)
			if !ok {
				return nil, bad(key, v, "a list of HTTP status codes")
			}
			for _, x := range list {
				f, ok := x.(float64)
				if !ok || f < 100 || f > 599 {
					return nil, bad(key, x, "an HTTP status code")
				}
				cfg.RetryStatuses = append(cfg.RetryStatuses, int(f))
			}
		case "publisheventtypes":
			list, ok := v.([]any)
			if !ok {
				return nil, bad(key, v, "a list of event types")
			}
			for _, x := range list {
				str, _ := x.(string)
				cfg.EventTypes = append(cfg.EventTypes, str)
			}
		default:
			warn(key, "no such setting")
		}
	}
	if cfg.TopicEndpoint == "" || keySetting == "" {
		return nil, fmt.Errorf("host.json: extensions.durableTask.notifications.eventGrid needs topicEndpoint and keySettingName")
	}
	cfg.Key = env(keySetting)
	if cfg.Key == "" {
		return nil, fmt.Errorf("host.json: extensions.durableTask.notifications.eventGrid.keySettingName: app setting %q is not set", keySetting)
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

// child returns m's member name (matched case-insensitively) as an object.
func child(m map[string]any, name string) (string, map[string]any, bool) {
	for k, v := range m {
		if strings.EqualFold(k, name) {
			sec, ok := v.(map[string]any)
			return k, sec, ok
		}
	}
	return "", nil, false
}
