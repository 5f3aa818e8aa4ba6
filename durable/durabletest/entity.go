package durabletest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/godurable/durablefunctions/durable"
)

// callEntityOrchestrator is the helper orchestration behind CallEntity.
const callEntityOrchestrator = "durabletest.CallEntity"

type callEntityInput struct {
	Name      string          `json:"name"`
	Key       string          `json:"key"`
	Operation string          `json:"op"`
	Input     json.RawMessage `json:"input,omitempty"`
}

func callEntity(ctx *durable.OrchestrationContext) (any, error) {
	var in callEntityInput
	if err := ctx.GetInput(&in); err != nil {
		return nil, err
	}
	var input any
	if len(in.Input) > 0 {
		input = in.Input
	}
	var out json.RawMessage
	if err := ctx.CallEntity(durable.NewEntityID(in.Name, in.Key), in.Operation, input).Await(&out); err != nil {
		return nil, err
	}
	return out, nil
}

// SignalEntity sends a one-way operation to an entity now; Settle (or any
// Wait) runs it.
func (e *Env) SignalEntity(id durable.EntityID, operation string, input any) {
	e.t.Helper()
	e.ensureStarted()
	if err := e.client.SignalEntity(context.Background(), id, operation, input); err != nil {
		e.t.Fatalf("durabletest: %v", err)
	}
}

// SignalEntityAfter sends a one-way operation that the entity receives d of
// virtual time from now.
func (e *Env) SignalEntityAfter(d time.Duration, id durable.EntityID, operation string, input any) {
	e.t.Helper()
	e.ensureStarted()
	at := e.clock.Now().Add(d)
	if err := e.client.SignalEntity(context.Background(), id, operation, input, durable.WithScheduledTime(at)); err != nil {
		e.t.Fatalf("durabletest: %v", err)
	}
}

// CallEntity calls an operation on an entity, as an orchestration would,
// waits for its result and decodes it into out (a pointer, or nil). A
// failed operation returns a *durable.TaskFailedError-like error with the
// entity's message. The call waits for the entity's lock like any other.
func (e *Env) CallEntity(id durable.EntityID, operation string, input any, out any) error {
	e.t.Helper()
	in := callEntityInput{Name: id.Name, Key: id.Key, Operation: operation}
	if input != nil {
		b, err := json.Marshal(input)
		if err != nil {
			e.t.Fatalf("durabletest: CallEntity input: %v", err)
		}
		in.Input = b
	}
	r := e.startHelper(in)
	st := r.Wait().Status()
	if st.RuntimeStatus != durable.StatusCompleted {
		msg := "the call did not complete"
		if st.Failure != nil {
			msg = st.Failure.ErrorMessage
			if st.Failure.InnerFailure != nil {
				msg = st.Failure.InnerFailure.ErrorMessage
			}
		}
		return fmt.Errorf("entity %s operation %q failed: %s", id, operation, msg)
	}
	if out == nil || len(st.Output) == 0 {
		return nil
	}
	return json.Unmarshal(st.Output, out)
}

func (e *Env) startHelper(in callEntityInput) *Run {
	e.t.Helper()
	e.ensureStarted()
	e.mu.Lock()
	e.runSeq++
	id := fmt.Sprintf("durabletest-call-%d", e.runSeq)
	e.mu.Unlock()
	if _, err := e.client.StartNew(context.Background(), callEntityOrchestrator, in, durable.WithInstanceID(id)); err != nil {
		e.t.Fatalf("durabletest: CallEntity: %v", err)
	}
	return &Run{env: e, ID: id, Name: callEntityOrchestrator, started: e.clock.Now()}
}

// EntityState settles the engine, then decodes the entity's state into v.
// It reports false when the entity has no state.
func (e *Env) EntityState(id durable.EntityID, v any) bool {
	e.t.Helper()
	md := e.EntityMetadata(id)
	if md == nil || md.State == nil {
		return false
	}
	if v != nil {
		if err := json.Unmarshal(md.State, v); err != nil {
			e.t.Fatalf("durabletest: state of %s: %v (state %s)", id, err, md.State)
		}
	}
	return true
}

// EntityMetadata settles the engine and returns what a client sees of the
// entity (its state, the orchestration holding its lock, its backlog), or
// nil when it has never received anything. State is nil when the entity
// has none (yet, or after a delete).
func (e *Env) EntityMetadata(id durable.EntityID) *durable.EntityMetadata {
	e.t.Helper()
	e.Settle()
	md, err := e.client.ReadEntityState(context.Background(), id)
	if errors.Is(err, durable.ErrEntityNotFound) {
		page, err := e.client.ListEntities(context.Background(), durable.EntityQuery{Name: id.Name, KeyPrefix: id.Key, IncludeDeleted: true, PageSize: 1000})
		if err != nil {
			e.t.Fatalf("durabletest: %v", err)
		}
		for _, m := range page.Entities {
			if m.ID.Key == id.Key {
				return m
			}
		}
		return nil
	}
	if err != nil {
		e.t.Fatalf("durabletest: %v", err)
	}
	return md
}

func lower(s string) string { return strings.ToLower(s) }
