package durable

import (
	"context"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/replay"
)

// Registry maps function names to Go code. Names are case-insensitive, as in
// Durable Functions. A Registry is safe for concurrent use.
type Registry struct {
	mu            sync.RWMutex
	orchestrators map[string]named[OrchestratorFunc]
	activities    map[string]named[ActivityFunc]
	entities      map[string]named[EntityFunc]
}

type named[F any] struct {
	name string
	fn   F
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{
		orchestrators: make(map[string]named[OrchestratorFunc]),
		activities:    make(map[string]named[ActivityFunc]),
		entities:      make(map[string]named[EntityFunc]),
	}
}

// AddOrchestrator registers an orchestrator under name.
func (r *Registry) AddOrchestrator(name string, fn OrchestratorFunc) error {
	return add(r, r.orchestrators, "orchestrator", name, fn)
}

// AddActivity registers an activity under name.
func (r *Registry) AddActivity(name string, fn ActivityFunc) error {
	return add(r, r.activities, "activity", name, fn)
}

// AddEntity registers an entity under name.
func (r *Registry) AddEntity(name string, fn EntityFunc) error {
	return add(r, r.entities, "entity", name, fn)
}

func add[F any](r *Registry, m map[string]named[F], kind, name string, fn F) error {
	if err := validateFunctionName(name); err != nil {
		return fmt.Errorf("%s %q: %w", kind, name, err)
	}
	if any(fn) == nil || isNilFunc(fn) {
		return fmt.Errorf("%s %q: %w: the function is nil", kind, name, ErrInvalidName)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	key := strings.ToLower(name)
	if prev, ok := m[key]; ok {
		return fmt.Errorf("%s %q: %w (as %q)", kind, name, ErrDuplicateFunction, prev.name)
	}
	m[key] = named[F]{name: name, fn: fn}
	return nil
}

func isNilFunc[F any](fn F) bool {
	switch f := any(fn).(type) {
	case OrchestratorFunc:
		return f == nil
	case ActivityFunc:
		return f == nil
	case EntityFunc:
		return f == nil
	}
	return false
}

func validateFunctionName(name string) error {
	if name == "" {
		return fmt.Errorf("%w: the name is empty", ErrInvalidName)
	}
	for _, r := range name {
		if !(r == '_' || r == '-' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return fmt.Errorf("%w: %q may contain only letters, digits, '_', '-' and '.'", ErrInvalidName, name)
		}
	}
	return nil
}

// Orchestrators lists the registered orchestrator names.
func (r *Registry) Orchestrators() []string { return names(r, r.orchestrators) }

// Activities lists the registered activity names.
func (r *Registry) Activities() []string { return names(r, r.activities) }

func names[F any](r *Registry, m map[string]named[F]) []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v.name)
	}
	return out
}

func lookup[F any](r *Registry, m map[string]named[F], name string) (F, bool) {
	r.mu.RLock()
	v, ok := m[strings.ToLower(name)]
	r.mu.RUnlock()
	return v.fn, ok
}

// HasOrchestrator reports whether name is a registered orchestrator.
func (r *Registry) HasOrchestrator(name string) bool {
	_, ok := lookup(r, r.orchestrators, name)
	return ok
}

// Entities lists the registered entity names.
func (r *Registry) Entities() []string { return names(r, r.entities) }

// HasEntity reports whether name is a registered entity.
func (r *Registry) HasEntity(name string) bool {
	_, ok := lookup(r, r.entities, name)
	return ok
}

// HasActivity reports whether name is a registered activity.
func (r *Registry) HasActivity(name string) bool {
	_, ok := lookup(r, r.activities, name)
	return ok
}

// runOrchestration replays one episode of the named orchestrator.
func (r *Registry) runOrchestration(name string, ep replay.Episode, opts replay.Options) *replay.Result {
	fn, missing := r.orchestrator(name)
	if missing != nil {
		return missing
	}
	return replay.Execute(fn, ep, opts)
}

// orchestrator returns the named orchestrator as the replay core runs it,
// or, when none is registered, the failed result of its episode.
func (r *Registry) orchestrator(name string) (replay.Orchestrator, *replay.Result) {
	fn, ok := lookup(r, r.orchestrators, name)
	if !ok {
		return nil, &replay.Result{Done: true, Status: history.StatusFailed, Failure: &history.FailureDetails{
			ErrorType:    "FunctionNotFound",
			ErrorMessage: fmt.Sprintf("The orchestrator function '%s' doesn't exist: register it with AddOrchestrator.", name),
		}}
	}
	return func(c *replay.Context) (any, error) {
		return fn(&OrchestrationContext{c: c})
	}, nil
}

// runActivity runs one activity call, turning errors and panics into
// failure details.
func (r *Registry) runActivity(ctx context.Context, client *Client, name, instanceID, input string) (result string, failure *history.FailureDetails) {
	fn, ok := lookup(r, r.activities, name)
	if !ok {
		return "", &history.FailureDetails{ErrorType: "FunctionNotFound",
			ErrorMessage: fmt.Sprintf("The activity function '%s' doesn't exist: register it with AddActivity.", name)}
	}
	defer func() {
		if p := recover(); p != nil {
			result, failure = "", &history.FailureDetails{ErrorType: "panic",
				ErrorMessage: fmt.Sprintf("activity '%s' panicked: %v", name, p), StackTrace: string(debug.Stack())}
		}
	}()
	actx := NewActivityContext(ctx, name, instanceID, input)
	actx.client = client
	out, err := fn(actx)
	if err != nil {
		return "", &history.FailureDetails{ErrorType: replay.ErrorTypeOf(err), ErrorMessage: err.Error()}
	}
	js, err := encodeResult(out)
	if err != nil {
		return "", &history.FailureDetails{ErrorType: "SerializationError",
			ErrorMessage: fmt.Sprintf("the result of activity '%s' cannot be encoded as JSON: %v", name, err)}
	}
	return js, nil
}
