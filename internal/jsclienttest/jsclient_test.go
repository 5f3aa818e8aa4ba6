package jsclienttest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/childproc"
	"github.com/godurable/durablefunctions/internal/mgmtapi"
	"github.com/godurable/durablefunctions/internal/redisserver"
)

const (
	jsclientDir = "../../tools/jsclient"
	script      = jsclientDir + "/client.mjs"
	// scriptTimeout bounds one run of the scenario (about a second when
	// healthy); stepTimeout bounds each wait inside it.
	scriptTimeout = 3 * time.Minute
	stepTimeout   = 60 * time.Second
)

// jsclient says when a missing node or tools/jsclient/node_modules skips
// the test and when it fails it (CI, or DURABLE_REQUIRE_JSCLIENT=1).
var jsclient = childproc.Service{
	Name:        "jsclient",
	RequireEnv:  "DURABLE_REQUIRE_JSCLIENT",
	InstallHint: "run `make jsclient` (npm ci --prefix tools/jsclient) from the module root; node must be on PATH",
}

// summary is the JSON line client.mjs prints last.
type summary struct {
	OK      bool   `json:"ok"`
	Binding string `json:"binding"`
	Passed  int    `json:"passed"`
	Steps   int    `json:"steps"`
	Failed  string `json:"failed"`
	Error   string `json:"error"`
}

// The official client, given a durableClient binding value pointing at
// the standalone API, runs the whole scenario of tools/jsclient/scenario.mjs
// (start, status, events, suspend/resume, terminate, queries, purges,
// entities) on each store, in each form of the binding value.
func TestTheOfficialJavaScriptClientDrivesTheManagementAPI(t *testing.T) {
	node := requireJSClient(t)
	sqlite := func(_ *testing.T, hub string) appConfig {
		return appConfig{
			// Named explicitly so that an AzureWebJobsStorage in the
			// environment cannot switch the default to Azure Storage; the
			// path stays the default, .durable/<hub>.db in the app.
			storageProvider: map[string]any{"type": "sqlite"},
			settings:        map[string]string{},
			holds: func(dir string) error {
				_, err := os.Stat(filepath.Join(dir, ".durable", hub+".db"))
				return err
			},
		}
	}
	redis := func(t *testing.T, hub string) appConfig {
		addr := redisserver.Shared(t).Addr()
		return appConfig{
			// The seed's host.json form, the setting holding host:port.
			storageProvider: map[string]any{"redis": map[string]any{"connectionStringName": "RedisConnection"}},
			settings:        map[string]string{"RedisConnection": addr},
			holds: func(string) error {
				keys, err := redisserver.Command(addr, "KEYS", "dt:{"+hub+":*")
				if err == nil && keys == "" {
					err = fmt.Errorf("redis at %s has no keys of hub %s", addr, hub)
				}
				return err
			},
		}
	}
	for _, c := range []struct {
		name    string
		store   func(t *testing.T, hub string) appConfig
		binding string // client.mjs --binding; given: mgmtapi.ClientBindingData's value
		key     string // DURABLETASK_EXTENSION_KEY, "" for none
		hub     string // distinct: the Redis runs share one server
	}{
		{"on SQLite through rpcBaseUrl", sqlite, "rpc", "", "JsSqliteRpc"},
		{"on SQLite through the URL templates with a key", sqlite, "urls", "js/key+1==", "JsSqliteUrls"},
		{"on Redis through rpcBaseUrl", redis, "rpc", "", "JsRedisRpc"},
		{"on Redis through the URL templates with a key", redis, "urls", "js/key+2==", "JsRedisUrls"},
		{"on SQLite through the binding value the runtime hands out", sqlite, "given", "", "JsSqliteGiven"},
		// durable-js prefers rpcBaseUrl and sends no key to it: with a key
		// the binding must leave it out so that the keyed templates are used.
		{"on SQLite through the binding value the runtime hands out, with a key", sqlite, "given", "js/key+3==", "JsSqliteGivenKey"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := c.store(t, c.hub)
			cfg.hub = c.hub
			if c.key != "" {
				cfg.settings["DURABLETASK_EXTENSION_KEY"] = c.key
			}
			base, dir := startSamples(t, cfg)
			env := []string{"DURABLETASK_EXTENSION_KEY=" + c.key}
			if c.binding == "given" {
				env = append(env, "DURABLE_CLIENT_BINDING="+runtimeBinding(t, base, cfg.hub, c.key))
			}
			s := runScenario(t, node, base, cfg.hub, c.binding, env)
			if err := cfg.holds(dir); err != nil {
				t.Fatalf("the scenario passed, but not on the store asked for: %v", err)
			}
			t.Logf("%s: %d/%d steps passed", s.Binding, s.Passed, s.Steps)
		})
	}
}

// requireJSClient returns node's path, or skips (fails under CI) when node
// or the pinned client is not installed.
func requireJSClient(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(jsclientDir, "node_modules", "durable-functions", "package.json"))
	}
	if err != nil {
		jsclient.Unavailable(t, err)
	}
	return node
}

// runScenario runs client.mjs against base and fails the test with its
// output unless every step passed.
func runScenario(t *testing.T, node, base, hub, binding string, env []string) summary {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), scriptTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script, "--base", base, "--hub", hub, "--binding", binding,
		"--timeout-ms", fmt.Sprint(stepTimeout.Milliseconds()))
	// The key goes through the environment, out of the process list.
	cmd.Env = append(os.Environ(), env...)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("%s did not finish in %s; its output:\n%s", script, scriptTimeout, out)
	}
	if err != nil {
		t.Fatalf("%s --binding %s against %s: %v; its output:\n%s", script, binding, base, err, out)
	}
	s, err := lastSummary(out)
	if err != nil {
		t.Fatalf("%s exited 0 but %v; its output:\n%s", script, err, out)
	}
	// A zero exit must mean every step ran: a scenario that stopped early
	// or ran nothing is a failure too.
	if !s.OK || s.Steps == 0 || s.Passed != s.Steps || s.Binding != binding {
		t.Fatalf("%s exited 0 with summary %+v; its output:\n%s", script, s, out)
	}
	t.Logf("%s", out)
	return s
}

// runtimeBinding returns, as JSON, the durableClient binding value that
// mgmtapi.ClientBindingData gives a function of the app serving base: what
// a JavaScript or Python function would be handed, key included. The value depends only
// on the request's authority and the API's options, so no client is needed.
func runtimeBinding(t *testing.T, base, hub, key string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, u.Scheme+"://"+u.Host+"/api/HttpStart", nil)
	opts := []mgmtapi.Option{mgmtapi.WithHubName(hub)}
	if key != "" {
		opts = append(opts, mgmtapi.WithKey(key))
	}
	b, err := json.Marshal(mgmtapi.New(nil, opts...).ClientBindingData(r))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// lastSummary decodes the last line of out, the scenario's JSON summary.
func lastSummary(out []byte) (summary, error) {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var s summary
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &s); err != nil {
		return s, fmt.Errorf("its last line is not the JSON summary: %w", err)
	}
	return s, nil
}
