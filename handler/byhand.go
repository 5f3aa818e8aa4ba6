package handler

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"unicode/utf8"
)

// byHandShape is what POST /admin/functions/{name} takes, said in every
// refusal of a malformed body.
const byHandShape = `body must be {"input": "<trigger data as a string>"}`

// byHandInput reads the input of POST /admin/functions/{name}. Bad input
// is answered here, with a 4xx in the usual {"Message": ...} shape, and
// never reaches the function: another method (405), a body over
// maxInvocationBytes (413, before reading it when its length is declared),
// anything but one JSON object with a string "input" (400: a misspelt
// field would otherwise invoke the function with an empty input), and
// invalid UTF-8 (400: JSON decoding would silently turn it into U+FFFD).
// An empty body is an empty input.
func byHandInput(w http.ResponseWriter, r *http.Request) (string, bool) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "functions are invoked by hand with POST, not "+r.Method)
		return "", false
	}
	tooLarge := fmt.Sprintf("the request body is larger than the limit of %d bytes", maxInvocationBytes)
	if r.ContentLength > maxInvocationBytes {
		writeError(w, http.StatusRequestEntityTooLarge, tooLarge)
		return "", false
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxInvocationBytes))
	var big *http.MaxBytesError
	switch {
	case errors.As(err, &big):
		writeError(w, http.StatusRequestEntityTooLarge, tooLarge)
		return "", false
	case err != nil:
		writeError(w, http.StatusBadRequest, "reading the body: "+err.Error())
		return "", false
	case len(bytes.TrimSpace(raw)) == 0:
		return "", true
	case !utf8.Valid(raw):
		writeError(w, http.StatusBadRequest, "the body is not valid UTF-8")
		return "", false
	}
	var body struct {
		Input string `json:"input"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, byHandShape+": "+err.Error())
		return "", false
	}
	if dec.More() {
		writeError(w, http.StatusBadRequest, byHandShape+": more than one JSON value")
		return "", false
	}
	return body.Input, true
}
