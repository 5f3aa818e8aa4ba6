package funcapp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// InvocationRequest is the body the Functions host POSTs to
// /{FunctionName}: one Data entry per input binding (trigger first) and the
// trigger's binding data in Metadata. String values are usually JSON-encoded
// twice (see DecodeString).
type InvocationRequest struct {
	Data     map[string]json.RawMessage `json:"Data"`
	Metadata map[string]json.RawMessage `json:"Metadata"`
}

// DecodeInvocationRequest parses an invocation request body.
func DecodeInvocationRequest(body []byte) (*InvocationRequest, error) {
	var req InvocationRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, fmt.Errorf("invocation request: want a JSON object with Data and Metadata: %w", err)
	}
	if !bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
		return nil, fmt.Errorf("invocation request: want a JSON object with Data and Metadata")
	}
	return &req, nil
}

// Value returns the Data entry for a binding name (case-insensitive).
func (r *InvocationRequest) Value(name string) (json.RawMessage, bool) {
	if r == nil {
		return nil, false
	}
	return lookupRaw(r.Data, name)
}

// Meta returns a Metadata entry (case-insensitive).
func (r *InvocationRequest) Meta(name string) (json.RawMessage, bool) {
	if r == nil {
		return nil, false
	}
	return lookupRaw(r.Metadata, name)
}

// SysMetadata is Metadata["sys"], which the host adds to every invocation.
type SysMetadata struct {
	MethodName string
	UtcNow     time.Time
	RandGuid   string
}

// Sys decodes Metadata["sys"]. A missing entry gives a zero SysMetadata.
func (r *InvocationRequest) Sys() (SysMetadata, error) {
	var out SysMetadata
	raw, ok := r.Meta("sys")
	if !ok {
		return out, nil
	}
	obj, err := decodeObject(raw)
	if err != nil {
		return out, fmt.Errorf("Metadata.sys: %w", err)
	}
	var errs []error
	out.MethodName, _, err = metaString(obj, "MethodName")
	errs = append(errs, err)
	out.UtcNow, _, err = metaTime(obj, "UtcNow")
	errs = append(errs, err)
	out.RandGuid, _, err = metaString(obj, "RandGuid")
	errs = append(errs, err)
	if err := firstErr(errs); err != nil {
		return out, fmt.Errorf("Metadata.sys: %w", err)
	}
	return out, nil
}

// InvocationResponse is the reply to an invocation: values for output
// bindings by name, log lines, and the trigger's return value (the result
// of an orchestrator, activity or entity, or an http $return).
type InvocationResponse struct {
	Outputs     map[string]any `json:"Outputs"`
	Logs        []string       `json:"Logs"`
	ReturnValue any            `json:"ReturnValue"`
}

// MarshalJSON writes empty Outputs and Logs as {} and [] rather than null,
// which older hosts do not accept.
func (r InvocationResponse) MarshalJSON() ([]byte, error) {
	type plain InvocationResponse
	p := plain(r)
	if p.Outputs == nil {
		p.Outputs = map[string]any{}
	}
	if p.Logs == nil {
		p.Logs = []string{}
	}
	return json.Marshal(p)
}

// HTTPResponse is the value of an http output binding (Outputs["res"], or
// ReturnValue for an http "$return" binding). The host copies only these
// fields into the HTTP response.
type HTTPResponse struct {
	// StatusCode is the HTTP status (200 when 0 on the host side).
	StatusCode int `json:"statusCode"`
	// Body is a string (sent as is) or any JSON value (sent as JSON).
	Body any `json:"body,omitempty"`
	// Headers are the response headers, one value each.
	Headers map[string]string `json:"headers,omitempty"`
}

// UnmarshalJSON reads an http output value as the host does: keys are
// case-insensitive, the status comes from statusCode or else status and
// may be a number or a numeric string. A string body becomes a string,
// any other body a json.RawMessage.
func (r *HTTPResponse) UnmarshalJSON(data []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil || m == nil {
		return fmt.Errorf("http response: want a JSON object with statusCode, body and headers")
	}
	*r = HTTPResponse{}
	status, ok := lookupRaw(m, "statusCode")
	if !ok || string(status) == "null" {
		status, ok = lookupRaw(m, "status")
	}
	if ok && string(status) != "null" {
		code, err := parseStatus(status)
		if err != nil {
			return err
		}
		r.StatusCode = code
	}
	if body, ok := lookupRaw(m, "body"); ok && string(body) != "null" {
		var s string
		if json.Unmarshal(body, &s) == nil {
			r.Body = s
		} else {
			r.Body = json.RawMessage(append([]byte(nil), body...))
		}
	}
	if h, ok := lookupRaw(m, "headers"); ok && string(h) != "null" {
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(h, &raw); err != nil {
			return fmt.Errorf("http response: headers must be an object of strings: %w", err)
		}
		r.Headers = make(map[string]string, len(raw))
		for k, v := range raw {
			s, err := scalarText(v)
			if err != nil {
				return fmt.Errorf("http response: header %q: %w", k, err)
			}
			r.Headers[k] = s
		}
	}
	return nil
}

// BodyBytes returns the body as the host would write it: a string body as
// is, anything else as JSON.
func (r *HTTPResponse) BodyBytes() ([]byte, error) {
	switch b := r.Body.(type) {
	case nil:
		return nil, nil
	case string:
		return []byte(b), nil
	case []byte:
		return b, nil
	case json.RawMessage:
		return b, nil
	}
	return json.Marshal(r.Body)
}

func parseStatus(raw json.RawMessage) (int, error) {
	text, err := scalarText(raw)
	if err == nil {
		if n, convErr := strconv.Atoi(strings.TrimSpace(text)); convErr == nil && n >= 100 && n <= 999 {
			return n, nil
		}
	}
	return 0, fmt.Errorf("http response: statusCode must be a number from 100 to 999 (or such a number as a string), got %s", raw)
}

// scalarText returns the text of a JSON string, number or boolean.
func scalarText(raw json.RawMessage) (string, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return "", fmt.Errorf("invalid JSON: %w", err)
	}
	switch t := v.(type) {
	case string:
		return t, nil
	case json.Number:
		return t.String(), nil
	case bool:
		return strconv.FormatBool(t), nil
	}
	return "", fmt.Errorf("want a string, got %s", truncate(raw))
}

func firstErr(errs []error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
