package main_test

// These tests build the sample app (go build ./samples) and run the binary
// as a user would: standalone, on a loopback port, with the store in a
// temporary directory. They talk to it over real HTTP only. -short skips
// them (they start child processes).

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
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	apiPath = "/runtime/webhooks/durabletask"
	// waitLong bounds every wait for an instance or entity; the samples
	// finish in a few seconds (the retry sample waits 1 s + 2 s).
	waitLong = 30 * time.Second
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	binDir    string
	raceBuild bool // set by race_test.go under -race
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// sampleBinary builds ./samples once per test run.
func sampleBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skipping the tests that build and run the sample binary")
	}
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "samples-e2e-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "samples")
		args := []string{"build", "-o", binPath}
		if raceBuild {
			args = append(args, "-race")
		}
		cmd := exec.Command("go", append(args, ".")...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			buildErr = fmt.Errorf("go build ./samples: %v\n%s", err, out.String())
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// appDir is the sample function app directory (this package's directory).
func appDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// syncBuffer is a bytes.Buffer safe for the child's output goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// proc is one running sample binary.
type proc struct {
	t      *testing.T
	base   string // http://127.0.0.1:port
	cmd    *exec.Cmd
	out    *syncBuffer
	exited chan struct{}
	key    string // sent with every request when set
}

// startApp runs the sample binary standalone on a free loopback port with
// a fresh sqlite store, plus the extra environment, and waits until it
// serves. It is stopped when the test ends; a process that died on its
// own fails the test.
func startApp(t *testing.T, env ...string) *proc {
	t.Helper()
	bin := sampleBinary(t)
	dbDir := t.TempDir()
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		p, err := tryStart(t, bin, dbDir, env)
		if err == nil {
			return p
		}
		lastErr = err
	}
	t.Fatal(lastErr)
	return nil
}

func tryStart(t *testing.T, bin, dbDir string, env []string) (*proc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(bin, "--app", appDir(t), "--addr", addr)
	cmd.Dir = dbDir // nothing may be written into samples/
	cmd.Env = append(cleanEnv(),
		"AzureFunctionsJobHost__extensions__durableTask__storageProvider__type=sqlite",
		"AzureFunctionsJobHost__extensions__durableTask__storageProvider__path="+filepath.Join(dbDir, "e2e.db"),
	)
	cmd.Env = append(cmd.Env, env...)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{t: t, base: "http://" + addr, cmd: cmd, out: out, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	deadline := time.Now().Add(waitLong)
	for {
		resp, err := http.Get(p.base + "/")
		if err == nil {
			resp.Body.Close()
			break
		}
		select {
		case <-p.exited:
			return nil, fmt.Errorf("the sample binary exited before serving:\n%s", out.String())
		default:
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			return nil, fmt.Errorf("the sample binary did not serve %s within %v:\n%s", addr, waitLong, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Cleanup(p.stop)
	return p, nil
}

// stop fails the test if the process crashed, then stops it (SIGTERM,
// then SIGKILL if it does not exit).
func (p *proc) stop() {
	select {
	case <-p.exited:
		p.t.Errorf("the sample binary exited during the test (%v):\n%s", p.cmd.ProcessState, p.out.String())
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
	if strings.Contains(p.out.String(), "WARNING: DATA RACE") {
		p.t.Errorf("the race detector reported a data race in the sample binary")
	}
	if p.t.Failed() {
		p.t.Logf("sample binary output:\n%s", p.out.String())
	}
}

// alive fails the test if the process has exited.
func (p *proc) alive(t *testing.T) {
	t.Helper()
	select {
	case <-p.exited:
		t.Fatalf("the sample binary crashed:\n%s", p.out.String())
	default:
	}
}

func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "FUNCTIONS_CUSTOMHANDLER"), strings.HasPrefix(name, "FUNCTIONS_HTTPWORKER"),
			name == "DURABLETASK_EXTENSION_KEY", name == "PORT", name == "FUNCTIONS_APP_ROOT_PATH",
			strings.HasPrefix(name, "AzureFunctionsJobHost__"):
			continue
		}
		env = append(env, kv)
	}
	return env
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// response is what a user sees of one HTTP exchange.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r *response) String() string { return fmt.Sprintf("%d %s", r.Status, r.Body) }

// json decodes the body into v, failing the test if it is not JSON.
func (r *response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("response %s is not the expected JSON: %v", r, err)
	}
}

// do sends one request. body is sent as is; contentType "" sends none.
// Paths are relative to the app's root (e.g. /api/..., /runtime/...).
func (p *proc) do(t *testing.T, method, path, contentType string, body []byte, header ...string) *response {
	t.Helper()
	u := path
	if !strings.HasPrefix(u, "http") {
		u = p.base + path
	}
	req, err := http.NewRequestWithContext(t.Context(), method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if body == nil {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if p.key != "" {
		req.Header.Set("x-functions-key", p.key)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return &response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// api calls the management API with a JSON body (or none).
func (p *proc) api(t *testing.T, method, path, body string) *response {
	t.Helper()
	if body == "" {
		return p.do(t, method, apiPath+path, "", nil)
	}
	return p.do(t, method, apiPath+path, "application/json", []byte(body))
}

// expect fails the test unless r has the status.
func expect(t *testing.T, what string, r *response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: got %s, want status %d", what, r, status)
	}
}

// status is the instance status JSON.
type status struct {
	Name          string            `json:"name"`
	InstanceID    string            `json:"instanceId"`
	RuntimeStatus string            `json:"runtimeStatus"`
	Input         json.RawMessage   `json:"input"`
	Output        json.RawMessage   `json:"output"`
	History       []json.RawMessage `json:"historyEvents"`
}

// checkStatus is the check-status payload.
type checkStatus struct {
	ID                    string `json:"id"`
	StatusQueryGetURI     string `json:"statusQueryGetUri"`
	SendEventPostURI      string `json:"sendEventPostUri"`
	TerminatePostURI      string `json:"terminatePostUri"`
	PurgeHistoryDeleteURI string `json:"purgeHistoryDeleteUri"`
	RestartPostURI        string `json:"restartPostUri"`
	SuspendPostURI        string `json:"suspendPostUri"`
	ResumePostURI         string `json:"resumePostUri"`
}

// start starts an orchestrator through the sample's HttpStart function
// (POST /api/orchestrators/{name}) and returns the check-status payload.
func (p *proc) start(t *testing.T, orchestrator, input string) checkStatus {
	t.Helper()
	var r *response
	if input == "" {
		r = p.do(t, http.MethodPost, "/api/orchestrators/"+orchestrator, "", nil)
	} else {
		r = p.do(t, http.MethodPost, "/api/orchestrators/"+orchestrator, "application/json", []byte(input))
	}
	expect(t, "start "+orchestrator, r, http.StatusAccepted)
	var cs checkStatus
	r.json(t, &cs)
	if cs.ID == "" || !strings.Contains(cs.StatusQueryGetURI, apiPath+"/instances/"+cs.ID) {
		t.Fatalf("start %s: check-status payload %s", orchestrator, r.Body)
	}
	return cs
}

// startWithID starts an orchestrator with a chosen instance id through the
// management API.
func (p *proc) startWithID(t *testing.T, orchestrator, id, input string) {
	t.Helper()
	expect(t, "start "+orchestrator+" as "+id, p.api(t, http.MethodPost, "/orchestrators/"+orchestrator+"/"+url.PathEscape(id), input), http.StatusAccepted)
}

// getStatus reads an instance's status (with history when asked).
func (p *proc) getStatus(t *testing.T, id string, history bool) (*status, *response) {
	t.Helper()
	path := "/instances/" + url.PathEscape(id)
	if history {
		path += "?showHistory=true"
	}
	r := p.api(t, http.MethodGet, path, "")
	if r.Status == http.StatusNotFound {
		return nil, r
	}
	var st status
	r.json(t, &st)
	return &st, r
}

// waitStatus waits until the instance has one of the runtime statuses.
func (p *proc) waitStatus(t *testing.T, id string, want ...string) *status {
	t.Helper()
	deadline := time.Now().Add(waitLong)
	for {
		st, r := p.getStatus(t, id, true)
		if st != nil {
			for _, w := range want {
				if st.RuntimeStatus == w {
					return st
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("instance %s: still %s after %v, want %v", id, r, waitLong, want)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// waitDone waits until the instance finishes and returns its status.
func (p *proc) waitDone(t *testing.T, id string) *status {
	t.Helper()
	return p.waitStatus(t, id, "Completed", "Failed", "Terminated", "Canceled")
}

// entityState reads an entity's state; ok is false when it has none.
func (p *proc) entityState(t *testing.T, name, key string) (string, bool) {
	t.Helper()
	r := p.api(t, http.MethodGet, "/entities/"+name+"/"+url.PathEscape(key), "")
	switch r.Status {
	case http.StatusOK:
		return strings.TrimSpace(string(r.Body)), true
	case http.StatusNotFound:
		return "", false
	}
	t.Fatalf("read entity %s/%s: %s", name, key, r)
	return "", false
}

// waitEntity waits until the entity's state is want (compared as JSON).
func (p *proc) waitEntity(t *testing.T, name, key, want string) {
	t.Helper()
	deadline := time.Now().Add(waitLong)
	for {
		got, ok := p.entityState(t, name, key)
		if ok && jsonEqual(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("entity %s/%s: state %q (exists %v) after %v, want %s", name, key, got, ok, waitLong, want)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// signal signals an entity operation through the management API.
func (p *proc) signal(t *testing.T, name, key, op, input string) {
	t.Helper()
	expect(t, "signal "+name+"/"+key+" "+op, p.api(t, http.MethodPost, "/entities/"+name+"/"+url.PathEscape(key)+"?op="+url.QueryEscape(op), input), http.StatusAccepted)
}

func jsonEqual(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

// uniq returns a per-run unique name with a readable prefix.
func uniq(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano())
}

// newCmd prepares a run of the sample binary that must end by itself
// (it is killed after waitLong): a clean environment, an in-memory store,
// and a temporary working directory.
func newCmd(t *testing.T, bin string, args ...string) *exec.Cmd {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), waitLong)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = append(cleanEnv(), "AzureFunctionsJobHost__extensions__durableTask__storageProvider__type=memory")
	return cmd
}
