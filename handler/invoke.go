package handler

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/go-chi/chi/v5"

	"github.com/godurable/durablefunctions/internal/funcapp"
)

// maxInvocationBytes bounds an invocation body.
const maxInvocationBytes = 100 << 20

// invoke serves POST /{FunctionName}: one invocation from the host.
func (s *Server) invoke(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "function")
	f := s.fa.Function(name)
	if f == nil || f.Disabled {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no enabled function named %q", name))
		return
	}
	if k := durableKind(f.Kind()); s.ext != nil && k != 0 {
		s.ext.ServeInvocation(w, r, f.Name, k)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxInvocationBytes))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "invocation body: "+err.Error())
		return
	}
	req, err := funcapp.DecodeInvocationRequest(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invocation body: "+err.Error())
		return
	}
	logs := &logCollector{}
	fc := &FunctionContext{name: f.Name, logger: slog.New(&teeHandler{inner: s.log.Handler(), logs: logs}).With("function", f.Name)}
	if s.ext != nil {
		if err := s.extensionContext(f, req, fc); err != nil {
			writeError(w, http.StatusInternalServerError, fmt.Sprintf("function %q: %v", f.Name, err))
			return
		}
	} else {
		fc.client, fc.status = s.runtime.Client(), s.api
	}
	resp, status := s.dispatch(r.Context(), f, req, fc)
	resp.Logs = logs.lines()
	writeJSON(w, status, resp)
}

// dispatch runs the function for one decoded invocation and returns the
// host's reply; a non-2xx status makes the host fail (and retry) it.
func (s *Server) dispatch(ctx context.Context, f *funcapp.Function, req *funcapp.InvocationRequest, fc *FunctionContext) (*funcapp.InvocationResponse, int) {
	resp := &funcapp.InvocationResponse{Outputs: map[string]any{}}
	fail := func(err error) (*funcapp.InvocationResponse, int) {
		fc.logger.Error("function failed", "error", err)
		resp.ReturnValue = map[string]string{"error": err.Error()}
		return resp, http.StatusInternalServerError
	}
	key := strings.ToLower(f.Name)
	switch f.Kind() {
	case funcapp.KindHTTP:
		raw, ok := req.Value(f.Trigger.Name)
		if !ok {
			return fail(fmt.Errorf("the invocation has no %q HTTP request", f.Trigger.Name))
		}
		hr, err := funcapp.DecodeHTTPRequest(raw)
		if err != nil {
			return fail(err)
		}
		stdReq, err := hr.StdRequest(ctx)
		if err != nil {
			return fail(err)
		}
		rec := newRecorder()
		s.callHTTP(f, rec, stdReq, fc)
		out := funcapp.NewHTTPResponse(rec.status(), rec.header, rec.body.Bytes())
		if b := f.HTTPOutput(); b != nil && b.Name != "$return" {
			resp.Outputs[b.Name] = out
		} else {
			resp.ReturnValue = out
		}
	case funcapp.KindQueue:
		msg, err := funcapp.DecodeQueueMessage(req, f.Trigger.Name)
		if err != nil {
			return fail(err)
		}
		if err := s.app.queue[key](ctx, msg, fc); err != nil {
			return fail(err)
		}
	case funcapp.KindEventHub:
		batch, err := funcapp.DecodeEventHub(req, f.Trigger)
		if err != nil {
			return fail(err)
		}
		if err := s.app.eventHub[key](ctx, batch, fc); err != nil {
			return fail(err)
		}
	case funcapp.KindTimer:
		if s.app.isWakeTimer(f) {
			return resp, http.StatusOK // the engine runs in this process; waking it was the point
		}
		raw, _ := req.Value(f.Trigger.Name)
		info, err := funcapp.DecodeTimer(raw)
		if err != nil {
			return fail(err)
		}
		if err := s.app.timer[key](ctx, info, fc); err != nil {
			return fail(err)
		}
	default:
		return fail(fmt.Errorf("function %q has a %s trigger: durable functions are run by this handler's own engine, not invoked by the host (see docs/azure.md)", f.Name, f.Trigger.Type))
	}
	return resp, http.StatusOK
}

// invokeByHand serves POST /admin/functions/{name} in standalone mode, as
// `func start` does for non-HTTP functions: the body is {"input": "..."}.
func (s *Server) invokeByHand(w http.ResponseWriter, r *http.Request) {
	input, ok := byHandInput(w, r) // see byhand.go
	if !ok {
		return
	}
	name := chi.URLParam(r, "function")
	f := s.fa.Function(name)
	if f == nil || f.Disabled {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no enabled function named %q", name))
		return
	}
	req, err := handInvocation(f, input)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	resp, status := s.dispatch(r.Context(), f, req, s.standaloneContext(f))
	if status != http.StatusOK {
		writeJSON(w, status, resp.ReturnValue)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// handInvocation builds the invocation the host would send for input.
func handInvocation(f *funcapp.Function, input string) (*funcapp.InvocationRequest, error) {
	enc := func(v any) json.RawMessage { b, _ := json.Marshal(v); return b }
	req := &funcapp.InvocationRequest{Data: map[string]json.RawMessage{}, Metadata: map[string]json.RawMessage{}}
	switch f.Kind() {
	case funcapp.KindQueue:
		req.Data[f.Trigger.Name] = enc(input)
		req.Metadata["DequeueCount"] = enc("1")
	case funcapp.KindEventHub:
		if strings.EqualFold(f.Trigger.Cardinality(), "many") {
			var events []json.RawMessage
			if err := json.Unmarshal([]byte(input), &events); err != nil {
				events = []json.RawMessage{json.RawMessage(input)}
			}
			var texts []string
			for _, e := range events {
				texts = append(texts, string(e))
			}
			req.Data[f.Trigger.Name] = enc(string(enc(texts)))
		} else {
			req.Data[f.Trigger.Name] = enc(input)
		}
	case funcapp.KindTimer:
		req.Data[f.Trigger.Name] = json.RawMessage(`{"Schedule":{"AdjustForDST":true},"ScheduleStatus":null,"IsPastDue":false}`)
	default:
		return nil, fmt.Errorf("function %q has a %s trigger: only queue, Event Hub and timer functions can be invoked here", f.Name, f.Trigger.Type)
	}
	return req, nil
}

// recorder buffers an HTTP function's response for the output binding.
type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func newRecorder() *recorder                    { return &recorder{header: http.Header{}} }
func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { r.WriteHeader(http.StatusOK); return r.body.Write(b) }
func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}
func (r *recorder) status() int {
	if r.code == 0 {
		return http.StatusOK
	}
	return r.code
}

// logCollector gathers an invocation's log lines for the host's Logs.
type logCollector struct {
	mu  sync.Mutex
	buf []string
}

func (l *logCollector) add(s string) { l.mu.Lock(); l.buf = append(l.buf, s); l.mu.Unlock() }
func (l *logCollector) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string{}, l.buf...)
}

// teeHandler sends records to the process log and to the invocation's Logs.
type teeHandler struct {
	inner slog.Handler
	logs  *logCollector
	attrs []slog.Attr
}

func (h *teeHandler) Enabled(ctx context.Context, l slog.Level) bool { return true }
func (h *teeHandler) Handle(ctx context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		if a.Key != "function" {
			fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		}
		return true
	})
	h.logs.add(b.String())
	if h.inner.Enabled(ctx, r.Level) {
		rc := r.Clone()
		rc.AddAttrs(h.attrs...)
		return h.inner.Handle(ctx, rc)
	}
	return nil
}
func (h *teeHandler) WithAttrs(a []slog.Attr) slog.Handler {
	return &teeHandler{inner: h.inner, logs: h.logs, attrs: append(append([]slog.Attr{}, h.attrs...), a...)}
}
func (h *teeHandler) WithGroup(string) slog.Handler { return h }
