package funcapp

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// TracingConfig is durableTask.tracing, or the seed's older tracking
// section (both may be set; tracing wins where they disagree).
type TracingConfig struct {
	// Present is true when either section is set: the app then writes the
	// tracking log lines.
	Present bool
	// TraceInputsAndOutputs puts inputs and outputs in logs and spans.
	TraceInputsAndOutputs bool
	// TraceReplayEvents also logs the events an episode replays.
	TraceReplayEvents bool
	// DistributedTracingEnabled exports spans over OTLP even without an
	// OTEL_* variable (tracing.distributedTracingEnabled).
	DistributedTracingEnabled bool
}

// EventGridConfig is notifications.eventGrid as written; the topic key
// (the app setting KeySettingName names) and a %Setting% endpoint are
// resolved by whoever publishes.
type EventGridConfig struct {
	TopicEndpoint  string
	KeySettingName string
	// PublishRetryCount is how many times a failed publish is sent again.
	PublishRetryCount int
	// PublishRetryInterval is the wait between sends (0: the publisher's
	// default).
	PublishRetryInterval time.Duration
	// PublishRetryHTTPStatus are statuses, besides 503, that are retried.
	PublishRetryHTTPStatus []int
	// PublishEventTypes are the lifecycle changes published (all when
	// empty).
	PublishEventTypes []string
}

// parseTelemetry types the tracing, tracking and notifications members
// of the durableTask section s; members without effect become warnings,
// bad values problems of s.
func parseTelemetry(s section) (tr TracingConfig, eg *EventGridConfig, warnings []string) {
	warn := func(path, why string) {
		warnings = append(warnings, fmt.Sprintf("host.json: %s is not supported and has no effect: %s", path, why))
	}
	for _, name := range []string{"tracking", "tracing"} {
		sec := s.child(name)
		if sec.m == nil {
			continue
		}
		tr.Present = true
		for key := range sec.m {
			switch lk := strings.ToLower(key); lk {
			case "traceinputsandoutputs":
				tr.TraceInputsAndOutputs = sec.boolean(key, false)
			case "tracereplayevents":
				tr.TraceReplayEvents = sec.boolean(key, false)
			case "distributedtracingenabled":
				if name != "tracing" {
					warn(sec.keyPath(key), "set tracing.distributedTracingEnabled")
					continue
				}
				tr.DistributedTracingEnabled = sec.boolean(key, false)
			case "distributedtracingprotocol":
				if !strings.EqualFold(sec.str(key, ""), "W3CTraceContext") {
					warn(sec.keyPath(key), "spans always carry W3C trace context")
				}
			case "version":
				if !strings.EqualFold(sec.str(key, ""), "V2") {
					warn(sec.keyPath(key), "spans follow the V2 (OpenTelemetry) conventions")
				}
			case "allowverboselinuxtelemetry":
				warn(sec.keyPath(key), "an Azure platform setting")
			default:
				warn(sec.keyPath(key), "no such setting")
			}
		}
	}
	n := s.child("notifications")
	for key := range n.m {
		if !strings.EqualFold(key, "eventGrid") {
			warn(n.keyPath(key), "no such setting")
		}
	}
	if g := n.child("eventGrid"); g.m != nil {
		eg = parseEventGrid(g, warn)
	}
	return tr, eg, warnings
}

func parseEventGrid(g section, warn func(path, why string)) *EventGridConfig {
	eg := &EventGridConfig{}
	for key := range g.m {
		switch strings.ToLower(key) {
		case "topicendpoint":
			eg.TopicEndpoint = g.str(key, "")
		case "keysettingname":
			eg.KeySettingName = g.str(key, "")
		case "publishretrycount":
			eg.PublishRetryCount = g.integer(key, 0, 0, maxInt)
		case "publishretryinterval":
			eg.PublishRetryInterval = g.timeSpan(key, 0, 0, 0)
		case "publishretryhttpstatus":
			eg.PublishRetryHTTPStatus = statusList(g, key)
		case "publisheventtypes":
			eg.PublishEventTypes = stringList(g, key)
		default:
			warn(g.keyPath(key), "no such setting")
		}
	}
	if eg.TopicEndpoint == "" || eg.KeySettingName == "" {
		g.fail("topicEndpoint", nil, "notifications.eventGrid needs topicEndpoint and keySettingName")
		return nil
	}
	return eg
}

// statusList reads a list of HTTP status codes, written as numbers or
// (from environment overrides) strings.
func statusList(s section, key string) []int {
	v, _ := s.get(key)
	var items []any
	switch t := v.(type) {
	case []any:
		items = t
	case map[string]any: // an environment override: keys "0", "1", ...
		for i := 0; i < len(t); i++ {
			items = append(items, t[strconv.Itoa(i)])
		}
	default:
		s.fail(key, v, "must be a list of HTTP status codes")
		return nil
	}
	out := make([]int, 0, len(items))
	for i, x := range items {
		text := ""
		switch t := x.(type) {
		case json.Number:
			text = t.String()
		case string:
			text = strings.TrimSpace(t)
		}
		n, err := strconv.Atoi(text)
		if err != nil || n < 100 || n > 599 {
			s.fail(fmt.Sprintf("%s[%d]", key, i), x, "must be an HTTP status code (100-599)")
			return nil
		}
		out = append(out, n)
	}
	return out
}
