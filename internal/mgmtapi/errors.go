package mgmtapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/godurable/durablefunctions/durable"
)

// ErrorBody is the JSON body of every error response, shaped as the
// Durable Functions extension writes it: Message says what is wrong,
// ExceptionMessage gives the underlying error's text.
type ErrorBody struct {
	Message          string `json:"Message"`
	ExceptionMessage string `json:"ExceptionMessage,omitempty"`
}

// writeJSON writes v as the JSON body of a status response.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		writeError(w, http.StatusInternalServerError, "Something went wrong while processing your request", "the response cannot be encoded as JSON: "+err.Error())
		return
	}
	writeRawJSON(w, status, bytes.TrimRight(buf.Bytes(), "\n"))
}

// writeRawJSON writes body, which is JSON text, with status.
func writeRawJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeError writes an ErrorBody with status.
func writeError(w http.ResponseWriter, status int, message, detail string) {
	if detail == "" {
		detail = message
	}
	b, _ := json.Marshal(ErrorBody{Message: message, ExceptionMessage: detail})
	writeRawJSON(w, status, b)
}

// clientError writes the response for an error a durable.Client method
// returned.
func (a *API) clientError(w http.ResponseWriter, r *http.Request, err error) {
	var (
		invalid *durable.InvalidStateError
		unknown *durable.UnknownFunctionError
		tooBig  *http.MaxBytesError
	)
	switch {
	case errors.Is(err, durable.ErrInstanceNotFound):
		writeError(w, http.StatusNotFound, "No orchestration instance was found with the given id.", err.Error())
	case errors.Is(err, durable.ErrEntityNotFound):
		writeError(w, http.StatusNotFound, "No entity was found with the given id.", err.Error())
	case errors.As(err, &invalid):
		writeError(w, stateConflictStatus(invalid.Status), "The operation cannot be applied to an instance that is "+invalid.Status.String()+".", err.Error())
	case errors.Is(err, durable.ErrInstanceExists):
		writeError(w, http.StatusConflict, "An active instance with the given id already exists.", err.Error())
	case errors.As(err, &unknown):
		writeError(w, http.StatusBadRequest, "The "+unknown.Kind+" function '"+unknown.Name+"' doesn't exist.", err.Error())
	case errors.Is(err, durable.ErrInvalidInstanceID):
		writeError(w, http.StatusBadRequest, "The instance id is not valid.", err.Error())
	case errors.Is(err, durable.ErrInvalidInput):
		writeError(w, http.StatusBadRequest, "The JSON in the request is not valid UTF-8 JSON.", err.Error())
	case errors.Is(err, durable.ErrInvalidQuery), errors.Is(err, durable.ErrInvalidEntityID):
		writeError(w, http.StatusBadRequest, "The query is not valid (check the continuation token).", err.Error())
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, tooLargeMessage(tooBig.Limit), err.Error())
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		// The caller went away: nobody reads this.
		writeError(w, http.StatusServiceUnavailable, "The request was canceled.", err.Error())
	default:
		a.log.Error("durable management API: request failed", "method", r.Method, "path", r.URL.Path, "error", err)
		writeError(w, http.StatusInternalServerError, "Something went wrong while processing your request", err.Error())
	}
}

// stateConflictStatus is the status code for an operation that does not
// apply to an instance in status s: 410 Gone for a finished instance (as
// Durable Functions answers), 409 Conflict for an active one (where Durable
// Functions answers 500).
func stateConflictStatus(s durable.RuntimeStatus) int {
	if s.IsTerminal() {
		return http.StatusGone
	}
	return http.StatusConflict
}

func tooLargeMessage(limit int64) string {
	return "The request body is larger than the limit of " + strconv.FormatInt(limit, 10) + " bytes."
}

// badRequest writes a 400 naming the problem.
func badRequest(w http.ResponseWriter, message string, err error) {
	detail := ""
	if err != nil {
		detail = err.Error()
	}
	writeError(w, http.StatusBadRequest, message, detail)
}
