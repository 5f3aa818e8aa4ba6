package handler_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/handler"
	"github.com/godurable/durablefunctions/internal/funcapp/funcapptest"
)

// writeApp writes a function app (host.json and function folders) into a
// temporary directory and returns it.
var writeApp = funcapptest.WriteApp

const memoryHostJSON = `{"version":"2.0","extensions":{"durableTask":{"hubName":"StartupHub","storageProvider":{"type":"memory"}}}}`

func TestStartReportsEveryMismatchBetweenFunctionJSONAndGoInOneError(t *testing.T) {
	dir := writeApp(t, map[string]string{
		"host.json":                  memoryHostJSON,
		"Orphan/function.json":       `{"bindings":[{"type":"orchestrationTrigger","direction":"in","name":"context"}]}`,
		"Declared/function.json":     `{"bindings":[{"type":"activityTrigger","direction":"in","name":"input"}]}`,
		"DeclaredHTTP/function.json": `{"bindings":[{"type":"httpTrigger","direction":"in","name":"req","route":"hello"},{"type":"http","direction":"out","name":"res"}]}`,
	})
	a := handler.NewApp()
	a.Activity("Declared", durable.ActivityOf(func(_ context.Context, s string) (string, error) { return s, nil }))
	a.Activity("Undeclared", durable.ActivityOf(func(_ context.Context, s string) (string, error) { return s, nil }))

	srv, err := handler.Start(t.Context(), a, &handler.Options{Mode: handler.BehindHost, AppDir: dir, Addr: "127.0.0.1:0"})
	if err == nil {
		_ = srv.Shutdown(context.Background())
		t.Fatal("Start succeeded for an app whose function.json files and Go registrations disagree")
	}
	msg := err.Error()
	wants := []struct{ problem, fix string }{
		{`"Orphan"`, `app.Orchestrator("Orphan", fn)`},
		{`"DeclaredHTTP"`, `app.HTTP("DeclaredHTTP", fn)`},
		{`"Undeclared"`, "Undeclared/function.json"},
	}
	for _, w := range wants {
		if !strings.Contains(msg, w.problem) || !strings.Contains(msg, w.fix) {
			t.Errorf("the error does not name %s with the fix %q:\n%s", w.problem, w.fix, msg)
		}
	}
	if strings.Contains(msg, `"Declared"`) {
		t.Errorf("the error names Declared, which is both declared and registered:\n%s", msg)
	}
}

func TestStartRefusesToServeTheManagementAPIOnANonLoopbackAddressWithoutAKey(t *testing.T) {
	t.Setenv("DURABLETASK_EXTENSION_KEY", "")
	dir := writeApp(t, map[string]string{"host.json": memoryHostJSON})
	tests := []struct {
		name, addr string
		key        string
		wantErr    bool
	}{
		{"every interface without a key is refused", "0.0.0.0:0", "", true},
		{"an empty host without a key is refused", ":0", "", true},
		{"loopback without a key is served", "127.0.0.1:0", "", false},
		{"every interface with a key is served", "0.0.0.0:0", "s3cret", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("DURABLETASK_EXTENSION_KEY", tt.key)
			srv, err := handler.Start(t.Context(), handler.NewApp(), &handler.Options{Mode: handler.Standalone, AppDir: dir, Addr: tt.addr})
			if err == nil {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				_ = srv.Shutdown(ctx)
			}
			switch {
			case tt.wantErr && err == nil:
				t.Fatalf("Start served the management API on %s without a key", tt.addr)
			case tt.wantErr && !strings.Contains(err.Error(), "DURABLETASK_EXTENSION_KEY"):
				t.Errorf("error %q does not say how to fix it (DURABLETASK_EXTENSION_KEY)", err)
			case !tt.wantErr && err != nil:
				t.Errorf("Start: %v", err)
			}
		})
	}
}

func TestParseOptionsChoosesTheModeFromTheEnvironment(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantMode handler.Mode
		wantAddr string
	}{
		{"no host and no flags serve standalone on 7071", nil, nil, handler.Standalone, "127.0.0.1:7071"},
		{"PORT sets the standalone port", nil, map[string]string{"PORT": "8080"}, handler.Standalone, "127.0.0.1:8080"},
		{"--addr wins over PORT", []string{"--addr", "127.0.0.1:9999"}, map[string]string{"PORT": "8080"}, handler.Standalone, "127.0.0.1:9999"},
		{"the host's port means behind the host", []string{"--addr", "127.0.0.1:9999"}, map[string]string{"FUNCTIONS_CUSTOMHANDLER_PORT": "4567"}, handler.BehindHost, "127.0.0.1:4567"},
		{"the legacy variable works too", nil, map[string]string{"FUNCTIONS_HTTPWORKER_PORT": "4568"}, handler.BehindHost, "127.0.0.1:4568"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := handler.ParseOptions(append([]string{"--app", t.TempDir()}, tt.args...), func(k string) string { return tt.env[k] })
			if err != nil {
				t.Fatal(err)
			}
			if o.Mode != tt.wantMode || o.Addr != tt.wantAddr {
				t.Errorf("mode %v addr %s, want %v %s", o.Mode, o.Addr, tt.wantMode, tt.wantAddr)
			}
		})
	}
}
