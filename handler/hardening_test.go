package handler_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/handler"
)

// startHardened serves an app with one orchestrator standalone on the
// memory store, with short server timeouts.
func startHardened(t *testing.T) *handler.Server {
	t.Helper()
	dir := writeApp(t, map[string]string{
		"host.json":           memoryHostJSON,
		"Nap/function.json":   `{"bindings":[{"type":"orchestrationTrigger","direction":"in","name":"context"}]}`,
		"Start/function.json": `{"bindings":[{"type":"httpTrigger","direction":"in","name":"req","methods":["post"],"route":"start"},{"type":"http","direction":"out","name":"res"},{"type":"durableClient","direction":"in","name":"starter"}]}`,
	})
	a := handler.NewApp()
	a.Orchestrator("Nap", func(ctx *durable.OrchestrationContext) (any, error) { return "ok", nil })
	a.HTTP("Start", func(w http.ResponseWriter, r *http.Request, fc *handler.FunctionContext) {
		id, err := fc.Client().StartNew(r.Context(), "Nap", nil)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		fc.CreateCheckStatusResponse(w, r, id)
	})
	srv, err := handler.Start(t.Context(), a, &handler.Options{Mode: handler.Standalone, AppDir: dir, Addr: "127.0.0.1:0",
		ReadTimeout: 300 * time.Millisecond, IdleTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	return srv
}

// closedWithin reports whether the server closes conn before the deadline.
func closedWithin(conn net.Conn, d time.Duration) bool {
	_ = conn.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, conn)
	var ne net.Error
	return err == nil || !(errors.As(err, &ne) && ne.Timeout())
}

func TestTheServerDropsASlowBodyAndIdleConnections(t *testing.T) {
	srv := startHardened(t)
	t.Run("a body that trickles in is cut off", func(t *testing.T) {
		conn, err := net.Dial("tcp", srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_, _ = io.WriteString(conn, "POST /api/start HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{")
		if !closedWithin(conn, 10*time.Second) {
			t.Fatal("the connection with a half-sent body was still open after 10 s (read timeout 300 ms)")
		}
	})
	t.Run("an idle keep-alive connection is closed", func(t *testing.T) {
		conn, err := net.Dial("tcp", srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_, _ = io.WriteString(conn, "GET /runtime/webhooks/durabletask/instances HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("list answered %d", resp.StatusCode)
		}
		if !closedWithin(conn, 10*time.Second) {
			t.Fatal("the idle keep-alive connection was still open after 10 s (idle timeout 300 ms)")
		}
	})
}

// statusHost starts Nap through the starter with a forged X-Forwarded-Host
// and returns the host its status URL points at.
func statusHost(t *testing.T, srv *handler.Server) string {
	t.Helper()
	req, _ := http.NewRequest("POST", "http://"+srv.Addr()+"/api/start", nil)
	req.Header.Set("X-Forwarded-Host", "evil.example")
	req.Header.Set("X-Forwarded-Proto", "https")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p struct {
		StatusQueryGetURI string `json:"statusQueryGetUri"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
		t.Fatal(err)
	}
	rest, _ := strings.CutPrefix(p.StatusQueryGetURI, "http://")
	rest, _ = strings.CutPrefix(rest, "https://")
	host, _, _ := strings.Cut(rest, "/")
	return host
}

func TestForwardedHeadersBuildURLsOnlyWhenTrusted(t *testing.T) {
	t.Run("standalone, a forged X-Forwarded-Host is ignored", func(t *testing.T) {
		srv := startHardened(t)
		if h := statusHost(t, srv); h != srv.Addr() {
			t.Fatalf("the status URL points at %q, want the server's own %q", h, srv.Addr())
		}
	})
	t.Run("standalone behind a proxy the operator trusts, it is followed", func(t *testing.T) {
		t.Setenv("DURABLETASK_TRUST_FORWARDED_HEADERS", "true")
		srv := startHardened(t)
		if h := statusHost(t, srv); h != "evil.example" {
			t.Fatalf("the status URL points at %q, want the forwarded host", h)
		}
	})
}

func TestStartupWarnsAboutSettingsWithoutEffectAndHonoursTheRest(t *testing.T) {
	dir := writeApp(t, map[string]string{
		"host.json": `{"version":"2.0","extensions":{"durableTask":{"hubName":"LimitsHub","storageProvider":{"emulator":{}},
			"extendedSessionsEnabled":true,"useAppLease":true,"maxOrchestrationActions":2}}}`,
		"Three/function.json": `{"bindings":[{"type":"orchestrationTrigger","direction":"in","name":"context"}]}`,
		"Tick/function.json":  `{"bindings":[{"type":"activityTrigger","direction":"in","name":"input"}]}`,
	})
	a := handler.NewApp()
	a.Orchestrator("Three", func(ctx *durable.OrchestrationContext) (any, error) {
		for i := 0; i < 3; i++ {
			if err := ctx.CallActivity("Tick", i).Await(nil); err != nil {
				return nil, err
			}
		}
		return nil, nil
	})
	a.Activity("Tick", durable.ActivityOf(func(context.Context, int) (int, error) { return 0, nil }))
	logs := &lockedWriter{w: &strings.Builder{}}
	log := slog.New(slog.NewTextHandler(logs, nil))
	srv, err := handler.Start(t.Context(), a, &handler.Options{Mode: handler.Standalone, AppDir: dir, Addr: "127.0.0.1:0", Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	id, err := srv.Client().StartNew(ctx, "Three", nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := srv.Client().WaitForCompletion(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if st.RuntimeStatus != durable.StatusFailed || !strings.Contains(st.Failure.ErrorMessage, "maxOrchestrationActions") {
		t.Errorf("maxOrchestrationActions 2 with 3 activities: %s %+v", st.RuntimeStatus, st.Failure)
	}
	out := logs.String()
	if !strings.Contains(out, "extensions.durableTask.useAppLease is not supported") {
		t.Errorf("no startup warning names useAppLease:\n%s", out)
	}
	if strings.Contains(out, "extendedSessionsEnabled") {
		t.Errorf("extendedSessionsEnabled, which is honoured, was warned about:\n%s", out)
	}
	if !strings.Contains(out, "store=memory") {
		t.Errorf("the seed's {\"emulator\": {}} did not select the memory store:\n%s", out)
	}
}

// lockedWriter serialises writes from the runtime's goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.(*strings.Builder).String()
}

func TestAMethodAFunctionDoesNotAcceptGets405WithAllow(t *testing.T) {
	srv := startHardened(t)
	resp, err := http.Get("http://" + srv.Addr() + "/api/start")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Fatalf("GET on a POST-only function: %d, Allow %q; want 405 and Allow: POST", resp.StatusCode, resp.Header.Get("Allow"))
	}
	missing, err := http.Get("http://" + srv.Addr() + "/api/nothing-here")
	if err != nil {
		t.Fatal(err)
	}
	missing.Body.Close()
	if missing.StatusCode != http.StatusNotFound {
		t.Fatalf("a path no function serves: %d, want 404", missing.StatusCode)
	}
}
