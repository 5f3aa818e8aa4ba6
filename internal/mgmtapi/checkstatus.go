package mgmtapi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/godurable/durablefunctions/durable"
)

// Payload holds the management URLs of one instance, as Durable Functions'
// createCheckStatusResponse returns them. RewindPostURI is set only by
// ManagementPayload.
type Payload struct {
	ID                    string `json:"id"`
	StatusQueryGetURI     string `json:"statusQueryGetUri"`
	SendEventPostURI      string `json:"sendEventPostUri"`
	TerminatePostURI      string `json:"terminatePostUri"`
	PurgeHistoryDeleteURI string `json:"purgeHistoryDeleteUri"`
	RestartPostURI        string `json:"restartPostUri"`
	SuspendPostURI        string `json:"suspendPostUri"`
	ResumePostURI         string `json:"resumePostUri"`
	RewindPostURI         string `json:"rewindPostUri,omitempty"`
}

// Default wait of WaitForCompletionOrCreateCheckStatusResponse.
const (
	DefaultWaitTimeout   = 10 * time.Second
	DefaultRetryInterval = time.Second
)

// BaseURL returns the absolute URL of the API's base as the caller of r
// reaches it: https when r came over TLS, else http, r's host, then the
// base path. With WithTrustForwardedHeaders the scheme and host come from
// X-Forwarded-Proto and X-Forwarded-Host when present. With a nil r it is
// the base path alone.
func (a *API) BaseURL(r *http.Request) string {
	return authority(r, a.trustFwd) + a.base
}

// queryString returns the query a generated URL carries:
// taskHub=…&connection=…, and code=… when a key is configured.
func (a *API) queryString(code string) string {
	qs := "taskHub=" + url.QueryEscape(a.hub) + "&connection=" + url.QueryEscape(a.conn)
	if a.key != "" {
		qs += "&code=" + url.QueryEscape(code)
	}
	return qs
}

func authority(r *http.Request, trustForwarded bool) string {
	if r == nil {
		return ""
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := firstHeaderValue(r, "X-Forwarded-Proto"); trustForwarded && p != "" {
		p = strings.ToLower(p)
		if p == "http" || p == "https" {
			scheme = p
		}
	}
	host := r.Host
	if h := firstHeaderValue(r, "X-Forwarded-Host"); trustForwarded && h != "" {
		host = h
	}
	if host == "" && r.URL != nil {
		host = r.URL.Host
	}
	if host == "" {
		host = "localhost"
	}
	return scheme + "://" + host
}

// firstHeaderValue returns the first comma-separated value of a header
// (proxies append theirs).
func firstHeaderValue(r *http.Request, name string) string {
	v := r.Header.Get(name)
	if i := strings.IndexByte(v, ','); i >= 0 {
		v = v[:i]
	}
	return strings.TrimSpace(v)
}

// CheckStatusPayload returns the management URLs of instanceID, built from
// the authority r was sent to and the API's base path. When a key is
// configured they carry a credential scoped to instanceID, never the key.
func (a *API) CheckStatusPayload(r *http.Request, instanceID string) Payload {
	return a.payload(r, instanceID, a.scopedCode(instanceID))
}

// payload returns instanceID's management URLs carrying code.
func (a *API) payload(r *http.Request, instanceID, code string) Payload {
	inst := a.BaseURL(r) + "/instances/" + url.PathEscape(instanceID)
	qs := a.queryString(code)
	return Payload{
		ID:                    instanceID,
		StatusQueryGetURI:     inst + "?" + qs,
		SendEventPostURI:      inst + "/raiseEvent/{eventName}?" + qs,
		TerminatePostURI:      inst + "/terminate?reason={text}&" + qs,
		PurgeHistoryDeleteURI: inst + "?" + qs,
		RestartPostURI:        inst + "/restart?" + qs,
		SuspendPostURI:        inst + "/suspend?reason={text}&" + qs,
		ResumePostURI:         inst + "/resume?reason={text}&" + qs,
	}
}

// ManagementPayload is CheckStatusPayload plus the rewind URL, as Durable
// Functions' createHttpManagementPayload returns it.
func (a *API) ManagementPayload(r *http.Request, instanceID string) Payload {
	return a.managementPayload(r, instanceID, a.scopedCode(instanceID))
}

func (a *API) managementPayload(r *http.Request, instanceID, code string) Payload {
	p := a.payload(r, instanceID, code)
	p.RewindPostURI = a.BaseURL(r) + "/instances/" + url.PathEscape(instanceID) + "/rewind?reason={text}&" + a.queryString(code)
	return p
}

// CreateCheckStatusResponse answers r with 202 Accepted, the check-status
// payload of instanceID as JSON, Location set to its status URL and
// Retry-After: 10.
func (a *API) CreateCheckStatusResponse(w http.ResponseWriter, r *http.Request, instanceID string) {
	p := a.CheckStatusPayload(r, instanceID)
	w.Header().Set("Location", p.StatusQueryGetURI)
	w.Header().Set("Retry-After", "10")
	writeJSON(w, http.StatusAccepted, p)
}

// WaitForCompletionOrCreateCheckStatusResponse waits up to timeout for
// instanceID to finish. Completed: 200 with the orchestration's output as
// the body. Failed, terminated or canceled: the instance status, as GET
// instances/{id} answers it (500 for a failure when r asks
// returnInternalServerErrorOnFailure=true). Still running when the time is
// up: the check-status response. A zero timeout or retryInterval takes the
// default (10 s, 1 s); retryInterval longer than timeout is a 400. The
// runtime notices completions without polling, so retryInterval only bounds
// how long a completion in another process can go unnoticed.
func (a *API) WaitForCompletionOrCreateCheckStatusResponse(w http.ResponseWriter, r *http.Request, instanceID string, timeout, retryInterval time.Duration) {
	if timeout <= 0 {
		timeout = DefaultWaitTimeout
	}
	if retryInterval <= 0 {
		retryInterval = DefaultRetryInterval
	}
	if retryInterval > timeout {
		badRequest(w, "The retry interval ("+retryInterval.String()+") must not be longer than the timeout ("+timeout.String()+").", nil)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	st, err := a.waitForCompletion(ctx, instanceID, retryInterval)
	switch {
	case err == nil:
	case ctx.Err() != nil && r.Context().Err() == nil:
		// Timed out: still running (or not created yet).
		a.CreateCheckStatusResponse(w, r, instanceID)
		return
	default:
		a.clientError(w, r, err)
		return
	}
	if st.RuntimeStatus == durable.StatusCompleted {
		writeRawJSON(w, http.StatusOK, jsonOrNull(st.Output))
		return
	}
	failOn500, err := boolParam(r, "returnInternalServerErrorOnFailure", false)
	if err != nil {
		failOn500 = false
	}
	code := http.StatusOK
	if failOn500 && st.RuntimeStatus == durable.StatusFailed {
		code = http.StatusInternalServerError
	}
	writeJSON(w, code, a.statusJSON(st, statusView{showInput: true}))
}

// waitForCompletion waits for the instance to finish, and also polls every
// retryInterval, so that a lost change notification (a commit by another
// process) costs at most one interval.
func (a *API) waitForCompletion(ctx context.Context, instanceID string, retryInterval time.Duration) (*durable.Status, error) {
	for {
		pollCtx, cancel := context.WithTimeout(ctx, retryInterval)
		st, err := a.client.WaitForCompletion(pollCtx, instanceID)
		cancel()
		if err == nil {
			return st, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			return nil, err
		}
	}
}
