package mgmtapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/mgmtapi"
)

// snapshot records every instance's status and the number of events in
// its history.
func (e *testEnv) snapshot() map[string]string {
	e.t.Helper()
	out := map[string]string{}
	token := ""
	for {
		page, err := e.client.ListInstances(context.Background(), durable.Query{PageSize: 1000, ContinuationToken: token})
		must(e.t, err)
		for _, st := range page.Instances {
			full, err := e.client.GetStatus(context.Background(), st.InstanceID, durable.WithHistory())
			must(e.t, err)
			out[st.InstanceID] = st.RuntimeStatus.String() + "/" + strings.Repeat("e", len(full.History))
		}
		if token = page.ContinuationToken; token == "" {
			return out
		}
	}
}

func TestBadInputIsRefusedWithoutChangingAnything(t *testing.T) {
	e := newEnv(t, mgmtapi.WithMaxBodyBytes(1024))
	run := e.running()
	done := e.completed()
	failed := e.failed()
	big := `"` + strings.Repeat("x", 2000) + `"`
	long := strings.Repeat("a", 257)
	json := map[string]string{"Content-Type": "application/json"}

	tests := []struct {
		name string
		req  request
		want int
	}{
		// Starting.
		{"starting with malformed JSON is 400", postJSON(base+"/orchestrators/Echo/new1", `{"a":`), 400},
		{"starting with a whitespace-only body is 400", postJSON(base+"/orchestrators/Echo/new1", "  "), 400},
		{"starting an unknown orchestrator is 400", post(base + "/orchestrators/NoSuchThing"), 400},
		{"starting an activity as an orchestrator is 400", post(base + "/orchestrators/SayHello"), 400},
		{"starting with an escaped slash in the id is 400", post(base + "/orchestrators/Echo/a%2Fb"), 400},
		{"starting with a backslash in the id is 400", post(base + "/orchestrators/Echo/a%5Cb"), 400},
		{"starting with a # in the id is 400", post(base + "/orchestrators/Echo/a%23b"), 400},
		{"starting with a ? in the id is 400", post(base + "/orchestrators/Echo/a%3Fb"), 400},
		{"starting with a control character in the id is 400", post(base + "/orchestrators/Echo/a%01b"), 400},
		{"starting with a newline in the id is 400", post(base + "/orchestrators/Echo/a%0Ab"), 400},
		{"starting with an id that starts with @ is 400", post(base + "/orchestrators/Echo/@counter@x"), 400},
		{"starting with an id longer than 256 characters is 400", post(base + "/orchestrators/Echo/" + long), 400},
		{"starting with an oversized body is 413", postJSON(base+"/orchestrators/Echo/new1", big), 413},
		{"starting with a malformed timeout is 400", post(base + "/orchestrators/Echo/new1?timeout=soon&pollingInterval=1"), 400},
		{"starting with a negative polling interval is 400", post(base + "/orchestrators/Echo/new1?timeout=1&pollingInterval=-1"), 400},
		{"starting with a polling interval longer than the timeout is 400", post(base + "/orchestrators/Echo/new1?timeout=1&pollingInterval=2"), 400},
		{"starting an id that is running is 409", post(base + "/orchestrators/Echo/" + run), 409},
		{"starting with GET is 405", get(base + "/orchestrators/Echo"), 405},

		// Status and lists.
		{"getting the status of an unknown instance is 404", get(base + "/instances/unknown"), 404},
		{"getting the status with an escaped slash in the id is 400", get(base + "/instances/a%2Fb"), 400},
		{"getting the status of an entity id is 400", get(base + "/instances/@counter@c1"), 400},
		{"getting the status with a control character in the id is 400", get(base + "/instances/a%7Fb"), 400},
		{"getting the status with a long id is 400", get(base + "/instances/" + long), 400},
		{"getting the status with showHistory=yes is 400", get(base + "/instances/" + done + "?showHistory=yes"), 400},
		{"listing with an unknown runtime status is 400", get(base + "/instances?runtimeStatus=Sleeping"), 400},
		{"listing with a malformed createdTimeFrom is 400", get(base + "/instances?createdTimeFrom=yesterday"), 400},
		{"listing with a malformed createdTimeTo is 400", get(base + "/instances?createdTimeTo=31/12/2024"), 400},
		{"listing with top=0 is 400", get(base + "/instances?top=0"), 400},
		{"listing with top=many is 400", get(base + "/instances?top=many"), 400},
		{"listing with showInput=maybe is 400", get(base + "/instances?showInput=maybe"), 400},
		{"listing with a forged continuation token is 400",
			request{method: "GET", path: base + "/instances", header: map[string]string{"x-ms-continuation-token": "not-a-token"}}, 400},

		// Events.
		{"raising an event without a content type is 400", request{method: "POST", path: base + "/instances/" + run + "/raiseEvent/Go", body: `1`}, 400},
		{"raising an event as text/plain is 400", request{method: "POST", path: base + "/instances/" + run + "/raiseEvent/Go", body: `1`, header: map[string]string{"Content-Type": "text/plain"}}, 400},
		{"raising an event with malformed JSON is 400", postJSON(base+"/instances/"+run+"/raiseEvent/Go", `{"a"`), 400},
		{"raising an event with an oversized body is 413", postJSON(base+"/instances/"+run+"/raiseEvent/Go", big), 413},
		{"raising an event to an unknown instance is 404", postJSON(base+"/instances/unknown/raiseEvent/Go", `1`), 404},
		{"raising an event to a completed instance is 410", postJSON(base+"/instances/"+done+"/raiseEvent/Go", `1`), 410},
		{"raising an event to a failed instance is 410", postJSON(base+"/instances/"+failed+"/raiseEvent/Go", `1`), 410},
		{"raising an event with an invalid id is 400", postJSON(base+"/instances/a%23b/raiseEvent/Go", `1`), 400},
		{"raising an event with GET is 405", get(base + "/instances/" + run + "/raiseEvent/Go"), 405},
		{"an unknown four-segment operation is 404", postJSON(base+"/instances/"+run+"/shout/Go", `1`), 404},

		// Operations.
		{"an unknown operation is 404", post(base + "/instances/" + run + "/explode"), 404},
		{"terminating an unknown instance is 404", post(base + "/instances/unknown/terminate"), 404},
		{"terminating a completed instance is 410", post(base + "/instances/" + done + "/terminate?reason=x"), 410},
		{"terminating with an invalid id is 400", post(base + "/instances/%40x/terminate"), 400},
		{"suspending a completed instance is 410", post(base + "/instances/" + done + "/suspend"), 410},
		{"resuming a running instance is 409", post(base + "/instances/" + run + "/resume"), 409},
		{"rewinding a running instance is 409", post(base + "/instances/" + run + "/rewind"), 409},
		{"rewinding a completed instance is 410", post(base + "/instances/" + done + "/rewind"), 410},
		{"rewinding with an invalid id is 400", post(base + "/instances/a%00b/rewind"), 400},
		{"restarting an unknown instance is 400", post(base + "/instances/unknown/restart"), 400},
		{"restarting a running instance under its id is 409", post(base + "/instances/" + run + "/restart?restartWithNewInstanceId=false"), 409},
		{"restarting with restartWithNewInstanceId=perhaps is 400", post(base + "/instances/" + done + "/restart?restartWithNewInstanceId=perhaps"), 400},
		{"restarting with a malformed timeout is 400", post(base + "/instances/" + done + "/restart?timeout=x&pollingInterval=1"), 400},

		// Purging.
		{"purging an unknown instance is 404", del(base + "/instances/unknown"), 404},
		{"purging with an invalid id is 400", del(base + "/instances/a%2Fb"), 400},
		{"purging by filter without createdTimeFrom is 400", del(base + "/instances?runtimeStatus=Completed"), 400},
		{"purging by filter with a malformed createdTimeFrom is 400", del(base + "/instances?createdTimeFrom=then"), 400},
		{"purging by filter with a malformed createdTimeTo is 400", del(base + "/instances?createdTimeFrom=2000-01-01&createdTimeTo=later"), 400},
		{"purging by filter with an unknown status is 400", del(base + "/instances?createdTimeFrom=2000-01-01&runtimeStatus=Gone"), 400},
		{"purging by filter matching nothing is 404", del(base + "/instances?createdTimeFrom=2000-01-01&createdTimeTo=2000-01-02"), 404},

		// Entities.
		{"signaling an unknown entity is 400", postJSON(base+"/entities/NoSuchEntity/k?op=add", `1`), 400},
		{"signaling with malformed JSON is 400", postJSON(base+"/entities/Counter/k?op=add", `{`), 400},
		{"signaling with an oversized body is 413", postJSON(base+"/entities/Counter/k?op=add", big), 413},
		{"signaling without an operation is 400", postJSON(base+"/entities/Counter/k", `1`), 400},
		{"signaling with an escaped slash in the key is 400", postJSON(base+"/entities/Counter/a%2Fb?op=add", `1`), 400},
		{"signaling with a # in the key is 400", postJSON(base+"/entities/Counter/a%23b?op=add", `1`), 400},
		{"signaling with a control character in the key is 400", postJSON(base+"/entities/Counter/a%09b?op=add", `1`), 400},
		{"signaling with an @ in the name is 400", postJSON(base+"/entities/Cou%40nter/k?op=add", `1`), 400},
		{"signaling without a key is 400", postJSON(base+"/entities/Counter?op=add", `1`), 400},
		{"signaling without a name is 405", postJSON(base+"/entities?op=add", `1`), 405},
		{"reading an entity that was never signaled is 404", get(base + "/entities/Counter/none"), 404},
		{"reading an entity with a ? in the key is 400", get(base + "/entities/Counter/a%3Fb"), 400},
		{"listing entities with fetchState=1 is 400", get(base + "/entities?fetchState=1"), 400},
		{"listing entities with a malformed lastOperationTimeFrom is 400", get(base + "/entities?lastOperationTimeFrom=x"), 400},
		{"listing entities with top=-1 is 400", get(base + "/entities?top=-1"), 400},
		{"listing entities with an invalid name is 400", get(base + "/entities/a%5Cb"), 400},

		// Routes.
		{"an unknown route is 404", get(base + "/nothing/here"), 404},
		{"the bare base path is 404", get(base), 404},
		{"a too-deep instance path is 404", post(base + "/instances/a/b/c/d"), 404},
		{"PUT on an instance is 405", request{method: "PUT", path: base + "/instances/" + run, body: "{}", header: json}, 405},
		{"POST on an instance without an operation is 405", post(base + "/instances/" + run), 405},
		{"PATCH on the instance list is 405", request{method: "PATCH", path: base + "/instances"}, 405},
	}
	before := e.snapshot()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			expectError(t, e.do(t, tc.req), tc.want)
		})
	}
	after := e.snapshot()
	if len(after) != len(before) {
		t.Errorf("instances: %d before, %d after", len(before), len(after))
	}
	for id, s := range before {
		if after[id] != s {
			t.Errorf("instance %s changed: %s → %s", id, s, after[id])
		}
	}
	if _, err := e.client.ReadEntityState(context.Background(), durable.NewEntityID("Counter", "k")); err == nil {
		t.Errorf("a refused signal reached entity Counter/k")
	}
}

func TestKeys(t *testing.T) {
	e := newEnv(t, mgmtapi.WithKey("the-key"))
	id := e.running()
	tests := []struct {
		name string
		req  request
		want int
	}{
		{"a request without a key is 401", get(base + "/instances/" + id), 401},
		{"a request with a wrong code is 401", get(base + "/instances/" + id + "?code=wrong"), 401},
		{"a request with a wrong header is 401", request{method: "GET", path: base + "/instances/" + id, header: map[string]string{"x-functions-key": "the-key2"}}, 401},
		{"a request with a prefix of the key is 401", get(base + "/instances/" + id + "?code=the-"), 401},
		{"a start without a key is 401 and starts nothing", post(base + "/orchestrators/Echo/unauthorized"), 401},
		{"a terminate without a key is 401", post(base + "/instances/" + id + "/terminate"), 401},
		{"an unknown route without a key is 401", get(base + "/nothing"), 401},
		{"a request with the code is served", get(base + "/instances/" + id + "?code=the-key"), 202},
		{"a request with the code in another case of the name is served", get(base + "/instances/" + id + "?CODE=the-key"), 202},
		{"a request with the header is served", request{method: "GET", path: base + "/instances/" + id, header: map[string]string{"x-functions-key": "the-key"}}, 202},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(t, tc.req)
			if tc.want == 401 {
				expectError(t, r, 401)
			} else if r.Status != tc.want {
				t.Fatalf("got %s, want %d", r, tc.want)
			}
		})
	}
	if s := e.status(id); s != durable.StatusRunning {
		t.Fatalf("instance is %v", s)
	}
	if _, err := e.client.GetStatus(context.Background(), "unauthorized"); err == nil {
		t.Fatal("an unauthorized start created an instance")
	}
}

func TestAnotherTaskHubIsRefusedWhenTheHubIsNamed(t *testing.T) {
	e := newEnv(t, mgmtapi.WithHubName("MyHub"))
	id := e.completed()
	if r := e.do(t, get(base+"/instances/"+id+"?taskHub=myhub&connection=Whatever")); r.Status != http.StatusOK {
		t.Fatalf("own hub: %s", r)
	}
	expectError(t, e.do(t, get(base+"/instances/"+id+"?taskHub=OtherHub")), http.StatusBadRequest)
}

func TestAPanicIsA500NotACrash(t *testing.T) {
	// A nil client makes every handler that reaches it panic.
	srvAPI := mgmtapi.New(nil)
	e := &testEnv{t: t}
	e.srv = newServer(t, srvAPI)
	expectError(t, e.do(t, get(base+"/instances/x")), http.StatusInternalServerError)
	// The server still serves.
	expectError(t, e.do(t, get(base+"/nothing")), http.StatusNotFound)
}

func TestStatusParametersAreCaseInsensitive(t *testing.T) {
	e := newEnv(t)
	id := e.completed()
	r := e.do(t, get(base+"/instances/"+id+"?SHOWHISTORY=True&showhistoryoutput=TRUE&ShowInput=false"))
	m := r.object(t)
	if m["historyEvents"] == nil || m["input"] != nil {
		t.Fatalf("got %s", r.Body)
	}
}

func TestAWrongMethodNamesTheAllowedOnes(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, method, path, allow string
	}{
		{"an instance allows GET and DELETE", "PUT", base + "/instances/x", "GET, DELETE"},
		{"the instance list allows GET and DELETE", "PATCH", base + "/instances", "GET, DELETE"},
		{"an orchestrator allows POST", "GET", base + "/orchestrators/Echo", "POST"},
		{"an entity allows GET, POST and DELETE", "PUT", base + "/entities/Counter/k", "GET, POST, DELETE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(t, request{method: tc.method, path: tc.path})
			expectError(t, r, http.StatusMethodNotAllowed)
			if got := r.Header.Get("Allow"); got != tc.allow {
				t.Fatalf("Allow = %q, want %q", got, tc.allow)
			}
		})
	}
}
