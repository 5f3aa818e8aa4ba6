package mgmtapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/mgmtapi"
)

// What an instance is waiting on shows in its history: Durable Functions
// keeps a TaskScheduled or SubOrchestrationInstanceCreated until its
// completion arrives, and the dashboard draws them as running bars.
func TestHistoryShowsWhatAnInstanceWaitsOn(t *testing.T) {
	release := make(chan struct{})
	reg := durable.NewRegistry()
	must(t, reg.AddActivity("Slow", durable.ActivityOf(func(ctx context.Context, in string) (string, error) {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return "done " + in, nil
	})))
	must(t, reg.AddOrchestrator("CallsSlow", func(ctx *durable.OrchestrationContext) (any, error) {
		var s string
		err := ctx.CallActivity("Slow", "x").Await(&s)
		return s, err
	}))
	must(t, reg.AddOrchestrator("Child", func(ctx *durable.OrchestrationContext) (any, error) {
		var v any
		err := ctx.WaitForExternalEvent("Go").Await(&v)
		return v, err
	}))
	must(t, reg.AddOrchestrator("Parent", func(ctx *durable.OrchestrationContext) (any, error) {
		var v any
		err := ctx.CallSubOrchestrator("Child", nil, durable.WithInstanceID(ctx.InstanceID()+"-kid")).Await(&v)
		return v, err
	}))
	rt := durable.NewRuntime(reg, durable.NewMemoryStore())
	rt.Start()
	t.Cleanup(func() {
		close(release)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = rt.Close(ctx)
	})
	srv := httptest.NewServer(mgmtapi.New(rt.Client()))
	t.Cleanup(srv.Close)
	client := rt.Client()
	ctx := t.Context()

	// historyOf polls until the history has an event of type want.
	historyOf := func(t *testing.T, id, want string) []map[string]any {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			resp, err := http.Get(srv.URL + base + "/instances/" + id + "?showHistory=true")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var st struct {
				HistoryEvents []map[string]any `json:"historyEvents"`
			}
			if err := json.Unmarshal(b, &st); err != nil {
				t.Fatalf("%s: %v", b, err)
			}
			for _, ev := range st.HistoryEvents {
				if ev["EventType"] == want {
					return st.HistoryEvents
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("no %s in the history of %s: %s", want, id, b)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	find := func(events []map[string]any, typ string) map[string]any {
		for _, ev := range events {
			if ev["EventType"] == typ {
				return ev
			}
		}
		return nil
	}

	t.Run("a running activity shows as its TaskScheduled, with its name and input", func(t *testing.T) {
		id, err := client.StartNew(ctx, "CallsSlow", nil)
		must(t, err)
		ev := find(historyOf(t, id, "TaskScheduled"), "TaskScheduled")
		if ev["Name"] != "Slow" || ev["Input"] != "x" || ev["Timestamp"] == nil {
			t.Fatalf("TaskScheduled = %v, want Name Slow, Input x and a Timestamp", ev)
		}
		for _, gone := range []string{"EventId", "IsPlayed", "Version"} {
			if _, ok := ev[gone]; ok {
				t.Errorf("TaskScheduled has %s: %v", gone, ev)
			}
		}
	})
	t.Run("a running sub-orchestration shows as SubOrchestrationInstanceCreated naming its child", func(t *testing.T) {
		id, err := client.StartNew(ctx, "Parent", nil)
		must(t, err)
		ev := find(historyOf(t, id, "SubOrchestrationInstanceCreated"), "SubOrchestrationInstanceCreated")
		if ev["Name"] != "Child" || ev["InstanceId"] != id+"-kid" {
			t.Fatalf("SubOrchestrationInstanceCreated = %v, want Name Child, InstanceId %s-kid", ev, id)
		}
		must(t, client.RaiseEvent(ctx, id+"-kid", "Go", 1))
		events := historyOf(t, id, "SubOrchestrationInstanceCompleted")
		if find(events, "SubOrchestrationInstanceCreated") != nil {
			t.Errorf("the creation is still shown after the completion: %v", events)
		}
		done := find(events, "SubOrchestrationInstanceCompleted")
		if done["FunctionName"] != "Child" || done["InstanceId"] != id+"-kid" {
			t.Fatalf("SubOrchestrationInstanceCompleted = %v, want FunctionName Child, InstanceId %s-kid", done, id)
		}
	})
}
