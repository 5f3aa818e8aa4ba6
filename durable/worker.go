package durable

import (
	"log/slog"

	"github.com/godurable/durablefunctions/internal/engine"
	"github.com/godurable/durablefunctions/internal/store"
)

// Worker runs an app's registered functions for a task hub that another
// process owns: in extension mode the Functions host's Durable extension
// keeps the history and invokes the app once per episode, activity and
// entity batch. Package handler creates one; it has no methods of its own.
type Worker = engine.Handle

// NewWorker returns a worker for reg whose activities get client as their
// [ActivityContext.Client] (nil for none). A nil log discards the
// functions' runtime logs.
func NewWorker(reg *Registry, client *Client, log *slog.Logger) *Worker {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return engine.NewHandle(executor{r: reg, log: log, clock: store.SystemClock{}, client: client})
}

// NewClient returns a client of the task hub in st without a runtime: to
// manage a hub that other processes run. With a non-nil reg, StartNew
// refuses orchestrator names reg does not know.
func NewClient(st *Store, reg *Registry) *Client {
	return &Client{be: store.Unwrap(st), reg: reg, clock: store.SystemClock{}}
}
