package azuretest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/handler"
	"github.com/godurable/durablefunctions/internal/azurite"
	"github.com/godurable/durablefunctions/samples/app"
)

const webhookPath = "/runtime/webhooks/durabletask"

// sampleServer is the sample app served in-process on Azure Storage.
type sampleServer struct {
	base string
	srv  *handler.Server
}

// startSamples starts samples/app standalone on a free loopback port with
// the Azure Storage provider and the given AzureWebJobsStorage.
func startSamples(t *testing.T, connection string) *sampleServer {
	t.Helper()
	root, err := azurite.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("AzureWebJobsStorage", connection)
	t.Setenv("AzureFunctionsJobHost__extensions__durableTask__storageProvider__type", "AzureStorage")
	t.Setenv("AzureFunctionsJobHost__extensions__durableTask__hubName", uniqueHub("samples"))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv, err := handler.Start(ctx, app.New(), &handler.Options{
		Mode: handler.Standalone, AppDir: filepath.Join(root, "samples"), Addr: "127.0.0.1:0", Logger: logger(),
	})
	if err != nil {
		t.Fatalf("start the sample app on Azure Storage: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return &sampleServer{base: "http://" + srv.Addr(), srv: srv}
}

func (s *sampleServer) do(t *testing.T, method, path, body string) (int, []byte) {
	t.Helper()
	u := path
	if !strings.HasPrefix(u, "http") {
		u = s.base + path
	}
	var rd io.Reader = http.NoBody
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

type sampleCheckStatus struct {
	ID                string `json:"id"`
	StatusQueryGetURI string `json:"statusQueryGetUri"`
	SendEventPostURI  string `json:"sendEventPostUri"`
}

type sampleStatus struct {
	RuntimeStatus string          `json:"runtimeStatus"`
	Output        json.RawMessage `json:"output"`
}

// start posts /api/orchestrators/{name}.
func (s *sampleServer) start(t *testing.T, name, input string) sampleCheckStatus {
	t.Helper()
	code, b := s.do(t, http.MethodPost, "/api/orchestrators/"+name, input)
	if code != http.StatusAccepted {
		t.Fatalf("start %s: %d %s", name, code, b)
	}
	var cs sampleCheckStatus
	if err := json.Unmarshal(b, &cs); err != nil || cs.ID == "" {
		t.Fatalf("start %s: check-status payload %s (%v)", name, b, err)
	}
	return cs
}

// wait polls GET /runtime/webhooks/durabletask/instances/{id} until the
// instance is in one of the statuses.
func (s *sampleServer) wait(t *testing.T, id string, statuses ...string) sampleStatus {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, b := s.do(t, http.MethodGet, webhookPath+"/instances/"+url.PathEscape(id), "")
		var st sampleStatus
		if code == http.StatusOK || code == http.StatusAccepted {
			_ = json.Unmarshal(b, &st)
			for _, w := range statuses {
				if st.RuntimeStatus == w {
					return st
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("instance %s: %d %s after 60 s, want %v", id, code, b, statuses)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *sampleServer) signal(t *testing.T, entity, key, op, input string) {
	t.Helper()
	code, b := s.do(t, http.MethodPost, webhookPath+"/entities/"+entity+"/"+url.PathEscape(key)+"?op="+url.QueryEscape(op), input)
	if code != http.StatusAccepted {
		t.Fatalf("signal %s/%s %s: %d %s", entity, key, op, code, b)
	}
}

func (s *sampleServer) waitEntity(t *testing.T, entity, key, want string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, b := s.do(t, http.MethodGet, webhookPath+"/entities/"+entity+"/"+url.PathEscape(key), "")
		if code == http.StatusOK && jsonEq(string(b), want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("entity %s/%s: %d %s after 60 s, want %s", entity, key, code, b, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func jsonEq(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

// runSamples runs the samples end to end over HTTP.
func runSamples(t *testing.T, s *sampleServer) {
	type orch struct {
		name, input, want string
		approve           bool
	}
	cases := []orch{
		{name: "HelloSequence", want: `["Hello Tokyo!","Hello Seattle!","Hello London!"]`},
		{name: "FanOutFanIn", input: `10`, want: `385`},
		{name: "ApprovalWorkflow", input: `{"timeoutSeconds":300}`, approve: true, want: `"approved"`},
		{name: "SubOrchestrationParent", want: `[["Hello Tokyo!","Hello Seattle!","Hello London!"],["Hello Tokyo!","Hello Seattle!","Hello London!"]]`},
		{name: "ContinueAsNewCounter", input: `{"target":5}`, want: `5`},
		{name: "RetryThenSucceed", want: `"succeeded after retries"`},
		{name: "Monitor", input: `{"jobId":"j1","pollingIntervalSeconds":1,"expirySeconds":30}`, want: `"Completed"`},
	}
	// Start them all, then check each.
	started := make([]sampleCheckStatus, len(cases))
	for i, c := range cases {
		started[i] = s.start(t, c.name, c.input)
	}
	for i, c := range cases {
		cs := started[i]
		t.Run(c.name, func(t *testing.T) {
			if c.approve {
				s.wait(t, cs.ID, "Running")
				u := strings.Replace(cs.SendEventPostURI, "{eventName}", "ApprovalEvent", 1)
				if code, b := s.do(t, http.MethodPost, u, "true"); code != http.StatusAccepted {
					t.Fatalf("raise ApprovalEvent: %d %s", code, b)
				}
			}
			st := s.wait(t, cs.ID, "Completed", "Failed", "Terminated", "Canceled")
			if st.RuntimeStatus != "Completed" || !jsonEq(string(st.Output), c.want) {
				t.Fatalf("%s: %s %s, want Completed %s", c.name, st.RuntimeStatus, st.Output, c.want)
			}
		})
	}
	t.Run("Counter", func(t *testing.T) {
		key := uniqueHub("c")
		s.signal(t, "Counter", key, "add", "5")
		s.signal(t, "Counter", key, "add", "3")
		s.waitEntity(t, "Counter", key, "8")
		s.signal(t, "Counter", key, "reset", "")
		s.signal(t, "Counter", key, "add", "2")
		s.waitEntity(t, "Counter", key, "2")
	})
	t.Run("TransferFunds", func(t *testing.T) {
		from, to := uniqueHub("from"), uniqueHub("to")
		s.signal(t, "Account", from, "deposit", "100")
		s.signal(t, "Account", to, "deposit", "50")
		s.waitEntity(t, "Account", from, `{"balance":100}`)
		s.waitEntity(t, "Account", to, `{"balance":50}`)
		for _, step := range []struct {
			amount   int
			want     string
			from, to int
		}{{30, "true", 70, 80}, {1000, "false", 70, 80}} {
			cs := s.start(t, "TransferFunds", fmt.Sprintf(`{"from":%q,"to":%q,"amount":%d}`, from, to, step.amount))
			st := s.wait(t, cs.ID, "Completed", "Failed", "Terminated")
			if st.RuntimeStatus != "Completed" || !jsonEq(string(st.Output), step.want) {
				t.Fatalf("transfer %d: %s %s, want Completed %s", step.amount, st.RuntimeStatus, st.Output, step.want)
			}
			s.waitEntity(t, "Account", from, fmt.Sprintf(`{"balance":%d}`, step.from))
			s.waitEntity(t, "Account", to, fmt.Sprintf(`{"balance":%d}`, step.to))
		}
	})
}

// TestSamplesOnAzureStorage runs the sample app with the AzureStorage
// provider and AzureWebJobsStorage set to the test Azurite's connection
// string: every sample end to end over HTTP.
func TestSamplesOnAzureStorage(t *testing.T) {
	inst := azurite.Shared(t)
	s := startSamples(t, inst.ConnectionString())
	runSamples(t, s)
}

// TestSamplesOnDevelopmentStorage runs the sample app with
// AzureWebJobsStorage=UseDevelopmentStorage=true, which means Azurite on
// 127.0.0.1:10000-10002: every sample end to end again. It starts an
// Azurite there when the ports are free and skips otherwise.
func TestSamplesOnDevelopmentStorage(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	for _, p := range []int{10000, 10001, 10002} {
		if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", p), 200*time.Millisecond); err == nil {
			c.Close()
			t.Skipf("port %d is in use: cannot start Azurite on the development storage ports", p)
		}
	}
	root, err := azurite.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(root, "tools", "azurite", "node_modules", ".bin", "azurite")
	if _, err := os.Stat(bin); err != nil {
		azurite.Shared(t) // skips or fails with the install hint
		t.Skipf("azurite not installed: %v", err)
	}
	cmd := exec.Command(bin, "--silent", "--inMemoryPersistence", "--skipApiVersionCheck", "--loose", "--disableTelemetry",
		"--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for _, p := range []int{10000, 10001, 10002} {
		for {
			c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", p), 200*time.Millisecond)
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("azurite did not listen on %d", p)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	s := startSamples(t, "UseDevelopmentStorage=true")
	runSamples(t, s)
}
