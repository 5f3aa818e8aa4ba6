package webhooks

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/mgmtapi"
)

// DefaultBasePath is where the Functions host serves the management API,
// and the base path of an [API] built without [WithBasePath].
const DefaultBasePath = "/runtime/webhooks/durabletask"

// KeyHeader is the request header that may carry the key [WithKey] sets
// (as may the code query parameter).
const KeyHeader = "x-functions-key"

// API is the Durable Functions HTTP management API over one task hub, an
// http.Handler. The package documentation lists its routes.
type API struct {
	api *mgmtapi.API
}

// Option configures [New].
type Option struct {
	apply mgmtapi.Option
}

// New returns the management API for client's task hub.
func New(client *durable.Client, opts ...Option) *API {
	inner := make([]mgmtapi.Option, 0, len(opts))
	for _, o := range opts {
		if o.apply != nil {
			inner = append(inner, o.apply)
		}
	}
	return &API{api: mgmtapi.New(client, inner...)}
}

// ServeHTTP serves one management API request. The request path may still
// carry the base path (or the prefix a chi router mounted the API at), or
// have had it stripped.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.api.ServeHTTP(w, r) }

// CreateCheckStatusResponse answers r with 202 Accepted and the management
// URLs of instanceID as JSON (id, statusQueryGetUri, sendEventPostUri,
// terminatePostUri, purgeHistoryDeleteUri, restartPostUri, suspendPostUri,
// resumePostUri), with Location set to the status URL and Retry-After: 10.
func (a *API) CreateCheckStatusResponse(w http.ResponseWriter, r *http.Request, instanceID string) {
	a.api.CreateCheckStatusResponse(w, r, instanceID)
}

// WaitForCompletionOrCreateCheckStatusResponse waits up to timeout for
// instanceID to finish. Completed: 200 with the orchestration's output as
// the body. Failed, terminated or canceled: the instance status, as GET
// instances/{id} answers it (500 for a failure when r asks
// returnInternalServerErrorOnFailure=true). Still running when the time is
// up: the check-status response of [API.CreateCheckStatusResponse]. A zero
// timeout or retryInterval takes the default (10 s, 1 s); retryInterval
// longer than timeout is a 400. The runtime notices completions without
// polling, so retryInterval only bounds how long a completion in another
// process can go unnoticed.
func (a *API) WaitForCompletionOrCreateCheckStatusResponse(w http.ResponseWriter, r *http.Request, instanceID string, timeout, retryInterval time.Duration) {
	a.api.WaitForCompletionOrCreateCheckStatusResponse(w, r, instanceID, timeout, retryInterval)
}

// WithBasePath sets the public path the API is mounted at, used both to
// recognise requests that still carry it and to build the URLs the API
// hands out: [DefaultBasePath] when serving standalone,
// "/api/durabletask" behind the Functions host (which reserves the
// runtime path for itself).
func WithBasePath(path string) Option { return Option{mgmtapi.WithBasePath(path)} }

// WithHubName sets the task hub name that generated URLs carry in their
// taskHub parameter (default "TestHubName", the name Durable Functions
// uses when none is configured). When set, requests naming another task
// hub are refused.
func WithHubName(name string) Option { return Option{mgmtapi.WithHubName(name)} }

// WithConnectionName sets the connection setting name that generated URLs
// carry in their connection parameter (default "Storage").
func WithConnectionName(name string) Option { return Option{mgmtapi.WithConnectionName(name)} }

// WithKey requires every request to carry key, in the code query parameter
// or the [KeyHeader] header; others get 401. The empty key turns the check
// off. Generated URLs never carry the key: they carry a credential scoped
// to their one instance, which grants that instance's routes and nothing
// else (docs/security.md).
func WithKey(key string) Option { return Option{mgmtapi.WithKey(key)} }

// WithTrustForwardedHeaders builds generated URLs from X-Forwarded-Proto
// and X-Forwarded-Host. Turn it on only behind a proxy that sets them:
// otherwise any caller could make the API hand out links to another host.
func WithTrustForwardedHeaders(trust bool) Option {
	return Option{mgmtapi.WithTrustForwardedHeaders(trust)}
}

// WithMaxBodyBytes sets the largest request body accepted (default 4 MiB);
// larger ones get 413. n ≤ 0 keeps the default.
func WithMaxBodyBytes(n int64) Option { return Option{mgmtapi.WithMaxBodyBytes(n)} }

// WithLogger sends the API's logs (server errors, recovered panics) to l.
func WithLogger(l *slog.Logger) Option { return Option{mgmtapi.WithLogger(l)} }
