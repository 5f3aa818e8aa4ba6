// Package provider is how a function app links its optional parts: the
// stores host.json may select besides SQLite and memory (Azure Storage,
// Redis) and the trigger kinds that need a client library (Azure Storage
// queues, polled in standalone mode). Each part is one Provider value in
// its public package (azurestore.Provider, redisstore.Provider); the app
// passes it to handler.App.Use, and the handler reaches the part only
// through it. A program that never names the value does not link its
// SDK, and nothing is wired from an init function.
//
// When host.json asks for a part the app did not pass, startup fails with
// the line to add (Hint.Missing), so the opt-in cannot be forgotten
// silently:
//
//	host.json selects the AzureStorage store (...), but this program does
//	not link it: add app.Use(azurestore.Provider) to main.go ...
package provider

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/godurable/durablefunctions/bindings"
	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/funcapp"
)

// Provider is one optional part, built by New in its public package.
type Provider struct{ spec Spec }

// Spec says what a Provider provides.
type Spec struct {
	// Hint names the part and the line that opts in to it.
	Hint Hint
	// Storage is the storageProvider type whose store Open opens ("" when
	// the part opens no store).
	Storage funcapp.StorageType
	Open    OpenStore
	// Queue prepares the poller of a queue-triggered function (nil when the
	// part polls no queues).
	Queue PlanQueue
}

// New returns the Provider of spec.
func New(spec Spec) *Provider { return &Provider{spec: spec} }

// String names the part ("Azure Storage").
func (p *Provider) String() string { return p.spec.Hint.Name }

// SpecOf returns what p provides. It is a function, not a method, so that
// the public alias handler.Provider shows no internal type.
func SpecOf(p *Provider) Spec { return p.spec }

// StoreRequest is what opening a store from host.json needs.
type StoreRequest struct {
	App    *funcapp.App
	Choice funcapp.StorageChoice
	Logger *slog.Logger
}

// OpenStore opens the task hub host.json selects; the runtime options it
// returns are the store's own needs (such as a maximum timer interval).
type OpenStore func(ctx context.Context, r StoreRequest) (*durable.Store, []durable.RuntimeOption, error)

// QueueRequest is one queue-triggered function to poll.
type QueueRequest struct {
	Function string
	// Queue is the queue's name, settings resolved and checked.
	Queue      string
	Connection string
	Setting    func(string) (string, bool)
	Options    funcapp.QueuesConfig
	Logger     *slog.Logger
	// Invoke runs the function for one message; an error fails it.
	Invoke func(ctx context.Context, msg *bindings.QueueMessage) error
}

// PlanQueue prepares a queue's poller. run polls until poll ends and then
// waits for the messages in flight, whose work gets work; how describes
// the trigger for the startup log. run is nil when the queue cannot be
// polled and that is not an error (no connection is configured): how says
// why.
type PlanQueue func(r QueueRequest) (run func(poll, work context.Context), how string, err error)

// Hint names an optional part and how a program opts in to it.
type Hint struct {
	Name   string // "Azure Storage"
	Import string // its package's import path
	Use    string // the line that opts in: app.Use(azurestore.Provider)
}

// The optional parts the handler knows how to ask for.
var (
	AzureStorage = Hint{Name: "Azure Storage", Import: "github.com/godurable/durablefunctions/durable/azurestore", Use: "app.Use(azurestore.Provider)"}
	Redis        = Hint{Name: "Redis", Import: "github.com/godurable/durablefunctions/durable/redisstore", Use: "app.Use(redisstore.Provider)"}
)

// StoreHint names the part that opens stores of type t, or nil when the
// handler opens them itself.
func StoreHint(t funcapp.StorageType) *Hint {
	switch t {
	case funcapp.StorageAzureStorage:
		return &AzureStorage
	case funcapp.StorageRedis:
		return &Redis
	}
	return nil
}

// Missing is the startup error for a part that what needs but the program
// does not link.
func (h Hint) Missing(what string) error {
	return fmt.Errorf("%s, but this program does not link %s: add %s to main.go (import %q) and build again",
		what, h.Name, h.Use, h.Import)
}
