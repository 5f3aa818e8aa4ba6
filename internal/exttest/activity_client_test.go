package exttest

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/handler"
	"github.com/godurable/durablefunctions/internal/extension"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/sidecar"
)

// notifyApp is an app whose activity signals an entity through its client.
// Its function.json files are what a user writes for extension mode: the
// activity declares a durableClient binding beside its trigger, as in every
// Durable Functions language.
var notifyApp = map[string]string{
	"host.json": `{"version":"2.0",
		"extensionBundle":{"id":"Microsoft.Azure.Functions.ExtensionBundle","version":"[4.*, 5.0.0)"},
		"extensions":{"durableTask":{"hubName":"NotifyHub"}}}`,
	"NotifyThenRead/function.json": `{"bindings":[{"type":"orchestrationTrigger","name":"context","direction":"in"}]}`,
	"Notify/function.json": `{"bindings":[{"type":"activityTrigger","name":"input","direction":"in"},
		{"type":"durableClient","name":"client","direction":"in"}]}`,
	"Unbound/function.json": `{"bindings":[{"type":"activityTrigger","name":"input","direction":"in"}]}`,
	"Tally/function.json":   `{"bindings":[{"type":"entityTrigger","name":"context","direction":"in"}]}`,
}

var tally = durable.NewEntityID("Tally", "k")

func newNotifyApp() *handler.App {
	a := handler.NewApp()
	a.Orchestrator("NotifyThenRead", func(ctx *durable.OrchestrationContext) (any, error) {
		var activity string
		if err := ctx.GetInput(&activity); err != nil {
			return nil, err
		}
		if err := ctx.CallActivity(activity, nil).Await(nil); err != nil {
			return nil, err
		}
		var n int
		err := ctx.CallEntity(tally, "get", nil).Await(&n)
		return n, err
	})
	notify := func(ctx *durable.ActivityContext) (any, error) {
		c := ctx.Client()
		if c == nil {
			return "no client", nil
		}
		return "signalled", c.SignalEntity(ctx, tally, "add", 1)
	}
	a.Activity("Notify", notify)
	a.Activity("Unbound", notify)
	a.Entity("Tally", func(ctx *durable.EntityContext) error {
		var n int
		if err := ctx.GetState(&n); err != nil {
			return err
		}
		if ctx.OperationName() == "add" {
			var d int
			if err := ctx.GetInput(&d); err != nil {
				return err
			}
			n += d
			if err := ctx.SetState(n); err != nil {
				return err
			}
		}
		return ctx.Return(n)
	})
	return a
}

// In extension mode an activity invocation carries a durableClient value
// only when the activity's function.json declares one; the activity's
// client then speaks the extension's gRPC API, so what it signals reaches
// the task hub the host owns. Without the binding the activity gets no
// client, as documented.
func TestAnActivityWithADurableClientBindingSignalsAnEntityInExtensionMode(t *testing.T) {
	dir := t.TempDir()
	for name, text := range notifyApp {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	addr := startBehindHost(t, newNotifyApp(), dir)

	sc, err := StartSidecar(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	host, err := NewHost(dir, "http://"+addr)
	if err != nil {
		t.Fatal(err)
	}
	w := StartWorker(sc, host)
	st, err := sidecar.Dial("http://"+sc.ClientAddr, sidecar.Options{TaskHub: "NotifyHub"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		w.Stop()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		sc.Close(ctx)
		_ = st.Close()
	})
	client := durable.NewClient(store.NewHandle(st), nil)

	cases := []struct {
		name, activity string
		want           int // the tally the orchestration reads afterwards
	}{
		{"an activity with the binding signals the entity", "Notify", 1},
		{"an activity without it has no client and signals nothing", "Unbound", 1},
		{"the same activity again adds one more", "Notify", 2},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			id := "notify-" + string(rune('a'+i))
			if _, err := client.StartNew(ctx, "NotifyThenRead", c.activity, durable.WithInstanceID(id)); err != nil {
				t.Fatal(err)
			}
			got, err := client.WaitForCompletion(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			var n int
			if got.RuntimeStatus != durable.StatusCompleted || json.Unmarshal(got.Output, &n) != nil || n != c.want {
				t.Fatalf("%s ended %s with %s; want Completed with %d", id, got.RuntimeStatus, got.Output, c.want)
			}
		})
	}
}

// Orchestrator requests that ask for history streaming carry no endpoint;
// the worker streams from the endpoint its durableClient bindings named.
// durabletask-go 0.6.0, the stand-in, does not implement
// StreamInstanceHistory (the Durable Task Scheduler does), so this shows
// that the request reaches the named endpoint and that its refusal comes
// back as a clear error; the replay of a streamed history is shown in
// internal/extension.
func TestHistoryIsStreamedFromTheEndpointABindingNamed(t *testing.T) {
	s := startStandIn(t, "")
	st := s.run(t, "HelloSequence", nil)
	var clients sidecar.Clients
	defer clients.Close()
	if _, err := clients.FetchHistory(t.Context(), st.InstanceID, ""); err == nil || !strings.Contains(err.Error(), "durableClient binding") {
		t.Fatalf("before any binding: %v; want an error naming the durableClient binding", err)
	}
	if _, err := clients.Client(&extension.ClientBinding{TaskHubName: "SamplesHub", RPCBaseURL: "http://" + s.sidecar.ClientAddr}); err != nil {
		t.Fatal(err)
	}
	_, err := clients.FetchHistory(t.Context(), st.InstanceID, "")
	if err == nil || !strings.Contains(err.Error(), "StreamInstanceHistory not implemented") || !strings.Contains(err.Error(), st.InstanceID) {
		t.Fatalf("after a binding: %v; want the stand-in's own refusal for this instance", err)
	}
}
