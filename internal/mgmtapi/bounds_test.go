package mgmtapi_test

import (
	"net/http"
	"strings"
	"testing"
)

// A start-and-wait request holds a connection and polls: a tiny polling
// interval would spin a CPU for the whole wait, a huge timeout would hold
// the connection for days.
func TestStartAndWaitBoundsItsTimeoutAndPollingInterval(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		query   string
		status  int
		mention string
	}{
		{"timeout=10&pollingInterval=1e-9", http.StatusBadRequest, "at least 100ms"},
		{"timeout=10&pollingInterval=0.05", http.StatusBadRequest, "at least 100ms"},
		{"timeout=1e9&pollingInterval=1", http.StatusBadRequest, "at most 1h0m0s"},
		{"timeout=5&pollingInterval=0.1", http.StatusOK, ""},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			r := e.do(t, post(base+"/orchestrators/HelloSequence?"+tc.query))
			if r.Status != tc.status || !strings.Contains(string(r.Body), tc.mention) {
				t.Fatalf("got %s, want %d mentioning %q", r, tc.status, tc.mention)
			}
		})
	}
}

// JSON that is not UTF-8 would be stored and later break every strict JSON
// client reading GET /instances: it is refused where it comes in.
func TestJSONThatIsNotUTF8IsRefusedWith400(t *testing.T) {
	e := newEnv(t)
	start := e.do(t, post(base+"/orchestrators/WaitForEvent/utf8"))
	if start.Status != http.StatusAccepted {
		t.Fatalf("start: %s", start)
	}
	bad := "\"caf\xe9\""
	for _, r := range []request{
		{method: "POST", path: "/orchestrators/Echo", body: bad, header: map[string]string{"Content-Type": "application/json"}},
		{method: "POST", path: "/instances/utf8/raiseEvent/Go", body: bad, header: map[string]string{"Content-Type": "application/json"}},
	} {
		if got := e.do(t, r); got.Status != http.StatusBadRequest || !strings.Contains(string(got.Body), "UTF-8") {
			t.Errorf("%s %s with invalid UTF-8: %s, want 400 naming UTF-8", r.method, r.path, got)
		}
	}
}
