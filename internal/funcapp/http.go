package funcapp

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// HTTPRequest is the value of an HTTP trigger in Data, with the host's
// field names: the request line, query values (several values of one name
// joined with ","), headers (every value), route values, the caller's
// claims identities, and the body. The body is text, except for
// application/octet-stream and multipart/* requests, where it is base64;
// use BodyBytes to get the bytes either way.
type HTTPRequest struct {
	URL        string              `json:"Url"`
	Method     string              `json:"Method"`
	Query      map[string]string   `json:"Query"`
	Headers    map[string][]string `json:"Headers"`
	Params     map[string]string   `json:"Params"`
	Identities json.RawMessage     `json:"Identities,omitempty"`
	Body       string              `json:"Body,omitempty"`
}

// DecodeHTTPRequest decodes an HTTP trigger value. It tolerates the
// variations seen between host versions: a value wrapped in a JSON string,
// single header values instead of arrays, array query values, and
// non-string route values.
func DecodeHTTPRequest(raw json.RawMessage) (*HTTPRequest, error) {
	obj, err := decodeObject(raw)
	if err != nil {
		return nil, fmt.Errorf("http request: %w", err)
	}
	if obj == nil {
		return nil, fmt.Errorf("http request: value is null")
	}
	req := &HTTPRequest{}
	var errs []error
	var ok bool
	req.URL, _, err = metaString(obj, "Url")
	errs = append(errs, err)
	req.Method, ok, err = metaString(obj, "Method")
	errs = append(errs, err)
	if err == nil && (!ok || req.Method == "") {
		errs = append(errs, fmt.Errorf("Method is missing"))
	}
	req.Body, _, err = bodyText(obj)
	errs = append(errs, err)
	req.Query, err = stringMap(obj, "Query", func(v json.RawMessage) (string, error) {
		if items, err := decodeArray(v); err == nil && items != nil {
			parts := make([]string, 0, len(items))
			for _, it := range items {
				s, err := jsonText(it)
				if err != nil {
					return "", err
				}
				parts = append(parts, s)
			}
			return strings.Join(parts, ","), nil
		}
		return jsonText(v)
	})
	errs = append(errs, err)
	req.Params, err = stringMap(obj, "Params", func(v json.RawMessage) (string, error) {
		if s, err := jsonText(v); err == nil {
			return s, nil
		}
		return string(bytes.TrimSpace(v)), nil
	})
	errs = append(errs, err)
	req.Headers, err = headerMap(obj)
	errs = append(errs, err)
	if raw, ok := lookupRaw(obj, "Identities"); ok && string(raw) != "null" {
		n, err := normalizeJSON(raw)
		errs = append(errs, err)
		req.Identities = n
	}
	if err := firstErr(errs); err != nil {
		return nil, fmt.Errorf("http request: %w", err)
	}
	return req, nil
}

func bodyText(obj map[string]json.RawMessage) (string, bool, error) {
	raw, ok := lookupRaw(obj, "Body")
	if !ok || string(bytes.TrimSpace(raw)) == "null" {
		return "", false, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, true, nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return "", true, fmt.Errorf("Body: invalid JSON: %w", err)
	}
	return buf.String(), true, nil
}

func stringMap(obj map[string]json.RawMessage, key string, conv func(json.RawMessage) (string, error)) (map[string]string, error) {
	out := map[string]string{}
	raw, ok := lookupRaw(obj, key)
	if !ok {
		return out, nil
	}
	m, err := decodeObject(raw)
	if err != nil {
		return out, fmt.Errorf("%s: %w", key, err)
	}
	for k, v := range m {
		s, err := conv(v)
		if err != nil {
			return out, fmt.Errorf("%s.%s: %w", key, k, err)
		}
		out[k] = s
	}
	return out, nil
}

func headerMap(obj map[string]json.RawMessage) (map[string][]string, error) {
	out := map[string][]string{}
	raw, ok := lookupRaw(obj, "Headers")
	if !ok {
		return out, nil
	}
	m, err := decodeObject(raw)
	if err != nil {
		return out, fmt.Errorf("Headers: %w", err)
	}
	for k, v := range m {
		if items, err := decodeArray(v); err == nil {
			vals := make([]string, 0, len(items))
			for _, it := range items {
				s, err := jsonText(it)
				if err != nil {
					return out, fmt.Errorf("Headers.%s: %w", k, err)
				}
				vals = append(vals, s)
			}
			out[k] = vals
			continue
		}
		s, err := jsonText(v)
		if err != nil {
			return out, fmt.Errorf("Headers.%s: %w", k, err)
		}
		out[k] = []string{s}
	}
	return out, nil
}

// Header returns the first value of a header (name case-insensitive).
func (r *HTTPRequest) Header(name string) string {
	if v, ok := r.Headers[name]; ok && len(v) > 0 {
		return v[0]
	}
	for k, v := range r.Headers {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// BodyIsBase64 reports whether the host sent the body base64-encoded,
// which it does for application/octet-stream and multipart/* requests.
func (r *HTTPRequest) BodyIsBase64() bool {
	return BodyIsBase64(r.Header("Content-Type"))
}

// BodyIsBase64 reports whether the host base64-encodes request bodies of
// the given Content-Type.
func BodyIsBase64(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(contentType))
	}
	return mt == "application/octet-stream" || strings.HasPrefix(mt, "multipart/")
}

// BodyBytes returns the request body bytes, decoding base64 when the host
// used it.
func (r *HTTPRequest) BodyBytes() ([]byte, error) {
	if !r.BodyIsBase64() {
		return []byte(r.Body), nil
	}
	b, err := base64.StdEncoding.DecodeString(r.Body)
	if err != nil {
		return nil, fmt.Errorf("http request: body of a %s request is not valid base64: %w", r.Header("Content-Type"), err)
	}
	return b, nil
}

// StdRequest rebuilds a net/http request (method, URL, headers, body and
// route values as PathValue), so ordinary http.Handlers can serve an
// invocation.
func (r *HTTPRequest) StdRequest(ctx context.Context) (*http.Request, error) {
	u, err := url.Parse(r.URL)
	if err != nil {
		return nil, fmt.Errorf("http request: invalid Url %q: %w", r.URL, err)
	}
	body, err := r.BodyBytes()
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("http request: %w", err)
	}
	names := make([]string, 0, len(r.Headers))
	for k := range r.Headers {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range r.Headers[k] {
			req.Header.Add(k, v)
		}
	}
	if h := req.Header.Get("Host"); h != "" {
		req.Host = h
	}
	req.RequestURI = u.RequestURI()
	for k, v := range r.Params {
		req.SetPathValue(k, v)
	}
	return req, nil
}

// NewHTTPResponse builds an http output value from a status, headers
// (several values of one name joined with ", ") and a body, which is
// sent as a string.
func NewHTTPResponse(status int, header http.Header, body []byte) *HTTPResponse {
	res := &HTTPResponse{StatusCode: status, Body: string(body)}
	if len(header) > 0 {
		res.Headers = make(map[string]string, len(header))
		for k, v := range header {
			res.Headers[k] = strings.Join(v, ", ")
		}
	}
	return res
}
