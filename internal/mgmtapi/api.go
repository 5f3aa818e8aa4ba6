package mgmtapi

import (
	"context"
	"crypto/sha256"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/dashboard"
)

// DefaultBasePath is where the Functions host serves the management API,
// and where WithBasePath starts.
const DefaultBasePath = "/runtime/webhooks/durabletask"

// DefaultHubName names the task hub in generated URLs when WithHubName is
// not given (the name Durable Functions uses when none is configured).
const DefaultHubName = "TestHubName"

// DefaultConnectionName is the connection setting name in generated URLs
// when WithConnectionName is not given.
const DefaultConnectionName = "Storage"

// DefaultMaxBodyBytes is the largest request body accepted when
// WithMaxBodyBytes is not given.
const DefaultMaxBodyBytes = 4 << 20

// ContinuationHeader carries the paging token of list requests and
// responses.
const ContinuationHeader = "x-ms-continuation-token"

// KeyHeader is the request header that may carry the key (as may the code
// query parameter).
const KeyHeader = "x-functions-key"

// API is the Durable Functions HTTP management API over one task hub. It is
// an http.Handler serving the routes package webhooks documents.
type API struct {
	client   *durable.Client
	base     string
	hub      string
	hubSet   bool
	conn     string
	key      string
	keyHash  [32]byte
	maxBody  int64
	trustFwd bool // build URLs from X-Forwarded-Host/Proto
	log      *slog.Logger
	mux      *chi.Mux
	basePath []string // base split into segments, for prefix matching
}

// Option configures New.
type Option func(*API)

// WithBasePath sets the public path the API is mounted at, used both to
// recognise requests that still carry it and to build the URLs the API
// hands out: "/runtime/webhooks/durabletask" (the default) when serving
// standalone, "/api/durabletask" behind the Functions host.
func WithBasePath(path string) Option {
	return func(a *API) { a.base = path }
}

// WithHubName sets the task hub name that generated URLs carry in their
// taskHub parameter. When set, requests naming another task hub are
// refused.
func WithHubName(name string) Option {
	return func(a *API) { a.hub, a.hubSet = name, name != "" }
}

// WithConnectionName sets the connection setting name that generated URLs
// carry in their connection parameter (default "Storage").
func WithConnectionName(name string) Option {
	return func(a *API) { a.conn = name }
}

// WithKey requires every request to carry key, in the code query parameter
// or the x-functions-key header; others get 401. Generated URLs carry it.
// The empty key turns the check off.
func WithKey(key string) Option {
	return func(a *API) { a.key = key }
}

// WithTrustForwardedHeaders builds the URLs the API hands out from the
// X-Forwarded-Proto and X-Forwarded-Host headers. Turn it on only behind a
// proxy that sets them (the Functions host does): otherwise any caller
// could make the API hand out links to another host.
func WithTrustForwardedHeaders(trust bool) Option {
	return func(a *API) { a.trustFwd = trust }
}

// WithMaxBodyBytes sets the largest request body accepted (default 4 MiB);
// larger ones get 413. n ≤ 0 keeps the default.
func WithMaxBodyBytes(n int64) Option {
	return func(a *API) { a.maxBody = n }
}

// WithLogger sends the API's logs (server errors, recovered panics) to l.
func WithLogger(l *slog.Logger) Option {
	return func(a *API) { a.log = l }
}

// New returns the management API for client's task hub.
func New(client *durable.Client, opts ...Option) *API {
	a := &API{client: client, base: DefaultBasePath, hub: DefaultHubName, conn: DefaultConnectionName}
	for _, opt := range opts {
		opt(a)
	}
	a.base = "/" + strings.Trim(a.base, "/")
	if a.base == "/" {
		a.base = ""
	}
	a.basePath = splitPath(a.base)
	if a.hub == "" {
		a.hub = DefaultHubName
	}
	if a.conn == "" {
		a.conn = DefaultConnectionName
	}
	if a.maxBody <= 0 {
		a.maxBody = DefaultMaxBodyBytes
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	a.keyHash = sha256.Sum256([]byte(a.key))
	a.mux = a.routes()
	return a
}

// BasePath returns the public path the API is mounted at ("" for the root).
func (a *API) BasePath() string { return a.base }

// HubName returns the task hub name generated URLs carry.
func (a *API) HubName() string { return a.hub }

func (a *API) routes() *chi.Mux {
	m := chi.NewMux()
	m.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "No management API route matches "+r.Method+" "+routePath(r)+".", "")
	})
	m.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		var allowed []string
		for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
			if m.Match(chi.NewRouteContext(), method, routePath(r)) {
				allowed = append(allowed, method)
			}
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeError(w, http.StatusMethodNotAllowed, "The method "+r.Method+" is not allowed for "+routePath(r)+".", "")
	})

	m.Post("/orchestrators/{functionName}", a.startOrchestration)
	m.Post("/orchestrators/{functionName}/{instanceId}", a.startOrchestration)

	m.Get("/instances", a.listInstances)
	m.Delete("/instances", a.purgeInstances)
	m.Get("/instances/{instanceId}", a.getStatus)
	m.Delete("/instances/{instanceId}", a.purgeInstance)
	m.Post("/instances/{instanceId}/{operation}", a.instanceOperation)
	m.Post("/instances/{instanceId}/{operation}/{eventName}", a.raiseEvent)

	m.Get("/entities", a.listEntities)
	m.Get("/entities/{entityName}", a.listEntities)
	m.Post("/entities/{entityName}", a.signalEntityWithoutKey)
	m.Delete("/entities/{entityName}", a.signalEntityWithoutKey)
	m.Get("/entities/{entityName}/{entityKey}", a.getEntity)
	m.Post("/entities/{entityName}/{entityKey}", a.signalEntity)
	m.Delete("/entities/{entityName}/{entityKey}", a.signalEntity)

	m.HandleFunc("/makeprimary", func(w http.ResponseWriter, r *http.Request) {
		// There is no app lease to take over: every process serving the
		// hub is already primary.
		w.WriteHeader(http.StatusOK)
	})

	// The dashboard page, under the same key check as the routes above.
	m.Mount("/ui", dashboard.New())
	return m
}

// ServeHTTP serves one management API request. The request path may still
// carry the base path (or the prefix a chi router mounted the API at), or
// have had it stripped.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			a.log.Error("durable management API: panic while serving a request", "method", r.Method, "path", r.URL.Path, "panic", p)
			writeError(w, http.StatusInternalServerError, "Something went wrong while processing your request", "internal error")
		}
	}()
	if !a.authorized(r) {
		writeError(w, http.StatusUnauthorized, "Unauthorized: a valid key is required in the 'code' query parameter or the x-functions-key header.", "")
		return
	}
	if a.hubSet {
		if hub := queryParam(r, "taskHub"); hub != "" && !strings.EqualFold(hub, a.hub) {
			writeError(w, http.StatusBadRequest, "This endpoint serves task hub '"+a.hub+"', not '"+hub+"'.", "")
			return
		}
	}
	if r.ContentLength > a.maxBody {
		writeError(w, http.StatusRequestEntityTooLarge, tooLargeMessage(a.maxBody), "")
		return
	}
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, a.maxBody)
	}
	rctx := chi.NewRouteContext()
	rctx.Routes = a.mux
	rctx.RoutePath = a.suffix(r)
	r = r.WithContext(context.WithValue(r.Context(), chi.RouteCtxKey, rctx))
	a.mux.ServeHTTP(w, r)
}

// authorized reports whether r carries the key, or a credential scoped to
// the instance it addresses (or no key is required).
func (a *API) authorized(r *http.Request) bool {
	if a.key == "" {
		return true
	}
	c := credential(r)
	if c == "" {
		return false
	}
	return a.fullKey(c) || a.scopeAllows(r, c)
}

// suffix returns the escaped request path relative to the API's base, with
// a leading and no trailing '/'.
func (a *API) suffix(r *http.Request) string {
	segs := splitPath(r.URL.EscapedPath())
	switch {
	case hasPrefixFold(segs, a.basePath):
		segs = segs[len(a.basePath):]
	default:
		// Mounted by a chi router under another prefix: what it left to
		// route is what the API routes.
		// Routed by a chi pattern ending in /*: the wildcard is the rest.
		if outer, _ := r.Context().Value(chi.RouteCtxKey).(*chi.Context); outer != nil {
			rest := outer.RoutePath
			if rest == "" {
				rest = outer.URLParam("*")
			}
			if rest != "" {
				if n := len(splitPath(rest)); n <= len(segs) {
					segs = segs[len(segs)-n:]
				}
			}
		}
	}
	return "/" + strings.Join(segs, "/")
}

// splitPath splits p into its segments, ignoring leading and trailing
// slashes (so "instances/" is "instances", as in Durable Functions).
func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

func hasPrefixFold(segs, prefix []string) bool {
	if len(prefix) == 0 || len(segs) < len(prefix) {
		return false
	}
	for i, p := range prefix {
		if !strings.EqualFold(segs[i], p) {
			return false
		}
	}
	return true
}

func routePath(r *http.Request) string {
	if rctx := chi.RouteContext(r.Context()); rctx != nil && rctx.RoutePath != "" {
		return rctx.RoutePath
	}
	return r.URL.Path
}

// pathParam returns the unescaped route parameter name.
func pathParam(r *http.Request, name string) (string, error) {
	raw := chi.URLParam(r, name)
	v, err := url.PathUnescape(raw)
	if err != nil {
		return "", err
	}
	return v, nil
}

// chiRaw returns the route parameter name as it appears in the path.
func chiRaw(r *http.Request, name string) string { return chi.URLParam(r, name) }

// chiHasParam reports whether the matched route has the parameter name.
func chiHasParam(r *http.Request, name string) bool {
	rctx := chi.RouteContext(r.Context())
	if rctx == nil {
		return false
	}
	for _, k := range rctx.URLParams.Keys {
		if k == name {
			return true
		}
	}
	return false
}
