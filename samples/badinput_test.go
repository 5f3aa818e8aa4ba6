package main_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// badRequest is one request a user should not send, and what the binary
// must answer.
type badRequest struct {
	name, method, path, contentType, body string
	want                                  int
	mention                               string // in the JSON message, when set
}

// checkRefused sends req and checks the status and that the answer is a
// JSON object with a message.
func checkRefused(t *testing.T, p *proc, req badRequest) {
	t.Helper()
	var body []byte
	if req.body != "" {
		body = []byte(req.body)
	}
	r := p.do(t, req.method, req.path, req.contentType, body)
	if r.Status != req.want {
		t.Errorf("%s %s: got %s, want %d", req.method, req.path, truncate(r.String()), req.want)
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s %s: Content-Type %q, want JSON", req.method, req.path, ct)
	}
	var msg map[string]any
	if err := json.Unmarshal(r.Body, &msg); err != nil {
		t.Errorf("%s %s: body %s is not a JSON object: %v", req.method, req.path, truncate(string(r.Body)), err)
		return
	}
	text, _ := msg["Message"].(string)
	if text == "" {
		t.Errorf("%s %s: body %s has no Message", req.method, req.path, truncate(string(r.Body)))
	}
	if req.mention != "" && !strings.Contains(strings.ToLower(string(r.Body)), strings.ToLower(req.mention)) {
		t.Errorf("%s %s: body %s does not mention %q", req.method, req.path, truncate(string(r.Body)), req.mention)
	}
}

func truncate(s string) string {
	if len(s) > 300 {
		return s[:300] + "..."
	}
	return s
}

// snapshot is every instance's status and output, and some entity states.
func snapshot(t *testing.T, p *proc, entities [][2]string) map[string]string {
	t.Helper()
	out := map[string]string{}
	token := ""
	for {
		r := p.do(t, http.MethodGet, apiPath+"/instances?top=100", "", nil, "x-ms-continuation-token", token)
		expect(t, "list instances", r, http.StatusOK)
		var page []status
		r.json(t, &page)
		for _, st := range page {
			out["instance "+st.InstanceID] = st.RuntimeStatus + " " + string(st.Output)
		}
		if token = r.Header.Get("x-ms-continuation-token"); token == "" {
			break
		}
	}
	for _, e := range entities {
		state, ok := p.entityState(t, e[0], e[1])
		out["entity "+e[0]+"/"+e[1]] = fmt.Sprintf("%v %s", ok, state)
	}
	return out
}

func TestBadRequestsGetJSONErrorsAndChangeNothing(t *testing.T) {
	t.Parallel()
	p := startApp(t)

	// State that bad requests must leave alone.
	const running, done, counter, account = "bad-running", "bad-done", "bad-counter", "bad-account"
	p.startWithID(t, "ApprovalWorkflow", running, `{"timeoutSeconds":300}`)
	p.startWithID(t, "HelloSequence", done, "")
	p.signal(t, "Counter", counter, "add", "7")
	p.signal(t, "Account", account, "deposit", "50")
	p.waitStatus(t, running, "Running")
	p.waitDone(t, done)
	p.waitEntity(t, "Counter", counter, "7")
	p.waitEntity(t, "Account", account, `{"balance":50}`)
	entities := [][2]string{{"Counter", counter}, {"Account", account}}
	before := snapshot(t, p, entities)

	var tests []badRequest
	add := func(rs ...badRequest) { tests = append(tests, rs...) }

	// Invalid instance ids, on every endpoint that takes one.
	badIDs := []struct{ name, escaped string }{
		{"an escaped slash", "bad%2Fid"},
		{"an escaped backslash", "bad%5Cid"},
		{"an escaped question mark", "bad%3Fid"},
		{"an escaped #", "bad%23id"},
		{"a control character", "bad%01id"},
		{"a newline", "bad%0Aid"},
		{"a leading @", "@bad"},
		{"257 characters", strings.Repeat("a", 257)},
	}
	for _, id := range badIDs {
		add(
			badRequest{name: "start with " + id.name, method: "POST", path: apiPath + "/orchestrators/HelloSequence/" + id.escaped, want: 400, mention: "instance id"},
			badRequest{name: "status of " + id.name, method: "GET", path: apiPath + "/instances/" + id.escaped, want: 400, mention: "instance id"},
			badRequest{name: "raiseEvent to " + id.name, method: "POST", path: apiPath + "/instances/" + id.escaped + "/raiseEvent/ApprovalEvent", contentType: "application/json", body: "true", want: 400, mention: "instance id"},
			badRequest{name: "terminate " + id.name, method: "POST", path: apiPath + "/instances/" + id.escaped + "/terminate", want: 400, mention: "instance id"},
			badRequest{name: "restart " + id.name, method: "POST", path: apiPath + "/instances/" + id.escaped + "/restart", want: 400, mention: "instance id"},
			badRequest{name: "purge " + id.name, method: "DELETE", path: apiPath + "/instances/" + id.escaped, want: 400, mention: "instance id"},
		)
	}

	// Unknown functions, instances, entities and routes.
	add(
		badRequest{name: "HttpStart of an unknown orchestrator", method: "POST", path: "/api/orchestrators/NoSuchOrchestrator", want: 400, mention: "NoSuchOrchestrator"},
		badRequest{name: "the API starting an unknown orchestrator", method: "POST", path: apiPath + "/orchestrators/NoSuchOrchestrator", want: 400, mention: "NoSuchOrchestrator"},
		badRequest{name: "the API starting an activity as an orchestrator", method: "POST", path: apiPath + "/orchestrators/SayHello", want: 400, mention: "SayHello"},
		badRequest{name: "status of an unknown instance", method: "GET", path: apiPath + "/instances/no-such-instance", want: 404},
		badRequest{name: "raiseEvent to an unknown instance", method: "POST", path: apiPath + "/instances/no-such-instance/raiseEvent/ApprovalEvent", contentType: "application/json", body: "true", want: 404},
		badRequest{name: "terminate an unknown instance", method: "POST", path: apiPath + "/instances/no-such-instance/terminate", want: 404},
		badRequest{name: "suspend an unknown instance", method: "POST", path: apiPath + "/instances/no-such-instance/suspend", want: 404},
		badRequest{name: "resume an unknown instance", method: "POST", path: apiPath + "/instances/no-such-instance/resume", want: 404},
		badRequest{name: "rewind an unknown instance", method: "POST", path: apiPath + "/instances/no-such-instance/rewind", want: 404},
		badRequest{name: "restart an unknown instance", method: "POST", path: apiPath + "/instances/no-such-instance/restart", want: 400},
		badRequest{name: "purge an unknown instance", method: "DELETE", path: apiPath + "/instances/no-such-instance", want: 404},
		badRequest{name: "an unknown instance operation", method: "POST", path: apiPath + "/instances/" + running + "/explode", want: 404},
		badRequest{name: "an unknown entity key", method: "GET", path: apiPath + "/entities/Counter/never-signalled", want: 404},
		badRequest{name: "an unknown entity name", method: "GET", path: apiPath + "/entities/NoSuchEntity/x", want: 404},
		badRequest{name: "signalling an unknown entity", method: "POST", path: apiPath + "/entities/NoSuchEntity/x?op=add", contentType: "application/json", body: "1", want: 400, mention: "NoSuchEntity"},
		badRequest{name: "an unknown management route", method: "GET", path: apiPath + "/nothing-here", want: 404},
		badRequest{name: "an unknown app route", method: "GET", path: "/api/nothing-here", want: 404},
		badRequest{name: "HttpStart with a method it does not serve", method: "GET", path: "/api/orchestrators/HelloSequence", want: 405},
		badRequest{name: "invoking an unknown function by hand", method: "POST", path: "/admin/functions/NoSuchFunction", contentType: "application/json", body: `{"input":"x"}`, want: 404, mention: "NoSuchFunction"},
		badRequest{name: "invoking an HTTP function by hand", method: "POST", path: "/admin/functions/HttpStart", contentType: "application/json", body: `{"input":"x"}`, want: 400, mention: "HttpStart"},
		badRequest{name: "invoking an orchestrator by hand", method: "POST", path: "/admin/functions/HelloSequence", contentType: "application/json", body: `{"input":"x"}`, want: 400, mention: "HelloSequence"},
	)

	// Malformed JSON and wrong content types.
	add(
		badRequest{name: "HttpStart with malformed JSON", method: "POST", path: "/api/orchestrators/HelloSequence", contentType: "application/json", body: `{"city":`, want: 400, mention: "JSON"},
		badRequest{name: "the API starting with malformed JSON", method: "POST", path: apiPath + "/orchestrators/HelloSequence", contentType: "application/json", body: `{"city":`, want: 400, mention: "Invalid JSON content"},
		badRequest{name: "raiseEvent with malformed JSON", method: "POST", path: apiPath + "/instances/" + running + "/raiseEvent/ApprovalEvent", contentType: "application/json", body: `tru`, want: 400, mention: "JSON"},
		badRequest{name: "raiseEvent as text/plain", method: "POST", path: apiPath + "/instances/" + running + "/raiseEvent/ApprovalEvent", contentType: "text/plain", body: `true`, want: 400, mention: "application/json"},
		badRequest{name: "raiseEvent without a content type", method: "POST", path: apiPath + "/instances/" + running + "/raiseEvent/ApprovalEvent", body: `true`, want: 400, mention: "application/json"},
		badRequest{name: "raiseEvent as application/xml", method: "POST", path: apiPath + "/instances/" + running + "/raiseEvent/ApprovalEvent", contentType: "application/xml", body: `<true/>`, want: 400, mention: "application/json"},
		badRequest{name: "raiseEvent to a finished instance", method: "POST", path: apiPath + "/instances/" + done + "/raiseEvent/ApprovalEvent", contentType: "application/json", body: `true`, want: 410},
		badRequest{name: "a signal with malformed JSON", method: "POST", path: apiPath + "/entities/Counter/" + counter + "?op=add", contentType: "application/json", body: `{1`, want: 400, mention: "JSON"},
		badRequest{name: "a signal without an operation", method: "POST", path: apiPath + "/entities/Counter/" + counter, contentType: "application/json", body: `1`, want: 400, mention: "op"},
		badRequest{name: "a signal without an entity key", method: "POST", path: apiPath + "/entities/Counter?op=add", contentType: "application/json", body: `1`, want: 400, mention: "key"},
		badRequest{name: "invoking by hand with malformed JSON", method: "POST", path: "/admin/functions/CounterFromQueue", contentType: "application/json", body: `{"input":`, want: 400, mention: "input"},
		badRequest{name: "invoking by hand with a non-string input", method: "POST", path: "/admin/functions/CounterFromQueue", contentType: "application/json", body: `{"input":{"key":"x"}}`, want: 400, mention: "input"},
	)

	// Invalid query parameters.
	add(
		badRequest{name: "a list with a non-numeric top", method: "GET", path: apiPath + "/instances?top=many", want: 400, mention: "top"},
		badRequest{name: "a list with a negative top", method: "GET", path: apiPath + "/instances?top=-5", want: 400, mention: "top"},
		badRequest{name: "a list with an unparseable time", method: "GET", path: apiPath + "/instances?createdTimeFrom=yesterday-ish", want: 400, mention: "createdTimeFrom"},
		badRequest{name: "a list with a bad showInput", method: "GET", path: apiPath + "/instances?showInput=perhaps", want: 400, mention: "showInput"},
		badRequest{name: "a purge by filter without createdTimeFrom", method: "DELETE", path: apiPath + "/instances", want: 400, mention: "createdTimeFrom"},
		badRequest{name: "a purge by filter with an unparseable time", method: "DELETE", path: apiPath + "/instances?createdTimeFrom=soon", want: 400, mention: "createdTimeFrom"},
		badRequest{name: "a start with a non-numeric timeout", method: "POST", path: apiPath + "/orchestrators/HelloSequence?timeout=long&pollingInterval=1", want: 400, mention: "timeout"},
		badRequest{name: "a restart with a bad boolean", method: "POST", path: apiPath + "/instances/" + done + "/restart?restartWithNewInstanceId=perhaps", want: 400, mention: "restartWithNewInstanceId"},
		badRequest{name: "another task hub", method: "GET", path: apiPath + "/instances/" + done + "?taskHub=OtherHub", want: 400, mention: "OtherHub"},
	)

	// Bodies over the limits: 4 MiB for the management API, 1 MiB for
	// HttpStart.
	bigJSON := func(n int) string { return `"` + strings.Repeat("a", n) + `"` }
	add(
		badRequest{name: "an oversized start through the API", method: "POST", path: apiPath + "/orchestrators/HelloSequence", contentType: "application/json", body: bigJSON(4 << 20), want: 413},
		badRequest{name: "an oversized event", method: "POST", path: apiPath + "/instances/" + running + "/raiseEvent/ApprovalEvent", contentType: "application/json", body: bigJSON(4 << 20), want: 413},
		badRequest{name: "an oversized signal", method: "POST", path: apiPath + "/entities/Counter/" + counter + "?op=add", contentType: "application/json", body: bigJSON(4 << 20), want: 413},
		badRequest{name: "an oversized HttpStart input", method: "POST", path: "/api/orchestrators/HelloSequence", contentType: "application/json", body: bigJSON(1 << 20), want: 413},
	)

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkRefused(t, p, tt)
			p.alive(t)
		})
	}

	t.Run("an oversized chunked body without a length is refused too", func(t *testing.T) {
		pr, pw := io.Pipe()
		go func() {
			chunk := []byte(strings.Repeat("a", 64<<10))
			_, _ = pw.Write([]byte(`"`))
			for i := 0; i < 80; i++ { // 5 MiB
				if _, err := pw.Write(chunk); err != nil {
					return
				}
			}
			_, _ = pw.Write([]byte(`"`))
			pw.Close()
		}()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, p.base+apiPath+"/instances/"+running+"/raiseEvent/ApprovalEvent", pr)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			// The server may close the connection while the client is
			// still sending: that is a refusal too, as long as the
			// process lives and nothing changed (checked below).
			t.Logf("the server cut the upload short: %v", err)
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !json.Valid(b) {
			t.Errorf("got %d %s, want 413 JSON", resp.StatusCode, truncate(string(b)))
		}
	})

	t.Run("a function that fails on its trigger data reports the failure as JSON", func(t *testing.T) {
		r := p.do(t, http.MethodPost, "/admin/functions/CounterFromQueue", "application/json", []byte(`{"input":"not json"}`))
		if r.Status != http.StatusInternalServerError || !strings.Contains(string(r.Body), "not json") {
			t.Errorf("got %s, want 500 naming the message", r)
		}
	})

	t.Run("nothing changed and the binary still serves", func(t *testing.T) {
		p.alive(t)
		after := snapshot(t, p, entities)
		for k, v := range before {
			if after[k] != v {
				t.Errorf("%s was %q before the bad requests, %q after", k, v, after[k])
			}
		}
		for k, v := range after {
			if _, ok := before[k]; !ok {
				t.Errorf("bad requests created %s (%s)", k, v)
			}
		}
		expect(t, "raise the real event", p.api(t, http.MethodPost, "/instances/"+running+"/raiseEvent/ApprovalEvent", "true"), http.StatusAccepted)
		if st := p.waitDone(t, running); string(st.Output) != `"approved"` {
			t.Errorf("after the bad requests the approval ended %s %s", st.RuntimeStatus, st.Output)
		}
	})
}

func TestAConfiguredKeyGuardsTheManagementAPI(t *testing.T) {
	t.Parallel()
	p := startApp(t, "DURABLETASK_EXTENSION_KEY=secret")
	list := apiPath + "/instances"
	tests := []struct {
		name   string
		path   string
		header []string
		want   int
	}{
		{"no key is 401", list, nil, http.StatusUnauthorized},
		{"a wrong code is 401", list + "?code=guess", nil, http.StatusUnauthorized},
		{"a wrong header is 401", list, []string{"x-functions-key", "guess"}, http.StatusUnauthorized},
		{"an empty code is 401", list + "?code=", nil, http.StatusUnauthorized},
		{"the key in code works", list + "?code=secret", nil, http.StatusOK},
		{"the key in x-functions-key works", list, []string{"x-functions-key", "secret"}, http.StatusOK},
		{"entities need the key too", apiPath + "/entities", nil, http.StatusUnauthorized},
		{"the management function route needs the key too", "/api/durabletask/instances", nil, http.StatusUnauthorized},
		{"the management function route works with the key", "/api/durabletask/instances?code=secret", nil, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := p.do(t, http.MethodGet, tt.path, "", nil, tt.header...)
			if r.Status != tt.want {
				t.Fatalf("got %s, want %d", r, tt.want)
			}
			if !json.Valid(r.Body) {
				t.Errorf("body %s is not JSON", r.Body)
			}
		})
	}

	t.Run("requests without the key change nothing", func(t *testing.T) {
		expect(t, "start without key", p.do(t, http.MethodPost, apiPath+"/orchestrators/HelloSequence/keyless", "", nil), http.StatusUnauthorized)
		expect(t, "signal without key", p.do(t, http.MethodPost, apiPath+"/entities/Counter/keyless?op=add", "application/json", []byte("1")), http.StatusUnauthorized)
		expect(t, "invoke by hand without key", p.do(t, http.MethodPost, "/admin/functions/CounterFromQueue", "application/json", []byte(`{"input":"{\"key\":\"keyless\",\"amount\":1}"}`)), http.StatusUnauthorized)
		r := p.do(t, http.MethodGet, apiPath+"/instances?code=secret", "", nil)
		expect(t, "list with key", r, http.StatusOK)
		var all []status
		r.json(t, &all)
		if len(all) != 0 {
			t.Errorf("requests without the key created %d instances: %s", len(all), r.Body)
		}
	})

	t.Run("with the key everything works and generated URLs carry a code scoped to their instance", func(t *testing.T) {
		r := p.do(t, http.MethodPost, apiPath+"/orchestrators/HelloSequence?code=secret", "", nil)
		expect(t, "start with key", r, http.StatusAccepted)
		var cs checkStatus
		r.json(t, &cs)
		if strings.Contains(cs.StatusQueryGetURI, "secret") || !strings.Contains(cs.StatusQueryGetURI, "code=i1.") {
			t.Errorf("statusQueryGetUri %q: want a scoped code, never the key", cs.StatusQueryGetURI)
		}
		keyed := &proc{t: t, base: p.base, cmd: p.cmd, out: p.out, exited: p.exited, key: "secret"}
		if st := keyed.waitDone(t, cs.ID); st.RuntimeStatus != "Completed" {
			t.Errorf("HelloSequence %s", st.RuntimeStatus)
		}
		expect(t, "the status URL as given", p.do(t, http.MethodGet, cs.StatusQueryGetURI, "", nil), http.StatusOK)
		listWithScoped := strings.Replace(cs.StatusQueryGetURI, "/instances/"+cs.ID, "/instances", 1)
		expect(t, "the list with the scoped code", p.do(t, http.MethodGet, listWithScoped, "", nil), http.StatusUnauthorized)
		expect(t, "invoke by hand with key", p.do(t, http.MethodPost, "/admin/functions/CounterFromQueue", "application/json",
			[]byte(`{"input":"{\"key\":\"keyed\",\"amount\":2}"}`), "x-functions-key", "secret"), http.StatusAccepted)
		keyed.waitEntity(t, "Counter", "keyed", "2")
	})
}

func TestTheBinaryRefusesToStartOnANonLoopbackAddressWithoutAKey(t *testing.T) {
	t.Parallel()
	bin := sampleBinary(t)
	cmd := newCmd(t, bin, "--app", appDir(t), "--addr", "0.0.0.0:0")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the binary served on 0.0.0.0 without a key:\n%s", out)
	}
	if !strings.Contains(string(out), "DURABLETASK_EXTENSION_KEY") {
		t.Errorf("the refusal does not say how to fix it:\n%s", out)
	}
}
