package handler_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/handler"
	"github.com/godurable/durablefunctions/internal/funcapp"
	"github.com/godurable/durablefunctions/internal/hostemu"
	"github.com/godurable/durablefunctions/samples/app"
)

// samplesDir is the sample function app, read in place: the store is
// overridden to memory, so nothing is written into it.
var samplesDir = filepath.Join("..", "samples")

// startBehindHost serves the sample app as a custom handler on a free
// loopback port, with an in-memory store, and returns the host emulator
// in front of it. The server is shut down when the test ends.
func startBehindHost(t *testing.T) (*hostemu.Host, *handler.Server) {
	t.Helper()
	t.Setenv("AzureFunctionsJobHost__extensions__durableTask__storageProvider__type", "memory")
	dir, err := filepath.Abs(samplesDir)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := handler.Start(t.Context(), app.New(), &handler.Options{Mode: handler.BehindHost, AppDir: dir, Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatalf("start the sample app behind the host: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	settings, err := funcapp.LoadSettings(dir, false, os.Environ())
	if err != nil {
		t.Fatal(err)
	}
	fa, err := funcapp.LoadAppWithSettings(dir, settings)
	if err != nil {
		t.Fatal(err)
	}
	host := hostemu.New(fa, "http://"+srv.Addr())
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := host.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	return host, srv
}

// callAPI sends a management API request through the DurableTaskApi
// function, as the host does for /api/durabletask/... requests.
func callAPI(t *testing.T, host *hostemu.Host, method, path, body string) *hostemu.HTTPResult {
	t.Helper()
	r := httptest.NewRequest(method, "/api/durabletask/"+strings.TrimPrefix(path, "/"), strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	res, err := host.InvokeHTTP(t.Context(), "DurableTaskApi", r)
	if err != nil {
		t.Fatalf("%s %s through DurableTaskApi: %v", method, path, err)
	}
	return res
}

type instanceStatus struct {
	Name          string          `json:"name"`
	InstanceID    string          `json:"instanceId"`
	RuntimeStatus string          `json:"runtimeStatus"`
	Output        json.RawMessage `json:"output"`
}

// waitFor polls cond until it reports true, failing the test with the last
// observation after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, last := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still not done after %v; last seen: %s", what, timeout, last)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestTheHostEmulatorDrivesTheSampleApp(t *testing.T) {
	host, _ := startBehindHost(t)

	t.Run("HttpStart replies 202 with check-status URLs under /api/durabletask", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodPost, "/api/orchestrators/HelloSequence", nil)
		res, err := host.InvokeHTTP(t.Context(), "HttpStart", r)
		if err != nil {
			t.Fatalf("invoke HttpStart: %v", err)
		}
		if err := host.Check("HttpStart", res.Invocation); err != nil {
			t.Error(err)
		}
		out, ok := res.Invocation.Outputs["res"].(map[string]any)
		if !ok {
			t.Fatalf("the reply has no %q object output (the http output binding): %+v", "res", res.Invocation)
		}
		if code := fmt.Sprint(out["statusCode"]); code != "202" {
			t.Fatalf("the http output's statusCode is %s, want 202; output %v", code, out)
		}
		if res.StatusCode != http.StatusAccepted {
			t.Fatalf("the host answers %d, want 202", res.StatusCode)
		}
		var payload map[string]string
		if err := json.Unmarshal(res.Body, &payload); err != nil {
			t.Fatalf("check-status body %s: %v", res.Body, err)
		}
		id := payload["id"]
		if id == "" {
			t.Fatalf("no id in %s", res.Body)
		}
		for _, k := range []string{"statusQueryGetUri", "sendEventPostUri", "terminatePostUri", "purgeHistoryDeleteUri", "restartPostUri", "suspendPostUri", "resumePostUri"} {
			want := "/api/durabletask/instances/" + id
			if !strings.Contains(payload[k], want) {
				t.Errorf("%s = %q, want a URL containing %s", k, payload[k], want)
			}
			if strings.Contains(payload[k], "/runtime/webhooks") {
				t.Errorf("%s = %q points at /runtime/webhooks, which the host reserves", k, payload[k])
			}
		}
		if loc := res.Header.Get("Location"); loc != payload["statusQueryGetUri"] {
			t.Errorf("Location = %q, want the status URL %q", loc, payload["statusQueryGetUri"])
		}

		var st instanceStatus
		waitFor(t, 20*time.Second, "HelloSequence to complete", func() (bool, string) {
			res := callAPI(t, host, http.MethodGet, "instances/"+id, "")
			if err := json.Unmarshal(res.Body, &st); err != nil {
				return false, fmt.Sprintf("%d %s", res.StatusCode, res.Body)
			}
			return st.RuntimeStatus == "Completed", fmt.Sprintf("%d %s", res.StatusCode, res.Body)
		})
		var got []string
		if err := json.Unmarshal(st.Output, &got); err != nil || strings.Join(got, "|") != "Hello Tokyo!|Hello Seattle!|Hello London!" {
			t.Errorf("output = %s, want the three greetings", st.Output)
		}
	})

	t.Run("the management API answers through DurableTaskApi", func(t *testing.T) {
		tests := []struct {
			name, method, path string
			want               int
		}{
			{"an unknown instance is 404", http.MethodGet, "instances/no-such-instance", http.StatusNotFound},
			{"an invalid instance id is 400", http.MethodGet, "instances/@bad", http.StatusBadRequest},
			{"the instance list is 200", http.MethodGet, "instances?top=5", http.StatusOK},
			{"an unknown route is 404", http.MethodGet, "nothing-here", http.StatusNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := callAPI(t, host, tt.method, tt.path, "")
				if res.StatusCode != tt.want {
					t.Errorf("status %d, want %d; body %s", res.StatusCode, tt.want, res.Body)
				}
				if !json.Valid(res.Body) {
					t.Errorf("body is not JSON: %s", res.Body)
				}
			})
		}
	})

	t.Run("a queue message signals the Counter entity", func(t *testing.T) {
		resp, err := host.InvokeQueue(t.Context(), "CounterFromQueue", `{"key":"emu-queue","amount":5}`, 1)
		if err != nil {
			t.Fatalf("invoke CounterFromQueue: %v", err)
		}
		if err := host.Check("CounterFromQueue", resp); err != nil {
			t.Error(err)
		}
		waitForCounter(t, host, "emu-queue", "5")
	})

	t.Run("an Event Hub batch of three events signals Counter three times", func(t *testing.T) {
		events := [][]byte{
			[]byte(`{"key":"emu-hub","amount":1}`),
			[]byte(`{"key":"emu-hub","amount":2}`),
			[]byte(`{"key":"emu-hub","amount":3}`),
		}
		replies, err := host.InvokeEventHub(t.Context(), "CounterFromEventHub", events)
		if err != nil {
			t.Fatalf("invoke CounterFromEventHub: %v", err)
		}
		if len(replies) != 1 {
			t.Errorf("%d invocations for a cardinality-many batch, want 1", len(replies))
		}
		for _, r := range replies {
			if err := host.Check("CounterFromEventHub", r); err != nil {
				t.Error(err)
			}
		}
		waitForCounter(t, host, "emu-hub", "6")
	})

	t.Run("the DurableTaskWake timer succeeds", func(t *testing.T) {
		resp, err := host.InvokeTimer(t.Context(), "DurableTaskWake")
		if err != nil {
			t.Fatalf("invoke DurableTaskWake: %v", err)
		}
		if err := host.Check("DurableTaskWake", resp); err != nil {
			t.Error(err)
		}
	})
}

// waitForCounter waits until the Counter entity key holds want, reading it
// through the management API function.
func waitForCounter(t *testing.T, host *hostemu.Host, key, want string) {
	t.Helper()
	waitFor(t, 20*time.Second, "Counter "+key+" to reach "+want, func() (bool, string) {
		res := callAPI(t, host, http.MethodGet, "entities/Counter/"+key, "")
		got := strings.TrimSpace(string(res.Body))
		return res.StatusCode == http.StatusOK && got == want, fmt.Sprintf("%d %s", res.StatusCode, got)
	})
}

func TestTheHandlerRefusesInvocationsItCannotServe(t *testing.T) {
	host, srv := startBehindHost(t)
	base := "http://" + srv.Addr()

	post := func(t *testing.T, path, body string) (int, []byte) {
		t.Helper()
		resp, err := http.Post(base+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type %q, want JSON", ct)
		}
		return resp.StatusCode, b
	}

	tests := []struct {
		name, path, body string
		want             int
		mention          string
	}{
		{"an unknown function is 404", "/NoSuchFunction", `{"Data":{},"Metadata":{}}`, http.StatusNotFound, "NoSuchFunction"},
		{"a malformed envelope is 400", "/CounterFromQueue", `{"Data":`, http.StatusBadRequest, "invocation body"},
		{"an envelope that is not an object is 400", "/CounterFromQueue", `[1,2]`, http.StatusBadRequest, "invocation body"},
		{"a durable function invoked by the host fails with an explanation", "/HelloSequence", `{"Data":{"context":"\"{}\""},"Metadata":{}}`, http.StatusInternalServerError, "orchestrationTrigger"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := post(t, tt.path, tt.body)
			if code != tt.want {
				t.Errorf("status %d, want %d; body %s", code, tt.want, body)
			}
			if !json.Valid(body) || !strings.Contains(string(body), tt.mention) {
				t.Errorf("body %s, want JSON mentioning %q", body, tt.mention)
			}
		})
	}

	t.Run("a queue message that is not JSON fails so the host retries, and the logs say why", func(t *testing.T) {
		_, err := host.InvokeQueue(t.Context(), "CounterFromQueue", "not json at all", 1)
		var se *hostemu.StatusError
		if !errors.As(err, &se) {
			t.Fatalf("error = %v, want a failed invocation (*hostemu.StatusError)", err)
		}
		if se.StatusCode != http.StatusInternalServerError {
			t.Errorf("status %d, want 500", se.StatusCode)
		}
		var reply funcapp.InvocationResponse
		if err := json.Unmarshal(se.Body, &reply); err != nil {
			t.Fatalf("the failure reply is not an invocation response: %s", se.Body)
		}
		logs := strings.Join(reply.Logs, "\n")
		if !strings.Contains(logs, "not json at all") || !strings.Contains(logs, `{"key","amount"}`) {
			t.Errorf("Logs = %q, want them to name the message and the expected shape", reply.Logs)
		}
	})

	t.Run("a queue message without a key fails", func(t *testing.T) {
		_, err := host.InvokeQueue(t.Context(), "CounterFromQueue", `{"amount":1}`, 1)
		var se *hostemu.StatusError
		if !errors.As(err, &se) || se.StatusCode != http.StatusInternalServerError || !bytes.Contains(se.Body, []byte("key")) {
			t.Errorf("error = %v, want a 500 naming the missing key", err)
		}
	})

	t.Run("the handler still serves after bad invocations", func(t *testing.T) {
		if _, err := host.InvokeQueue(t.Context(), "CounterFromQueue", `{"key":"after-bad","amount":2}`, 1); err != nil {
			t.Fatal(err)
		}
		waitForCounter(t, host, "after-bad", "2")
	})
}

// A user behind the host: real HTTP clients call /api/... on the host
// (here the emulator's router), which invokes the handler; the URLs in the
// check-status payload lead back through the host to DurableTaskApi.
func TestAUserBehindTheHostFollowsTheCheckStatusURLs(t *testing.T) {
	host, _ := startBehindHost(t)
	front := httptest.NewServer(host)
	t.Cleanup(front.Close)

	tests := []struct {
		name, orchestrator, input, want string
	}{
		{"HelloSequence greets three cities", "HelloSequence", "", `["Hello Tokyo!","Hello Seattle!","Hello London!"]`},
		{"FanOutFanIn of 10 is 385", "FanOutFanIn", "10", "385"},
		{"ContinueAsNewCounter counts to 3", "ContinueAsNewCounter", `{"target":3}`, "3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Post(front.URL+"/api/orchestrators/"+tt.orchestrator, "application/json", strings.NewReader(tt.input))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted {
				t.Fatalf("start: %d %s", resp.StatusCode, body)
			}
			var cs struct {
				ID                string `json:"id"`
				StatusQueryGetURI string `json:"statusQueryGetUri"`
			}
			if err := json.Unmarshal(body, &cs); err != nil || !strings.HasPrefix(cs.StatusQueryGetURI, front.URL+"/api/durabletask/instances/"+cs.ID) {
				t.Fatalf("check-status payload %s (%v), want the status URL on the host under /api/durabletask", body, err)
			}
			var st instanceStatus
			waitFor(t, 20*time.Second, tt.orchestrator+" to complete", func() (bool, string) {
				resp, err := http.Get(cs.StatusQueryGetURI)
				if err != nil {
					return false, err.Error()
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				if err := json.Unmarshal(b, &st); err != nil {
					return false, fmt.Sprintf("%d %s", resp.StatusCode, b)
				}
				return resp.StatusCode == http.StatusOK && st.RuntimeStatus == "Completed", fmt.Sprintf("%d %s", resp.StatusCode, b)
			})
			var got, want any
			_ = json.Unmarshal(st.Output, &got)
			_ = json.Unmarshal([]byte(tt.want), &want)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("output %s, want %s", st.Output, tt.want)
			}
		})
	}
}
