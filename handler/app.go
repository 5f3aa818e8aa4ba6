package handler

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/godurable/durablefunctions/bindings"
	"github.com/godurable/durablefunctions/durable"
)

// HTTPFunc serves an HTTP-triggered function. Write the response to w as in
// any net/http handler.
type HTTPFunc func(w http.ResponseWriter, r *http.Request, fc *FunctionContext)

// QueueFunc handles a queue-triggered function's message. An error fails the
// invocation, so the host retries the message.
type QueueFunc func(ctx context.Context, msg *bindings.QueueMessage, fc *FunctionContext) error

// EventHubFunc handles an Event Hubs batch (one event for cardinality "one").
type EventHubFunc func(ctx context.Context, batch *bindings.EventHubBatch, fc *FunctionContext) error

// TimerFunc handles a timer-triggered function.
type TimerFunc func(ctx context.Context, timer *bindings.TimerInfo, fc *FunctionContext) error

// App is a function app's Go code: durable functions in a durable.Registry
// and the trigger functions that start or signal them.
type App struct {
	reg        *durable.Registry
	mu         sync.Mutex
	http       map[string]HTTPFunc
	queue      map[string]QueueFunc
	eventHub   map[string]EventHubFunc
	timer      map[string]TimerFunc
	problems   []string
	registered map[string]string // lower-cased name → kind
	names      map[string]string // lower-cased name → name as registered
	providers  []*Provider       // the optional parts passed to Use
}

// NewApp returns an empty app.
func NewApp() *App {
	return &App{
		reg: durable.NewRegistry(), http: map[string]HTTPFunc{}, queue: map[string]QueueFunc{},
		eventHub: map[string]EventHubFunc{}, timer: map[string]TimerFunc{}, registered: map[string]string{}, names: map[string]string{},
	}
}

// Registry returns the app's durable registry.
func (a *App) Registry() *durable.Registry { return a.reg }

func (a *App) note(err error) {
	if err != nil {
		a.mu.Lock()
		a.problems = append(a.problems, err.Error())
		a.mu.Unlock()
	}
}

// Orchestrator registers an orchestrator function.
func (a *App) Orchestrator(name string, fn durable.OrchestratorFunc) {
	a.claim(name, "orchestrator")
	a.note(a.reg.AddOrchestrator(name, fn))
}

// Activity registers an activity function.
func (a *App) Activity(name string, fn durable.ActivityFunc) {
	a.claim(name, "activity")
	a.note(a.reg.AddActivity(name, fn))
}

// Entity registers an entity function.
func (a *App) Entity(name string, fn durable.EntityFunc) {
	a.claim(name, "entity")
	a.note(a.reg.AddEntity(name, fn))
}

// HTTP registers an HTTP-triggered function.
func (a *App) HTTP(name string, fn HTTPFunc) { addFunc(a, a.http, "HTTP", name, fn) }

// Queue registers a queue-triggered function.
func (a *App) Queue(name string, fn QueueFunc) { addFunc(a, a.queue, "queue", name, fn) }

// EventHub registers an Event Hubs-triggered function.
func (a *App) EventHub(name string, fn EventHubFunc) { addFunc(a, a.eventHub, "Event Hub", name, fn) }

// Timer registers a timer-triggered function.
func (a *App) Timer(name string, fn TimerFunc) { addFunc(a, a.timer, "timer", name, fn) }

func addFunc[F any](a *App, m map[string]F, kind, name string, fn F) {
	a.claim(name, kind)
	a.mu.Lock()
	defer a.mu.Unlock()
	m[strings.ToLower(name)] = fn
}

// claim records that name is used, reporting a second use of one name.
func (a *App) claim(name, kind string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	key := strings.ToLower(name)
	if prev, ok := a.registered[key]; ok {
		a.problems = append(a.problems, fmt.Sprintf("%s function %q: the name is already registered as a %s function", kind, name, prev))
		return
	}
	a.registered[key] = kind
	a.names[key] = name
}

// FunctionContext is what a trigger function gets besides its trigger data:
// the durable client (its durableClient binding) and a logger whose records
// also reach the Functions host's logs.
type FunctionContext struct {
	name   string
	client *durable.Client
	status checkStatuser // the management API's, or the host's in extension mode
	logger *slog.Logger
}

// checkStatuser builds check-status responses.
type checkStatuser interface {
	CreateCheckStatusResponse(w http.ResponseWriter, r *http.Request, instanceID string)
	WaitForCompletionOrCreateCheckStatusResponse(w http.ResponseWriter, r *http.Request, instanceID string, timeout, retryInterval time.Duration)
}

// Name returns the function's name.
func (fc *FunctionContext) Name() string { return fc.name }

// Client returns the durable client.
func (fc *FunctionContext) Client() *durable.Client { return fc.client }

// Logger returns the invocation's logger.
func (fc *FunctionContext) Logger() *slog.Logger { return fc.logger }

// CreateCheckStatusResponse replies 202 with the instance's management URLs
// (the Durable Functions check-status payload) and Location/Retry-After
// headers.
func (fc *FunctionContext) CreateCheckStatusResponse(w http.ResponseWriter, r *http.Request, instanceID string) {
	fc.status.CreateCheckStatusResponse(w, r, instanceID)
}

// WaitForCompletionOrCreateCheckStatusResponse waits up to timeout for the
// instance to finish and replies with its output (200), or falls back to the
// check-status response (202).
func (fc *FunctionContext) WaitForCompletionOrCreateCheckStatusResponse(w http.ResponseWriter, r *http.Request, instanceID string, timeout, retryInterval time.Duration) {
	fc.status.WaitForCompletionOrCreateCheckStatusResponse(w, r, instanceID, timeout, retryInterval)
}
