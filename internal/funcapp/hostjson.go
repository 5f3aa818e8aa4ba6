package funcapp

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// HostFile is the name of the function app's host configuration file.
const HostFile = "host.json"

// EnvOverridePrefix starts an environment variable (app setting) that
// overrides a host.json value; the rest of its name is the key path with
// "__" between keys, for example
// AzureFunctionsJobHost__extensions__durableTask__hubName.
const EnvOverridePrefix = "AzureFunctionsJobHost__"

// DefaultRoutePrefix is the route prefix of HTTP-triggered functions when
// host.json does not set extensions.http.routePrefix.
const DefaultRoutePrefix = "api"

// HostConfig is the typed content of host.json, after environment
// overrides. Sections this runtime does not use are only in Raw.
type HostConfig struct {
	// Version is the schema version ("2.0" for Functions v2 and later).
	Version string
	// FunctionTimeout is functionTimeout; 0 when unset or unlimited ("-1").
	FunctionTimeout time.Duration
	// Functions is the optional allow-list of functions to load.
	Functions []string
	// RoutePrefix is extensions.http.routePrefix without surrounding
	// slashes: "api" by default, "" when explicitly set to empty.
	RoutePrefix string
	// CustomHandler is the customHandler section (or its legacy name
	// httpWorker).
	CustomHandler CustomHandlerConfig
	// DurableTask is extensions.durableTask.
	DurableTask DurableTaskConfig
	// Queues is extensions.queues (queue triggers).
	Queues QueuesConfig
	// Raw is the whole host.json with overrides applied, keys as written.
	Raw map[string]any
}

// CustomHandlerConfig is the customHandler section of host.json.
type CustomHandlerConfig struct {
	// Present reports whether host.json has a customHandler (or httpWorker)
	// section at all.
	Present               bool
	DefaultExecutablePath string
	WorkingDirectory      string
	Arguments             []string
	// EnableForwardingHTTPRequest makes the host forward the original
	// request of HTTP-in/HTTP-out functions instead of an invocation
	// envelope (enableForwardingHttpRequest).
	EnableForwardingHTTPRequest bool
	// EnableProxyingHTTPRequest is the newer, proxy-based variant of the
	// same behaviour (enableProxyingHttpRequest).
	EnableProxyingHTTPRequest bool
}

// ForwardsHTTP reports whether HTTP-in/HTTP-out functions receive the
// original request rather than an invocation envelope.
func (c CustomHandlerConfig) ForwardsHTTP() bool {
	return c.EnableForwardingHTTPRequest || c.EnableProxyingHTTPRequest
}

// parseHostConfig types a decoded host.json after applying the overrides
// found in settings.
func parseHostConfig(root map[string]any, settings *Settings) (*HostConfig, error) {
	var p problems
	origins := applyEnvOverrides(root, settings, &p)
	top := section{file: HostFile, m: root, origins: origins, p: &p}

	cfg := &HostConfig{Raw: root}
	cfg.Version = top.str("version", "")
	cfg.FunctionTimeout = parseFunctionTimeout(top)
	cfg.Functions = stringList(top, "functions")

	httpSec := top.child("extensions").child("http")
	cfg.RoutePrefix = strings.Trim(httpSec.str("routePrefix", DefaultRoutePrefix), "/")

	ch := top.child("customHandler")
	if ch.m == nil {
		ch = top.child("httpWorker")
	}
	if ch.m != nil {
		desc := ch.child("description")
		cfg.CustomHandler = CustomHandlerConfig{
			Present:                     true,
			DefaultExecutablePath:       desc.str("defaultExecutablePath", ""),
			WorkingDirectory:            desc.str("workingDirectory", ""),
			Arguments:                   stringList(desc, "arguments"),
			EnableForwardingHTTPRequest: ch.boolean("enableForwardingHttpRequest", false),
			EnableProxyingHTTPRequest:   ch.boolean("enableProxyingHttpRequest", false),
		}
	}

	cfg.DurableTask = parseDurableTask(top.child("extensions").child("durableTask"), settings)
	cfg.Queues = parseQueues(top.child("extensions").child("queues"))
	if err := p.err(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// parseFunctionTimeout reads functionTimeout; "-1" means unlimited.
func parseFunctionTimeout(top section) time.Duration {
	v, ok := top.get("functionTimeout")
	if !ok {
		return 0
	}
	if s, ok := v.(string); ok && strings.TrimSpace(s) == "-1" {
		return 0
	}
	d := top.timeSpan("functionTimeout", 0, 0, 0)
	if d < 0 {
		return 0
	}
	return d
}

// stringList reads a JSON array of strings. Environment overrides turn
// arrays into objects keyed "0", "1", ...; those are accepted too.
func stringList(s section, key string) []string {
	v, ok := s.get(key)
	if !ok {
		return nil
	}
	var items []any
	switch t := v.(type) {
	case []any:
		items = t
	case map[string]any:
		for i := 0; ; i++ {
			item, ok := t[strconv.Itoa(i)]
			if !ok {
				break
			}
			items = append(items, item)
		}
		if len(items) != len(t) {
			s.fail(key, v, "must be an array of strings")
			return nil
		}
	default:
		s.fail(key, v, "must be an array of strings")
		return nil
	}
	out := make([]string, 0, len(items))
	for i, item := range items {
		str, ok := item.(string)
		if !ok {
			s.fail(fmt.Sprintf("%s[%d]", key, i), item, "must be a string")
			continue
		}
		out = append(out, str)
	}
	return out
}

// applyEnvOverrides writes every AzureFunctionsJobHost__a__b=value setting
// into root at path a.b (keys matched case-insensitively, created when
// missing) and returns which variable set which lower-cased key path.
func applyEnvOverrides(root map[string]any, settings *Settings, p *problems) map[string]string {
	origins := make(map[string]string)
	for _, name := range settings.Names() {
		if len(name) <= len(EnvOverridePrefix) || !strings.EqualFold(name[:len(EnvOverridePrefix)], EnvOverridePrefix) {
			continue
		}
		segs := strings.Split(name[len(EnvOverridePrefix):], "__")
		valid := true
		for _, s := range segs {
			if s == "" {
				valid = false
			}
		}
		if !valid {
			p.add(fmt.Sprintf("environment variable %s: empty key in path; separate keys with exactly two underscores", name))
			continue
		}
		setPath(root, segs, settings.Get(name))
		origins[strings.ToLower(strings.Join(segs, "."))] = name
	}
	return origins
}

// setPath sets the value at segs inside node and returns the (possibly
// replaced) node. Array elements are addressed by index.
func setPath(node any, segs []string, value string) any {
	if len(segs) == 0 {
		return value
	}
	switch n := node.(type) {
	case map[string]any:
		k, ok := findKey(n, segs[0])
		if !ok {
			k = segs[0]
		}
		n[k] = setPath(n[k], segs[1:], value)
		return n
	case []any:
		if i, err := strconv.Atoi(segs[0]); err == nil && i >= 0 && i <= len(n) {
			if i == len(n) {
				n = append(n, nil)
			}
			n[i] = setPath(n[i], segs[1:], value)
			return n
		}
	}
	return map[string]any{segs[0]: setPath(nil, segs[1:], value)}
}
