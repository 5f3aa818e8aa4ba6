package mgmtapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/godurable/durablefunctions/durable"
)

// readBody reads the request body within the size limit. On failure it has
// written the response and returns false.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if r.Body == nil {
		return nil, true
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, tooLargeMessage(tooBig.Limit), err.Error())
			return nil, false
		}
		badRequest(w, "The request body could not be read.", err)
		return nil, false
	}
	return b, true
}

// instanceIDParam reads and validates the instanceId route parameter. On
// failure it has written a 400 and returns false.
func instanceIDParam(w http.ResponseWriter, r *http.Request) (string, bool) {
	id, err := pathParam(r, "instanceId")
	if err != nil {
		badRequest(w, "The instance id is not validly escaped.", err)
		return "", false
	}
	if err := durable.ValidateInstanceID(id); err != nil {
		badRequest(w, "The instance id is not valid.", err)
		return "", false
	}
	return id, true
}

// isJSONContent reports whether the request's media type is
// application/json.
func isJSONContent(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && strings.EqualFold(mt, "application/json")
}

// Bounds of a start-and-wait request: a wait holds a connection, and a tiny
// polling interval would spin.
const (
	MaxWaitTimeout     = time.Hour
	MinPollingInterval = 100 * time.Millisecond
)

// waitParams reads timeout and pollingInterval; wait reports whether both
// are given (the caller then waits for completion).
func waitParams(w http.ResponseWriter, r *http.Request) (timeout, interval time.Duration, wait, ok bool) {
	timeout, hasTimeout, err := secondsParam(r, "timeout")
	if err != nil {
		badRequest(w, "The timeout is not valid.", err)
		return 0, 0, false, false
	}
	interval, hasInterval, err := secondsParam(r, "pollingInterval")
	if err != nil {
		badRequest(w, "The polling interval is not valid.", err)
		return 0, 0, false, false
	}
	if !hasTimeout || !hasInterval {
		return 0, 0, false, true
	}
	if timeout > MaxWaitTimeout {
		badRequest(w, "The timeout must be at most "+MaxWaitTimeout.String()+": poll the status URL for longer waits.", nil)
		return 0, 0, false, false
	}
	if interval < MinPollingInterval {
		badRequest(w, "The polling interval must be at least "+MinPollingInterval.String()+".", nil)
		return 0, 0, false, false
	}
	if interval > timeout {
		badRequest(w, "The polling interval must not be longer than the timeout.", nil)
		return 0, 0, false, false
	}
	return timeout, interval, true, true
}

// startOrchestration serves POST orchestrators/{functionName}[/{instanceId}][?version=].
func (a *API) startOrchestration(w http.ResponseWriter, r *http.Request) {
	name, err := pathParam(r, "functionName")
	if err != nil || name == "" {
		badRequest(w, "The orchestrator function name is not valid.", err)
		return
	}
	var opts []durable.StartOption
	if chiHasParam(r, "instanceId") {
		id, ok := instanceIDParam(w, r)
		if !ok {
			return
		}
		opts = append(opts, durable.WithInstanceID(id))
	}
	// Durable Functions' API has no way to choose a version; ?version=
	// does, else the runtime's defaultVersion applies.
	if v := r.URL.Query().Get("version"); v != "" {
		opts = append(opts, durable.WithVersion(v))
	}
	timeout, interval, wait, ok := waitParams(w, r)
	if !ok {
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	var input any
	if len(body) > 0 {
		if !json.Valid(body) {
			badRequest(w, "Invalid JSON content", errors.New("the request body is not valid JSON"))
			return
		}
		input = json.RawMessage(bytes.TrimSpace(body))
	}
	id, err := a.client.StartNew(r.Context(), name, input, opts...)
	if err != nil {
		a.clientError(w, r, err)
		return
	}
	if wait {
		a.WaitForCompletionOrCreateCheckStatusResponse(w, r, id, timeout, interval)
		return
	}
	a.CreateCheckStatusResponse(w, r, id)
}

// getStatus serves GET instances/{instanceId}.
func (a *API) getStatus(w http.ResponseWriter, r *http.Request) {
	id, ok := instanceIDParam(w, r)
	if !ok {
		return
	}
	var v statusView
	var failOn500 bool
	for _, p := range []struct {
		name string
		dst  *bool
		def  bool
	}{
		{"showHistory", &v.showHistory, false},
		{"showHistoryOutput", &v.showHistoryOutput, false},
		{"showInput", &v.showInput, true},
		{"returnInternalServerErrorOnFailure", &failOn500, false},
	} {
		b, err := boolParam(r, p.name, p.def)
		if err != nil {
			badRequest(w, "The query parameter '"+p.name+"' is not valid.", err)
			return
		}
		*p.dst = b
	}
	var opts []durable.StatusOption
	if v.showHistory {
		opts = append(opts, durable.WithHistory())
	}
	st, err := a.client.GetStatus(r.Context(), id, opts...)
	if err != nil {
		a.clientError(w, r, err)
		return
	}
	body := a.statusJSON(st, v)
	switch st.RuntimeStatus {
	case durable.StatusCompleted, durable.StatusCanceled, durable.StatusTerminated:
		writeJSON(w, http.StatusOK, body)
	case durable.StatusFailed:
		code := http.StatusOK
		if failOn500 {
			code = http.StatusInternalServerError
		}
		writeJSON(w, code, body)
	case durable.StatusRunning, durable.StatusPending, durable.StatusContinuedAsNew, durable.StatusSuspended:
		w.Header().Set("Location", a.requestURL(r))
		w.Header().Set("Retry-After", "5")
		writeJSON(w, http.StatusAccepted, body)
	default:
		writeJSON(w, http.StatusInternalServerError, body)
	}
}

// requestURL is the public URL of r: the API's base URL, the path after
// the base and the query, as received.
func (a *API) requestURL(r *http.Request) string {
	u := a.BaseURL(r) + a.suffix(r)
	if r.URL.RawQuery != "" {
		u += "?" + r.URL.RawQuery
	}
	return u
}

// listInstances serves GET instances.
func (a *API) listInstances(w http.ResponseWriter, r *http.Request) {
	var q durable.Query
	var err error
	if q.CreatedFrom, _, err = timeParam(r, "createdTimeFrom"); err != nil {
		badRequest(w, "The query parameter 'createdTimeFrom' is not valid.", err)
		return
	}
	if q.CreatedTo, _, err = timeParam(r, "createdTimeTo"); err != nil {
		badRequest(w, "The query parameter 'createdTimeTo' is not valid.", err)
		return
	}
	if q.Statuses, err = statusesParam(r); err != nil {
		badRequest(w, "The query parameter 'runtimeStatus' is not valid.", err)
		return
	}
	if q.PageSize, err = topParam(r); err != nil {
		badRequest(w, "The query parameter 'top' is not valid.", err)
		return
	}
	showInput, err := boolParam(r, "showInput", true)
	if err != nil {
		badRequest(w, "The query parameter 'showInput' is not valid.", err)
		return
	}
	q.InstanceIDPrefix = queryParam(r, "instanceIdPrefix")
	q.ContinuationToken = r.Header.Get(ContinuationHeader)
	// Outputs and custom statuses are always shown; only the input is
	// optional.
	q.WithInput = true
	page, err := a.client.ListInstances(r.Context(), q)
	if err != nil {
		a.clientError(w, r, err)
		return
	}
	out := make([]*InstanceStatus, 0, len(page.Instances))
	for _, st := range page.Instances {
		out = append(out, a.statusJSON(st, statusView{showInput: showInput}))
	}
	w.Header().Set(ContinuationHeader, page.ContinuationToken)
	writeJSON(w, http.StatusOK, out)
}

// raiseEvent serves POST instances/{instanceId}/raiseEvent/{eventName}.
func (a *API) raiseEvent(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(chiParam(r, "operation"), "raiseEvent") {
		a.mux.NotFoundHandler().ServeHTTP(w, r)
		return
	}
	id, ok := instanceIDParam(w, r)
	if !ok {
		return
	}
	event, err := pathParam(r, "eventName")
	if err != nil || event == "" {
		badRequest(w, "The event name is not valid.", err)
		return
	}
	st, err := a.client.GetStatus(r.Context(), id)
	if err != nil {
		a.clientError(w, r, err)
		return
	}
	if st.IsFinished() {
		writeError(w, http.StatusGone, "The instance is "+st.RuntimeStatus.String()+": it no longer accepts events.", "")
		return
	}
	if !isJSONContent(r) {
		badRequest(w, "The event data must be sent with Content-Type: application/json.", errors.New("content type "+quoteOrNone(r.Header.Get("Content-Type"))+" is not application/json"))
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	var data any
	if len(bytes.TrimSpace(body)) > 0 {
		if !json.Valid(body) {
			badRequest(w, "Invalid JSON content", errors.New("the event data is not valid JSON"))
			return
		}
		data = json.RawMessage(bytes.TrimSpace(body))
	}
	if err := a.client.RaiseEvent(r.Context(), id, event, data); err != nil {
		a.clientError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func quoteOrNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return "'" + s + "'"
}

// instanceOperation serves POST instances/{instanceId}/{operation}.
func (a *API) instanceOperation(w http.ResponseWriter, r *http.Request) {
	op := strings.ToLower(chiParam(r, "operation"))
	switch op {
	case "terminate", "suspend", "resume", "rewind", "restart":
	default:
		a.mux.NotFoundHandler().ServeHTTP(w, r)
		return
	}
	id, ok := instanceIDParam(w, r)
	if !ok {
		return
	}
	if op == "restart" {
		a.restart(w, r, id)
		return
	}
	reason, hasReason := lookupParam(r, "reason")
	st, err := a.client.GetStatus(r.Context(), id)
	if err != nil {
		a.clientError(w, r, err)
		return
	}
	s := st.RuntimeStatus
	switch op {
	case "terminate":
		if s.IsTerminal() {
			writeError(w, http.StatusGone, "The instance is "+s.String()+": it cannot be terminated.", "")
			return
		}
		var why any
		if hasReason {
			why = reason
		}
		err = a.client.Terminate(r.Context(), id, why)
	case "suspend":
		switch {
		case s.IsTerminal():
			writeError(w, http.StatusGone, "The instance is "+s.String()+": it cannot be suspended.", "")
			return
		case s == durable.StatusSuspended:
			writeError(w, http.StatusConflict, "The instance is already suspended.", "")
			return
		}
		err = a.client.Suspend(r.Context(), id, reason)
	case "resume":
		switch {
		case s.IsTerminal():
			writeError(w, http.StatusGone, "The instance is "+s.String()+": it cannot be resumed.", "")
			return
		case s != durable.StatusSuspended:
			writeError(w, http.StatusConflict, "The instance is "+s.String()+", not suspended: there is nothing to resume.", "")
			return
		}
		err = a.client.Resume(r.Context(), id, reason)
	case "rewind":
		switch {
		case s == durable.StatusFailed:
		case s.IsTerminal():
			writeError(w, http.StatusGone, "The instance is "+s.String()+": only failed instances can be rewound.", "")
			return
		default:
			writeError(w, http.StatusConflict, "The instance is "+s.String()+": only failed instances can be rewound.", "")
			return
		}
		err = a.client.Rewind(r.Context(), id, reason)
	}
	if err != nil {
		a.clientError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// restart serves POST instances/{instanceId}/restart.
func (a *API) restart(w http.ResponseWriter, r *http.Request, id string) {
	newID, err := boolParam(r, "restartWithNewInstanceId", true)
	if err != nil {
		badRequest(w, "The query parameter 'restartWithNewInstanceId' is not valid.", err)
		return
	}
	timeout, interval, wait, ok := waitParams(w, r)
	if !ok {
		return
	}
	restarted, err := a.client.Restart(r.Context(), id, newID)
	if errors.Is(err, durable.ErrInstanceNotFound) {
		// Durable Functions answers 400 here, not 404.
		badRequest(w, "InstanceId does not match a valid orchestration instance.", err)
		return
	}
	if err != nil {
		a.clientError(w, r, err)
		return
	}
	if wait {
		a.WaitForCompletionOrCreateCheckStatusResponse(w, r, restarted, timeout, interval)
		return
	}
	a.CreateCheckStatusResponse(w, r, restarted)
}

// purgeInstance serves DELETE instances/{instanceId}.
func (a *API) purgeInstance(w http.ResponseWriter, r *http.Request) {
	id, ok := instanceIDParam(w, r)
	if !ok {
		return
	}
	if err := a.client.Purge(r.Context(), id); err != nil {
		a.clientError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, PurgeResult{InstancesDeleted: 1})
}

// PurgeResult is the body of a successful purge.
type PurgeResult struct {
	InstancesDeleted int `json:"instancesDeleted"`
}

// purgeInstances serves DELETE instances (purge by filter).
func (a *API) purgeInstances(w http.ResponseWriter, r *http.Request) {
	var f durable.PurgeFilter
	from, ok, err := timeParam(r, "createdTimeFrom")
	if err != nil || !ok {
		badRequest(w, "Please provide value for 'createdTimeFrom' parameter.", err)
		return
	}
	f.CreatedFrom = from
	to, ok, err := timeParam(r, "createdTimeTo")
	if err != nil {
		badRequest(w, "The query parameter 'createdTimeTo' is not valid.", err)
		return
	}
	if !ok {
		to = time.Now().UTC()
	}
	f.CreatedTo = to
	statuses, err := statusesParam(r)
	if err != nil {
		badRequest(w, "The query parameter 'runtimeStatus' is not valid.", err)
		return
	}
	for _, s := range statuses {
		if s.IsTerminal() {
			f.Statuses = append(f.Statuses, s)
		}
	}
	if len(statuses) > 0 && len(f.Statuses) == 0 {
		// Only finished instances are purged: a filter naming none of
		// their statuses matches nothing (Durable Functions would drop the
		// filter and purge every finished instance).
		writeError(w, http.StatusNotFound, "No finished instances matched the filter: only Completed, Failed, Terminated and Canceled instances can be purged.", "")
		return
	}
	n, err := a.client.PurgeBy(r.Context(), f)
	if err != nil {
		a.clientError(w, r, err)
		return
	}
	if n == 0 {
		writeError(w, http.StatusNotFound, "No finished instances matched the filter.", "")
		return
	}
	writeJSON(w, http.StatusOK, PurgeResult{InstancesDeleted: n})
}

// chiParam returns the raw route parameter name.
func chiParam(r *http.Request, name string) string {
	v, _ := url.PathUnescape(chiRaw(r, name))
	return v
}
