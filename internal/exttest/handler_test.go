package exttest

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/handler"
	"github.com/godurable/durablefunctions/internal/funcapp"
	"github.com/godurable/durablefunctions/internal/funcapp/funcapptest"
	"github.com/godurable/durablefunctions/internal/hostemu"
	"github.com/godurable/durablefunctions/samples/app"
)

// startBehindHost starts a's handler as the host starts a custom handler
// whose host.json loads the extension bundle, and returns its address.
func startBehindHost(t *testing.T, a *handler.App, dir string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, port, _ := net.SplitHostPort(addr)
	t.Setenv("FUNCTIONS_CUSTOMHANDLER_PORT", port)
	t.Setenv("FUNCTIONS_WORKER_RUNTIME", "custom")
	srv, err := handler.Start(t.Context(), a, &handler.Options{Mode: handler.BehindHost, AppDir: dir, Addr: addr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	if srv.Client() != nil {
		t.Error("extension mode opened a store of its own")
	}
	return addr
}

// extensionApp copies the sample app's function.json files into a folder
// with samples/host.extension.json as its host.json: the documented way to
// run the sample app in extension mode (samples/README.md).
func extensionApp(t *testing.T) string {
	t.Helper()
	host, err := os.ReadFile(filepath.Join(funcapptest.SamplesDir(t), "host.extension.json"))
	if err != nil {
		t.Fatal(err)
	}
	return funcapptest.WriteSampleApp(t, map[string]string{"host.json": string(host)})
}

// The sample app's own handler, in extension mode behind the emulated
// host: the stand-in extension invokes its durable functions, and its HTTP
// starter runs with the durableClient binding the extension gives,
// starting orchestrations over gRPC and answering with the host's URLs.
func TestTheSampleHandlerRunsInExtensionModeThroughItsHTTPStarter(t *testing.T) {
	dir := extensionApp(t)
	addr := startBehindHost(t, app.New(), dir)
	s := startStandIn(t, "http://"+addr)
	fa, err := funcapp.LoadApp(dir)
	if err != nil {
		t.Fatal(err)
	}
	host := hostemu.New(fa, "http://"+addr)
	host.RPCBaseURL = "http://" + s.sidecar.ClientAddr
	cases := []struct{ orchestrator, body, want string }{
		{"HelloSequence", "", `["Hello Tokyo!","Hello Seattle!","Hello London!"]`},
		{"FanOutFanIn", "5", `55`},
		{"SubOrchestrationParent", "", `[["Hello Tokyo!","Hello Seattle!","Hello London!"],["Hello Tokyo!","Hello Seattle!","Hello London!"]]`},
	}
	for _, c := range cases {
		t.Run(c.orchestrator, func(t *testing.T) {
			req, _ := http.NewRequest("POST", "http://localhost:7071/api/orchestrators/"+c.orchestrator, strings.NewReader(c.body))
			res, err := host.InvokeHTTP(context.Background(), "HttpStart", req)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != http.StatusAccepted {
				t.Fatalf("HttpStart answered %d: %s", res.StatusCode, res.Body)
			}
			var p struct {
				ID                string `json:"id"`
				StatusQueryGetURI string `json:"statusQueryGetUri"`
			}
			if err := json.Unmarshal(res.Body, &p); err != nil {
				t.Fatalf("check-status payload %s: %v", res.Body, err)
			}
			if !strings.HasPrefix(p.StatusQueryGetURI, "http://localhost:7071/runtime/webhooks/durabletask/instances/"+p.ID) ||
				!strings.Contains(p.StatusQueryGetURI, "code=systemkey") {
				t.Errorf("statusQueryGetUri %q: want the host's management API", p.StatusQueryGetURI)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			st, err := s.client.WaitForCompletion(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got := output(t, st); got != c.want {
				t.Errorf("%s returned %s, want %s", c.orchestrator, got, c.want)
			}
		})
	}
}
