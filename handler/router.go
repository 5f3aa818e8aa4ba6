package handler

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/godurable/durablefunctions/internal/funcapp"
	"github.com/godurable/durablefunctions/internal/mgmtapi"
)

// router serves the custom-handler protocol behind the host, or the app
// itself standalone.
func (s *Server) router() http.Handler {
	r := chi.NewRouter()
	r.Use(middleware.Recoverer)
	if s.opts.Mode == BehindHost {
		// The host probes GET / until the handler answers.
		r.Get("/", func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
		})
		r.Post("/{function}", s.invoke)
		// enableForwardingHttpRequest: HTTP functions arrive at their own path.
		r.NotFound(s.serveHTTPFunction)
		r.MethodNotAllowed(s.serveHTTPFunction)
		return r
	}
	r.Get("/", s.describe)
	r.Mount("/runtime/webhooks/durabletask", s.api)
	r.With(s.requireKey).HandleFunc("/admin/functions/{function}", s.invokeByHand) // POST; other methods get 405
	r.NotFound(s.serveHTTPFunction)
	r.MethodNotAllowed(s.serveHTTPFunction)
	return r
}

// requireKey refuses requests without the configured key (in the code
// query parameter or the x-functions-key header), as the management API
// does: invoking functions by hand must not be open to anyone who can
// reach a non-loopback address.
func (s *Server) requireKey(next http.Handler) http.Handler {
	want := sha256.Sum256([]byte(s.key))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.key != "" {
			got := r.Header.Get(mgmtapi.KeyHeader)
			if got == "" {
				got = r.URL.Query().Get("code")
			}
			h := sha256.Sum256([]byte(got))
			if got == "" || subtle.ConstantTimeCompare(h[:], want[:]) != 1 {
				writeError(w, http.StatusUnauthorized, "Unauthorized: a valid key is required in the 'code' query parameter or the x-functions-key header.")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// serveHTTPFunction routes a request to the HTTP function whose route
// matches, as the host's router does.
func (s *Server) serveHTTPFunction(w http.ResponseWriter, r *http.Request) {
	f, params, ok := s.fa.MatchHTTP(r.Method, r.URL.Path)
	if !ok {
		if allowed := s.allowedMethods(r.URL.Path); len(allowed) > 0 {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			writeError(w, http.StatusMethodNotAllowed, "the function at "+r.URL.Path+" does not accept "+r.Method+"; it accepts "+strings.Join(allowed, ", "))
			return
		}
		writeError(w, http.StatusNotFound, "no function serves "+r.Method+" "+r.URL.Path)
		return
	}
	for k, v := range params {
		r.SetPathValue(k, v)
	}
	s.callHTTP(f, w, r, s.standaloneContext(f))
}

func (s *Server) callHTTP(f *funcapp.Function, w http.ResponseWriter, r *http.Request, fc *FunctionContext) {
	if s.app.isManagementAPI(s.fa, f) {
		s.fnAPI.ServeHTTP(w, r)
		return
	}
	s.app.http[strings.ToLower(f.Name)](w, r, fc)
}

func (s *Server) standaloneContext(f *funcapp.Function) *FunctionContext {
	return &FunctionContext{name: f.Name, client: s.runtime.Client(), status: s.api, logger: s.log.With("function", f.Name)}
}

// describe lists the app's functions, a convenience for people who open the
// root URL.
func (s *Server) describe(w http.ResponseWriter, _ *http.Request) {
	type fn struct {
		Name    string `json:"name"`
		Trigger string `json:"trigger"`
		URL     string `json:"url,omitempty"`
	}
	var out []fn
	for _, f := range s.fa.Functions {
		e := fn{Name: f.Name, Trigger: f.Kind().String()}
		if f.Kind() == funcapp.KindHTTP {
			e.URL = "/" + s.fa.HTTPRoute(f)
		}
		out = append(out, e)
	}
	writeJSON(w, http.StatusOK, map[string]any{"functions": out, "managementApi": "/runtime/webhooks/durabletask"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"Message": msg})
}

// allowedMethods lists the methods some HTTP function accepts at path.
func (s *Server) allowedMethods(path string) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions} {
		if _, _, ok := s.fa.MatchHTTP(m, path); ok {
			out = append(out, m)
		}
	}
	return out
}
