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
