package telemetry_test

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/godurable/durablefunctions/durable"
)

// An entity that starts an orchestration, and an orchestration that calls
// it and then waits for an event a client raises.
var (
	launcher = durable.NewEntity("Launcher", func(ctx *durable.EntityContext) error {
		var target string
		if err := ctx.GetInput(&target); err != nil {
			return err
		}
		id, err := ctx.StartNewOrchestration("Child", "Rome", durable.WithInstanceID(target))
		if err != nil {
			return err
		}
		return ctx.Return(id)
	})
	launch   = durable.NewEntityOperation[string, string]("Launcher", "launch")
	approval = durable.NewOrchestrator("Approval", func(ctx *durable.OrchestrationContext, target string) (bool, error) {
		if _, err := launch.Call(ctx, "k", target).Await(); err != nil {
			return false, err
		}
		var ok bool
		err := ctx.WaitForExternalEvent("Approved").Await(&ok)
		return ok, err
	})
)

// A client's RaiseEvent records orchestration_event:{name} under the
// caller's span, once; an orchestration an entity starts sits under a
// create_orchestration span that is the child of the entity operation
// that started it, so the whole chain is one trace.
func TestRaisedEventsAndEntityStartsJoinTheTrace(t *testing.T) {
	tp, exp := newTracing()
	rt := newRuntime(t, durable.NewMemoryStore(), durable.WithTelemetry(durable.Telemetry{TracerProvider: tp}))
	c := rt.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	sctx, root := tp.Tracer("test").Start(ctx, "POST /api/orchestrators/Approval", trace.WithSpanKind(trace.SpanKindServer))
	id, err := approval.Start(sctx, c, "launched-1")
	root.End()
	if err != nil {
		t.Fatal(err)
	}
	if st, err := c.WaitForCompletion(ctx, "launched-1"); err != nil || st.RuntimeStatus != durable.StatusCompleted {
		t.Fatalf("the launched Child: %v %v", st, err)
	}
	rctx, raise := tp.Tracer("test").Start(ctx, "POST /raiseEvent/Approved", trace.WithSpanKind(trace.SpanKindServer))
	err = c.RaiseEvent(rctx, id, "Approved", true)
	raise.End()
	if err != nil {
		t.Fatal(err)
	}
	if st, err := c.WaitForCompletion(ctx, id); err != nil || st.RuntimeStatus != durable.StatusCompleted {
		t.Fatalf("Approval: %v %v", st, err)
	}
	spans := stopAndRead(rt, exp)

	var started, raised []span
	for _, s := range spans {
		if s.Trace == spans[0].Trace {
			started = append(started, s)
		} else {
			raised = append(raised, s)
		}
	}
	checkTrace(t, started, []struct{ name, parent string }{
		{"POST /api/orchestrators/Approval", ""},
		{"create_orchestration:Approval", "POST /api/orchestrators/Approval"},
		{"orchestration:Approval", "create_orchestration:Approval"},
		{"entity:launcher:launch", "orchestration:Approval"},
		{"create_orchestration:Child", "entity:launcher:launch"},
		{"orchestration:Child", "create_orchestration:Child"},
		{"activity:Hello", "orchestration:Child"},
	})
	checkTrace(t, raised, []struct{ name, parent string }{
		{"POST /raiseEvent/Approved", ""},
		{"orchestration_event:Approved", "POST /raiseEvent/Approved"},
	})

	for _, tc := range []struct {
		span, attr, want string
	}{
		{"orchestration_event:Approved", "durabletask.type", "event"},
		{"orchestration_event:Approved", "durabletask.task.name", "Approved"},
		{"orchestration_event:Approved", "durabletask.event.target_instance_id", id},
		{"create_orchestration:Child", "durabletask.type", "orchestration"},
		{"create_orchestration:Child", "durabletask.task.name", "Child"},
		{"create_orchestration:Child", "durabletask.task.instance_id", "launched-1"},
		{"create_orchestration:Child", "durabletask.event.target_instance_id", "launched-1"},
		{"orchestration:Child", "durabletask.task.instance_id", "launched-1"},
	} {
		found := false
		for _, s := range spans {
			if s.Name == tc.span {
				found = true
				if got := s.Attrs[tc.attr]; got != tc.want {
					t.Errorf("%s: %s = %q, want %q", tc.span, tc.attr, got, tc.want)
				}
			}
		}
		if !found {
			t.Errorf("no span %s", tc.span)
		}
	}
	for _, s := range spans {
		if s.Name == "create_orchestration:Child" && s.Kind != trace.SpanKindProducer.String() {
			t.Errorf("create_orchestration:Child is a %s span, want producer", s.Kind)
		}
	}
}

// A client's signal carries the caller's span to the entity operation, so
// what the operation starts is in the caller's trace too.
func TestAClientSignalJoinsTheCallersTrace(t *testing.T) {
	tp, exp := newTracing()
	rt := newRuntime(t, durable.NewMemoryStore(), durable.WithTelemetry(durable.Telemetry{TracerProvider: tp}))
	c := rt.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	sctx, root := tp.Tracer("test").Start(ctx, "POST /entities/launcher/k", trace.WithSpanKind(trace.SpanKindServer))
	err := c.SignalEntity(sctx, durable.EntityID{Name: "Launcher", Key: "k"}, "launch", "signalled-1")
	root.End()
	if err != nil {
		t.Fatal(err)
	}
	if st, err := c.WaitForCompletion(ctx, "signalled-1"); err != nil || st.RuntimeStatus != durable.StatusCompleted {
		t.Fatalf("the launched Child: %v %v", st, err)
	}
	checkTrace(t, stopAndRead(rt, exp), []struct{ name, parent string }{
		{"POST /entities/launcher/k", ""},
		{"entity:launcher:launch", "POST /entities/launcher/k"},
		{"create_orchestration:Child", "entity:launcher:launch"},
		{"orchestration:Child", "create_orchestration:Child"},
		{"activity:Hello", "orchestration:Child"},
	})
}
