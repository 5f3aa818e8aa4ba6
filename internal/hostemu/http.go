package hostemu

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/godurable/durablefunctions/internal/funcapp"
)

// HTTPResult is what the host returns to the caller of an HTTP-triggered
// function.
type HTTPResult struct {
	StatusCode int
	Header     http.Header
	Body       []byte
	// Forwarded is true when the original request was forwarded to the
	// handler (customHandler.enableForwardingHttpRequest).
	Forwarded bool
	// Invocation is the handler's decoded reply; nil when forwarded.
	Invocation *funcapp.InvocationResponse
}

// InvokeHTTP invokes the HTTP-triggered function fn with r, as the host
// does for a request that its router sent to fn: r's path must match the
// function's route (including the route prefix) and its method must be
// allowed.
//
// For functions with exactly an HTTP trigger and an HTTP output, when
// host.json enables request forwarding, r itself is forwarded to the
// handler at the same path and the handler's response is returned as is.
// Otherwise the request becomes an invocation envelope and the result is
// built from the function's http output binding.
func (h *Host) InvokeHTTP(ctx context.Context, fn string, r *http.Request) (*HTTPResult, error) {
	f, err := h.function(fn)
	if err != nil {
		return nil, err
	}
	if err := h.requireKind(f, funcapp.KindHTTP); err != nil {
		return nil, err
	}
	route := h.App.HTTPRoute(f)
	params, ok := funcapp.MatchRoute(route, r.URL.Path)
	if !ok {
		return nil, fmt.Errorf("hostemu: %s does not match route %q of function %s", r.URL.Path, route, f.Name)
	}
	if !f.Trigger.AllowsMethod(r.Method) {
		return nil, fmt.Errorf("hostemu: function %s does not accept %s (methods %v)", f.Name, r.Method, f.Trigger.Methods())
	}
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if h.App.Host.CustomHandler.ForwardsHTTP() && f.IsHTTPInAndOut() {
		return h.forward(ctx, f, r, body)
	}
	return h.invokeHTTP(ctx, f, r, body, params)
}

// ServeHTTP serves requests the way the host's router does: the enabled
// HTTP function whose route matches gets invoked; other paths get 404.
// A reply that the host could not use gets 500 with the problems, so that
// tests notice. Mount it on an httptest.Server to drive a handler through
// real HTTP clients.
func (h *Host) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, _, ok := h.App.MatchHTTP(r.Method, r.URL.Path)
	if !ok {
		writeJSONError(w, http.StatusNotFound, fmt.Sprintf("no function serves %s %s", r.Method, r.URL.Path))
		return
	}
	res, err := h.InvokeHTTP(r.Context(), f.Name, r)
	if err != nil {
		writeJSONError(w, http.StatusInternalServerError, err.Error())
		return
	}
	for k, v := range res.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(res.StatusCode)
	_, _ = w.Write(res.Body)
}

func writeJSONError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	b, _ := marshal(map[string]string{"error": msg})
	_, _ = w.Write(b)
}

func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, fmt.Errorf("hostemu: reading the request body: %w", err)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}

// HTTPRequestValue builds the HTTP trigger value the host would put in
// Data for r (whose body has already been read into body).
func (h *Host) HTTPRequestValue(r *http.Request, body []byte, params map[string]string) *funcapp.HTTPRequest {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	if host == "" {
		host = strings.TrimPrefix(strings.TrimPrefix(h.Origin, "http://"), "https://")
	}
	u := scheme + "://" + host + r.URL.EscapedPath()
	if r.URL.RawQuery != "" {
		u += "?" + r.URL.RawQuery
	}
	hr := &funcapp.HTTPRequest{
		URL:        u,
		Method:     r.Method,
		Query:      map[string]string{},
		Headers:    map[string][]string{},
		Params:     map[string]string{},
		Identities: json.RawMessage(`[]`),
	}
	for k, v := range r.URL.Query() {
		hr.Query[k] = strings.Join(v, ",")
	}
	for k, v := range r.Header {
		hr.Headers[k] = append([]string(nil), v...)
	}
	if _, ok := hr.Headers["Host"]; !ok {
		hr.Headers["Host"] = []string{host}
	}
	for k, v := range params {
		hr.Params[k] = v
	}
	if len(body) > 0 {
		if funcapp.BodyIsBase64(r.Header.Get("Content-Type")) {
			hr.Body = base64.StdEncoding.EncodeToString(body)
		} else {
			hr.Body = string(body)
		}
	}
	return hr
}

func (h *Host) invokeHTTP(ctx context.Context, f *funcapp.Function, r *http.Request, body []byte, params map[string]string) (*HTTPResult, error) {
	value := h.HTTPRequestValue(r, body, params)
	data := h.InputValues(f)
	data[f.Trigger.Name] = value
	metadata := map[string]any{}
	for k, v := range params {
		metadata[k] = v
	}
	flat := map[string]string{}
	for k, v := range value.Headers {
		flat[k] = strings.Join(v, ",")
	}
	metadata["Query"] = value.Query
	metadata["Headers"] = flat
	resp, err := h.invoke(ctx, f, data, metadata)
	var ce *CheckError
	if err != nil && !errors.As(err, &ce) {
		return nil, err
	}
	res := &HTTPResult{StatusCode: http.StatusInternalServerError, Header: http.Header{}, Invocation: resp}
	out := f.HTTPOutput()
	if out == nil {
		// An HTTP trigger without an http output: the host answers 204.
		res.StatusCode = http.StatusNoContent
		return res, err
	}
	var v any
	if out.Name == funcapp.ReturnBindingName {
		v = resp.ReturnValue
	} else {
		v, _ = lookupFold(resp.Outputs, out.Name)
	}
	if hr, convErr := httpResponse(v); v != nil && convErr == nil {
		fillResult(res, hr)
	}
	return res, err
}

// fillResult turns an http output value into the response the host sends.
func fillResult(res *HTTPResult, hr *funcapp.HTTPResponse) {
	res.StatusCode = hr.StatusCode
	if res.StatusCode == 0 {
		res.StatusCode = http.StatusOK
	}
	for k, v := range hr.Headers {
		res.Header.Set(k, v)
	}
	res.Body, _ = hr.BodyBytes()
	if res.Header.Get("Content-Type") == "" && len(res.Body) > 0 {
		if _, isString := hr.Body.(string); isString {
			res.Header.Set("Content-Type", "text/plain; charset=utf-8")
		} else {
			res.Header.Set("Content-Type", "application/json; charset=utf-8")
		}
	}
}

// hopHeaders are not copied when forwarding a request.
var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

func (h *Host) forward(ctx context.Context, f *funcapp.Function, r *http.Request, body []byte) (*HTTPResult, error) {
	req, err := http.NewRequestWithContext(ctx, r.Method, h.HandlerURL+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("hostemu: forwarding to %s: %w", f.Name, err)
	}
	req.Header = r.Header.Clone()
	for _, hh := range hopHeaders {
		req.Header.Del(hh)
	}
	h.addHostHeaders(req)
	resp, err := h.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("hostemu: forwarding to %s: %w", f.Name, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("hostemu: reading the forwarded response of %s: %w", f.Name, err)
	}
	return &HTTPResult{StatusCode: resp.StatusCode, Header: resp.Header, Body: out, Forwarded: true}, nil
}
