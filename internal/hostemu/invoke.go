package hostemu

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/godurable/durablefunctions/internal/funcapp"
)

// Invoke sends an invocation of fn with the given Data and Metadata values
// and returns the decoded reply. Each value goes through the host's
// conversion first: strings, numbers, arrays and nil are JSON-serialized
// into a string (so a string arrives encoded twice), []byte becomes base64,
// and maps and *funcapp.HTTPRequest stay JSON objects. Metadata gets the
// host's "sys" entry; Metadata keys ending in "trigger" are dropped, as the
// host drops them.
//
// A non-2xx reply gives a *StatusError. A reply the host would reject or
// misread gives a *CheckError together with the decoded response.
func (h *Host) Invoke(ctx context.Context, fn string, data, metadata map[string]any) (*funcapp.InvocationResponse, error) {
	f, err := h.function(fn)
	if err != nil {
		return nil, err
	}
	return h.invoke(ctx, f, data, metadata)
}

// Envelope builds the request body the host would POST for these values,
// without sending it. It is what Invoke sends.
func (h *Host) Envelope(fn string, data, metadata map[string]any) ([]byte, error) {
	f, err := h.function(fn)
	if err != nil {
		return nil, err
	}
	return h.envelope(f, data, metadata)
}

func (h *Host) envelope(f *funcapp.Function, data, metadata map[string]any) ([]byte, error) {
	d, err := hostValues(data)
	if err != nil {
		return nil, fmt.Errorf("hostemu: Data: %w", err)
	}
	meta := map[string]any{}
	for k, v := range metadata {
		if strings.HasSuffix(strings.ToLower(k), "trigger") {
			continue
		}
		if _, isRequest := v.(*funcapp.HTTPRequest); isRequest {
			continue
		}
		meta[k] = v
	}
	m, err := hostValues(meta)
	if err != nil {
		return nil, fmt.Errorf("hostemu: Metadata: %w", err)
	}
	m["sys"] = map[string]any{
		"MethodName": f.Name,
		"UtcNow":     funcapp.FormatHostTime(h.Now()),
		"RandGuid":   h.NewID(),
	}
	return marshal(struct {
		Data     map[string]any `json:"Data"`
		Metadata map[string]any `json:"Metadata"`
	}{d, m})
}

func (h *Host) invoke(ctx context.Context, f *funcapp.Function, data, metadata map[string]any) (*funcapp.InvocationResponse, error) {
	body, err := h.envelope(f, data, metadata)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.HandlerURL+"/"+f.Name, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("hostemu: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	h.addHostHeaders(req)
	resp, err := h.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("hostemu: invoking %s: %w", f.Name, err)
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("hostemu: reading the reply of %s: %w", f.Name, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &StatusError{Function: f.Name, StatusCode: resp.StatusCode, Body: reply}
	}
	out, err := decodeReply(reply)
	if err != nil {
		return nil, fmt.Errorf("hostemu: reply of %s: %w", f.Name, err)
	}
	var problems []string
	if p := contentTypeProblem(resp.Header.Get("Content-Type")); p != "" {
		problems = append(problems, p)
	}
	problems = append(problems, check(f, out)...)
	if len(problems) > 0 {
		return out, &CheckError{Function: f.Name, Problems: problems}
	}
	return out, nil
}

func (h *Host) addHostHeaders(req *http.Request) {
	req.Header.Set("X-Azure-Functions-InvocationId", h.NewID())
	req.Header.Set("X-Azure-Functions-HostVersion", h.HostVersion)
	req.Header.Set("User-Agent", "Azure-Functions-Host/"+h.HostVersion)
}

// contentTypeProblem explains why the host could not read a reply with
// this Content-Type: it reads replies with a JSON media type formatter.
func contentTypeProblem(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && (mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json")) {
		return ""
	}
	if ct == "" {
		ct = "missing"
	}
	return fmt.Sprintf("Content-Type is %s; the host only reads application/json replies (set the header before writing the body)", ct)
}

// decodeReply parses a reply body as the host does: keys are
// case-insensitive, and each part may be null.
func decodeReply(body []byte) (*funcapp.InvocationResponse, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return nil, fmt.Errorf("not a JSON object with Outputs, Logs and ReturnValue, which the host rejects as \"Invalid HttpResponseMessage\": %s", truncate(body))
	}
	out := &funcapp.InvocationResponse{}
	if v, ok := lookupFold(raw, "Outputs"); ok && string(v) != "null" {
		if err := decodeNumbers(v, &out.Outputs); err != nil {
			return nil, fmt.Errorf("Outputs must be an object of binding name to value: %w", err)
		}
	}
	if v, ok := lookupFold(raw, "Logs"); ok && string(v) != "null" {
		if err := json.Unmarshal(v, &out.Logs); err != nil {
			return nil, fmt.Errorf("Logs must be an array of strings: %w", err)
		}
	}
	if v, ok := lookupFold(raw, "ReturnValue"); ok {
		if err := decodeNumbers(v, &out.ReturnValue); err != nil {
			return nil, fmt.Errorf("ReturnValue: %w", err)
		}
	}
	return out, nil
}

func decodeNumbers(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(v)
}

func lookupFold[V any](m map[string]V, key string) (V, bool) {
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	var zero V
	return zero, false
}
