package durable_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
)

func TestIdsThatURLClientsWouldCollapseAreRejected(t *testing.T) {
	for _, id := range []string{".", ".."} {
		if err := durable.ValidateInstanceID(id); !errors.Is(err, durable.ErrInvalidInstanceID) {
			t.Errorf("ValidateInstanceID(%q) = %v, want ErrInvalidInstanceID", id, err)
		}
	}
	if err := durable.ValidateInstanceID("..."); err != nil {
		t.Errorf("three dots are an ordinary id: %v", err)
	}
}

func TestEntityKeysHaveTheInstanceIDLengthLimit(t *testing.T) {
	ok := durable.NewEntityID("Counter", strings.Repeat("k", durable.MaxInstanceIDLength))
	if err := ok.Validate(); err != nil {
		t.Errorf("a %d-character key: %v", durable.MaxInstanceIDLength, err)
	}
	long := durable.NewEntityID("Counter", strings.Repeat("k", durable.MaxInstanceIDLength+1))
	if err := long.Validate(); !errors.Is(err, durable.ErrInvalidEntityID) {
		t.Errorf("a %d-character key: %v, want ErrInvalidEntityID", durable.MaxInstanceIDLength+1, err)
	}
}

// waiter waits for an event forever: an instance that stays Running.
func waiter(ctx *durable.OrchestrationContext) (any, error) {
	return nil, ctx.WaitForExternalEvent("go").Await(nil)
}

func startedRuntime(t *testing.T) *durable.Runtime {
	t.Helper()
	reg := durable.NewRegistry()
	if err := reg.AddOrchestrator("Waiter", waiter); err != nil {
		t.Fatal(err)
	}
	if err := reg.AddEntity("Counter", func(*durable.EntityContext) error { return nil }); err != nil {
		t.Fatal(err)
	}
	rt := durable.NewRuntime(reg, durable.NewMemoryStore())
	rt.Start()
	t.Cleanup(func() { _ = rt.Close(context.Background()) })
	return rt
}

func TestInputsThatAreNotUTF8JSONAreRejectedBeforeTheyAreStored(t *testing.T) {
	rt := startedRuntime(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := rt.Client()
	bad := []struct {
		name string
		raw  json.RawMessage
	}{
		{"invalid UTF-8 in a string", json.RawMessage("\"caf\xe9\"")},
		{"not JSON at all", json.RawMessage("{nope")},
	}
	id, err := c.StartNew(ctx, "Waiter", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			if _, err := c.StartNew(ctx, "Waiter", b.raw); !errors.Is(err, durable.ErrInvalidInput) {
				t.Errorf("StartNew: %v, want ErrInvalidInput", err)
			}
			if err := c.RaiseEvent(ctx, id, "go", b.raw); !errors.Is(err, durable.ErrInvalidInput) {
				t.Errorf("RaiseEvent: %v, want ErrInvalidInput", err)
			}
			if err := c.SignalEntity(ctx, durable.NewEntityID("Counter", "c"), "add", b.raw); !errors.Is(err, durable.ErrInvalidInput) {
				t.Errorf("SignalEntity: %v, want ErrInvalidInput", err)
			}
		})
	}
	st, err := c.GetStatus(ctx, id)
	if err != nil || (st.RuntimeStatus != durable.StatusRunning && st.RuntimeStatus != durable.StatusPending) {
		t.Fatalf("the waiting instance: %v %v", st, err)
	}
}

func TestPurgingARunningInstanceIsRefusedUntilItIsTerminated(t *testing.T) {
	rt := startedRuntime(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := rt.Client()
	id, err := c.StartNew(ctx, "Waiter", nil)
	if err != nil {
		t.Fatal(err)
	}
	var state *durable.InvalidStateError
	if err := c.Purge(ctx, id); !errors.As(err, &state) || state.Operation != "purge" {
		t.Fatalf("purging a running instance: %v, want an InvalidStateError", err)
	}
	if _, err := c.GetStatus(ctx, id); err != nil {
		t.Fatalf("the refused purge removed the instance: %v", err)
	}
	if err := c.Terminate(ctx, id, "done"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitForCompletion(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := c.Purge(ctx, id); err != nil {
		t.Fatalf("purging the terminated instance: %v", err)
	}
	if _, err := c.GetStatus(ctx, id); !errors.Is(err, durable.ErrInstanceNotFound) {
		t.Errorf("after the purge: %v, want ErrInstanceNotFound", err)
	}
}
