package handler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/extension"
	"github.com/godurable/durablefunctions/internal/funcapp"
	"github.com/godurable/durablefunctions/internal/replay"
	"github.com/godurable/durablefunctions/internal/store/sidecar"
)

// In extension mode (docs/extension-mode.md) the Functions host's Durable
// extension owns the task hub: the binary opens no store and runs no
// engine. Orchestrator, activity and entity invocations go to the
// extension's executor, and durableClient bindings give clients that speak
// the extension's gRPC API.

// startExtension starts serving in extension mode.
func startExtension(ctx context.Context, app *App, fa *funcapp.App, get func(string) string, opts *Options, log *slog.Logger) (*Server, error) {
	tel, err := startExtensionTelemetry(ctx, fa, get, log)
	if err != nil {
		return nil, err
	}
	s := &Server{app: app, fa: fa, opts: opts, log: log, tel: tel}
	s.clients = &sidecar.Clients{Registry: app.reg}
	s.ext = extension.NewExecutor(app.reg, extension.Options{
		Logger:         log,
		Replay:         replay.Options{MaxActions: fa.Host.DurableTask.MaxOrchestrationActions, DefaultVersion: fa.Host.DurableTask.Versioning.DefaultVersion},
		ActivityClient: s.activityClient,
		History:        s.clients, // for requests that ask the worker to stream the history
	})
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		_ = tel.shutdown(ctx)
		return nil, fmt.Errorf("listen on %s: %w", opts.Addr, err)
	}
	s.ln = ln
	s.http = newHTTPServer(s.router(), opts)
	go func() {
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server stopped", "error", err)
		}
	}()
	log.Info("durable functions app started", "mode", "extension", "address", "http://"+ln.Addr().String(),
		"functions", len(fa.Functions), "hub", "owned by the host's Durable extension")
	return s, nil
}

// durableKind maps a durable trigger to the executor's kind (0: none).
func durableKind(k funcapp.Kind) extension.Kind {
	switch k {
	case funcapp.KindOrchestration:
		return extension.Orchestration
	case funcapp.KindActivity:
		return extension.Activity
	case funcapp.KindEntity:
		return extension.Entity
	}
	return 0
}

// extensionContext fills fc's client from the invocation's durableClient
// binding, if the function has one.
func (s *Server) extensionContext(f *funcapp.Function, req *funcapp.InvocationRequest, fc *FunctionContext) error {
	b := f.DurableClient()
	if b == nil {
		return nil
	}
	raw, ok := req.Value(b.Name)
	c, cb, err := s.bindingClient(b.Name, raw, ok)
	if err != nil {
		return err
	}
	fc.client, fc.status = c, extensionStatus{binding: cb, client: c}
	return nil
}

// bindingClient returns the client for the value of the durableClient
// binding named name.
func (s *Server) bindingClient(name string, raw json.RawMessage, ok bool) (*durable.Client, *extension.ClientBinding, error) {
	if !ok {
		return nil, nil, fmt.Errorf("the invocation carries no value for the durableClient binding %q", name)
	}
	cb, err := extension.ParseClientBinding(raw)
	if err != nil {
		return nil, nil, err
	}
	c, err := s.clients.Client(cb)
	return c, cb, err
}

// activityClient gives an activity invocation the client of its
// function's durableClient binding, when function.json declares one: the
// extension passes that binding to activities as to any function.
func (s *Server) activityClient(function string, inv *extension.Invocation) (*durable.Client, error) {
	f := s.fa.Function(function)
	if f == nil {
		return nil, nil
	}
	b := f.DurableClient()
	if b == nil {
		return nil, nil
	}
	raw, ok := inv.Value(b.Name)
	c, _, err := s.bindingClient(b.Name, raw, ok)
	return c, err
}

// extensionStatus answers check-status requests with the host's own
// management URLs, as the extension's clients do.
type extensionStatus struct {
	binding *extension.ClientBinding
	client  *durable.Client
}

func (e extensionStatus) CreateCheckStatusResponse(w http.ResponseWriter, _ *http.Request, instanceID string) {
	p := e.binding.CheckStatus(instanceID)
	p.RewindPostURI = "" // createCheckStatusResponse carries no rewind URL
	w.Header().Set("Location", p.StatusQueryGetURI)
	w.Header().Set("Retry-After", "10")
	writeJSON(w, http.StatusAccepted, p)
}

func (e extensionStatus) WaitForCompletionOrCreateCheckStatusResponse(w http.ResponseWriter, r *http.Request, instanceID string, timeout, _ time.Duration) {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	st, err := e.client.WaitForCompletion(ctx, instanceID)
	switch {
	case err != nil && ctx.Err() != nil && r.Context().Err() == nil:
		e.CreateCheckStatusResponse(w, r, instanceID)
	case err != nil:
		writeError(w, http.StatusInternalServerError, err.Error())
	case st.RuntimeStatus == durable.StatusCompleted:
		out := st.Output
		if len(out) == 0 {
			out = json.RawMessage("null")
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(out)
	default:
		writeJSON(w, http.StatusOK, st)
	}
}
