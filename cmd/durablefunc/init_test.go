package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/extension"
	"github.com/godurable/durablefunctions/internal/funcapp"
)

// A new user's first hour, as a test: init writes an app into a folder
// outside this repository, which builds, serves its starter over HTTP to a
// completed orchestration, and passes its own unit tests.
func TestInitWritesAnAppThatBuildsServesAndPassesItsTests(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a generated app")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH")
	}
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "myapp")
	var out bytes.Buffer
	if err := run([]string{"init", "--module", "example.com/myapp", "--replace", repo, dir}, &out); err != nil {
		t.Fatalf("init: %v", err)
	}
	if !strings.Contains(out.String(), "go mod tidy") || !strings.Contains(out.String(), "make run") {
		t.Errorf("init did not say what to do next:\n%s", out.String())
	}
	goCmd(t, dir, "mod", "tidy")
	goCmd(t, dir, "build", "-o", "myapp", ".")
	base := serve(t, dir)

	resp := post(t, base+"/api/hello", `["Tokyo","London"]`)
	if resp.code != http.StatusAccepted {
		t.Fatalf("start answered %d: %s", resp.code, resp.body)
	}
	var check struct {
		StatusQueryGetURI string `json:"statusQueryGetUri"`
	}
	if err := json.Unmarshal([]byte(resp.body), &check); err != nil || check.StatusQueryGetURI == "" {
		t.Fatalf("no statusQueryGetUri in %s", resp.body)
	}
	status := waitCompleted(t, check.StatusQueryGetURI)
	if got := string(status["output"]); got != `["Hello Tokyo!","Hello London!"]` {
		t.Errorf("output %s", got)
	}
	if bad := post(t, base+"/api/hello", `{"not":"a list"}`); bad.code != http.StatusBadRequest || !strings.Contains(bad.body, "JSON array of names") {
		t.Errorf("a bad body answered %d %s, want 400 naming the problem", bad.code, bad.body)
	}
	test := exec.Command("go", "test", "./...")
	test.Dir = dir
	if b, err := test.CombinedOutput(); err != nil || !strings.Contains(string(b), "ok") {
		t.Fatalf("the generated tests failed: %v\n%s", err, b)
	}
}

func TestInitRefusesAFolderThatIsNotEmpty(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := run([]string{"init", dir}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("init into a folder with main.go: %v, want a refusal", err)
	}
}

func TestInitNamesTheBinaryAndHubAfterTheModule(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "x")
	if err := run([]string{"init", "--module", "example.com/order-service", dir}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	host, err := os.ReadFile(filepath.Join(dir, "host.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"defaultExecutablePath": "order-service"`, `"hubName": "OrderServiceHub"`} {
		if !strings.Contains(string(host), want) {
			t.Errorf("host.json lacks %s:\n%s", want, host)
		}
	}
	mk, _ := os.ReadFile(filepath.Join(dir, "Makefile"))
	if !strings.Contains(string(mk), "go build -o order-service .") {
		t.Errorf("the Makefile does not build the binary host.json names:\n%s", mk)
	}
}

func goCmd(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, b)
	}
}

// serve starts the built app standalone on a free port and returns its URL.
func serve(t *testing.T, dir string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var logs bytes.Buffer
	cmd := exec.Command("./myapp", "--addr", addr)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("app log:\n%s", logs.String())
		}
	})
	base := "http://" + addr
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if r, err := http.Get(base + "/runtime/webhooks/durabletask/instances"); err == nil {
			r.Body.Close()
			return base
		}
	}
	t.Fatalf("the app did not start listening on %s", addr)
	return ""
}

type reply struct {
	code int
	body string
}

func post(t *testing.T, url, body string) reply {
	t.Helper()
	r, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(r.Body)
	return reply{r.StatusCode, b.String()}
}

func waitCompleted(t *testing.T, url string) map[string]json.RawMessage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("status: %v", err)
		}
		var st map[string]json.RawMessage
		err = json.NewDecoder(r.Body).Decode(&st)
		r.Body.Close()
		if err == nil && string(st["runtimeStatus"]) == `"Completed"` {
			return st
		}
		if err == nil && (string(st["runtimeStatus"]) == `"Failed"` || string(st["runtimeStatus"]) == `"Terminated"`) {
			t.Fatalf("the orchestration ended %s: %s", st["runtimeStatus"], st["output"])
		}
		select {
		case <-ctx.Done():
			t.Fatal(fmt.Errorf("the orchestration did not complete: last status %v", st))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// init --extension writes the same app for extension mode: host.json loads
// the extension bundle, so behind the host (FUNCTIONS_WORKER_RUNTIME=custom)
// the binary hands the task hub to the host's Durable extension, while a
// standalone run keeps its own engine; the host serves the management API,
// so no DurableTaskApi function is written.
func TestInitWithExtensionWritesAnAppThatRunsInExtensionModeBehindTheHost(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "x")
	if err := run([]string{"init", "--extension", "--module", "example.com/orders", dir}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	fa, err := funcapp.LoadApp(dir)
	if err != nil {
		t.Fatalf("the written app does not load: %v", err)
	}
	if fa.Function("DurableTaskApi") != nil {
		t.Error("extension mode wrote a DurableTaskApi function; the host serves the management API")
	}
	for _, name := range []string{"Hello", "SayHello", "StartHello"} {
		if fa.Function(name) == nil {
			t.Errorf("no %s function", name)
		}
	}
	env := map[string]string{"FUNCTIONS_CUSTOMHANDLER_PORT": "7000", "FUNCTIONS_WORKER_RUNTIME": "custom"}
	behind, err := extension.DetectMode(dir, func(k string) string { return env[k] })
	if err != nil || behind.Mode != extension.Extended {
		t.Errorf("behind the host: %v, %v; want extension mode", behind, err)
	}
	alone, err := extension.DetectMode(dir, func(string) string { return "" })
	if err != nil || alone.Mode != extension.Native {
		t.Errorf("standalone: %v, %v; want native mode", alone, err)
	}
	settings, _ := os.ReadFile(filepath.Join(dir, "local.settings.json.example"))
	if !strings.Contains(string(settings), `"AzureWebJobsStorage": "UseDevelopmentStorage=true"`) {
		t.Errorf("local.settings.json.example gives the extension no storage:\n%s", settings)
	}
}
