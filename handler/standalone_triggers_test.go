package handler_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"

	"github.com/godurable/durablefunctions/bindings"
	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/durable/azurestore"
	"github.com/godurable/durablefunctions/handler"
	"github.com/godurable/durablefunctions/internal/azurite"
)

// syncLog is a log the server writes while the test reads it.
type syncLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}
func (l *syncLog) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.buf.String() }

// calls counts a trigger function's invocations.
type calls struct {
	mu   sync.Mutex
	seen []string
}

func (c *calls) add(s string) { c.mu.Lock(); c.seen = append(c.seen, s); c.mu.Unlock() }
func (c *calls) list() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.seen...)
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func startStandalone(t *testing.T, a *handler.App, files map[string]string) (*handler.Server, *syncLog) {
	t.Helper()
	logs := &syncLog{}
	srv, err := handler.Start(t.Context(), a, &handler.Options{Mode: handler.Standalone, AppDir: writeApp(t, files), Addr: "127.0.0.1:0",
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	return srv, logs
}

const (
	tickJSON  = `{"bindings":[{"type":"timerTrigger","direction":"in","name":"timer","schedule":"%s"},{"type":"durableClient","direction":"in","name":"client"}]}`
	queueJSON = `{"bindings":[{"type":"queueTrigger","direction":"in","name":"msg","queueName":"%s"},{"type":"durableClient","direction":"in","name":"client"}]}`
)

func TestStartupSaysHowEachFunctionIsTriggeredStandalone(t *testing.T) {
	a := handler.NewApp()
	a.Orchestrator("Work", func(*durable.OrchestrationContext) (any, error) { return nil, nil })
	a.HTTP("Hello", func(w http.ResponseWriter, _ *http.Request, _ *handler.FunctionContext) {})
	a.Timer("Tick", func(context.Context, *bindings.TimerInfo, *handler.FunctionContext) error { return nil })
	a.Queue("FromQueue", func(context.Context, *bindings.QueueMessage, *handler.FunctionContext) error { return nil })
	a.Use(azurestore.Provider) // polls FromQueue's Azure Storage queue standalone
	a.EventHub("FromHub", func(context.Context, *bindings.EventHubBatch, *handler.FunctionContext) error { return nil })
	_, logs := startStandalone(t, a, map[string]string{
		"host.json":                     memoryHostJSON,
		"local.settings.json":           `{"Values":{"AzureWebJobsStorage":""}}`,
		"Work/function.json":            `{"bindings":[{"type":"orchestrationTrigger","direction":"in","name":"context"}]}`,
		"Hello/function.json":           `{"bindings":[{"type":"httpTrigger","direction":"in","name":"req","methods":["get"],"route":"hello"},{"type":"http","direction":"out","name":"res"}]}`,
		"Tick/function.json":            fmt.Sprintf(tickJSON, "0 */5 * * * *"),
		"FromQueue/function.json":       fmt.Sprintf(queueJSON, "work-items"),
		"FromHub/function.json":         `{"bindings":[{"type":"eventHubTrigger","direction":"in","name":"events","eventHubName":"hub","connection":"Hub"}]}`,
		"DurableTaskWake/function.json": fmt.Sprintf(tickJSON, "0 */1 * * * *"),
	})
	tests := []struct{ function, says string }{
		{"Work", "orchestration: run by the durable engine"},
		{"Hello", "HTTP: GET /api/hello"},
		{"Tick", `timer: schedule \"0 */5 * * * *\"`},
		{"FromQueue", `queue \"work-items\": not polled: no storage connection: app setting AzureWebJobsStorage is empty`},
		{"FromQueue", "invoke it by hand: POST /admin/functions/FromQueue"},
		{"FromHub", "Event Hub: not connected standalone"},
		{"FromHub", "invoke it by hand: POST /admin/functions/FromHub"},
		{"DurableTaskWake", "timer: not scheduled"},
	}
	lines := strings.Split(logs.String(), "\n")
	for _, tt := range tests {
		found := false
		for _, l := range lines {
			if strings.Contains(l, "msg=function name="+tt.function+" ") && strings.Contains(l, tt.says) {
				found = true
			}
		}
		if !found {
			t.Errorf("no startup line says %s is triggered by %q:\n%s", tt.function, tt.says, logs.String())
		}
	}
}

func TestABadTimerOrQueueBindingFailsStartupNamingTheFunction(t *testing.T) {
	tests := []struct{ name, function, want string }{
		{"a schedule that is not NCRONTAB nor a TimeSpan", fmt.Sprintf(tickJSON, "every minute"), "neither an NCRONTAB expression nor a TimeSpan"},
		{"a schedule naming an undefined setting", fmt.Sprintf(tickJSON, "%TickSchedule%"), "'%TickSchedule%' does not resolve to a value"},
		{"an invalid queue name", fmt.Sprintf(queueJSON, "Work_Items"), `queueName "work_items" is not a valid queue name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := handler.NewApp()
			files := map[string]string{"host.json": memoryHostJSON, "Fn/function.json": tt.function}
			if strings.Contains(tt.function, "queueTrigger") {
				a.Queue("Fn", func(context.Context, *bindings.QueueMessage, *handler.FunctionContext) error { return nil })
			} else {
				a.Timer("Fn", func(context.Context, *bindings.TimerInfo, *handler.FunctionContext) error { return nil })
			}
			srv, err := handler.Start(t.Context(), a, &handler.Options{Mode: handler.Standalone, AppDir: writeApp(t, files), Addr: "127.0.0.1:0"})
			if err == nil {
				_ = srv.Shutdown(context.Background())
				t.Fatal("Start succeeded")
			}
			if !strings.Contains(err.Error(), "Fn/function.json") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Start failed with %q; want it to name Fn/function.json and say %q", err, tt.want)
			}
		})
	}
}

func TestATimerFunctionRunsOnItsScheduleStandaloneAndItsMarkersComplete(t *testing.T) {
	var got calls
	a := handler.NewApp()
	a.Timer("Tick", func(ctx context.Context, info *bindings.TimerInfo, fc *handler.FunctionContext) error {
		got.add(fc.Name())
		return nil
	})
	srv, _ := startStandalone(t, a, map[string]string{"host.json": memoryHostJSON, "Tick/function.json": fmt.Sprintf(tickJSON, "*/1 * * * * *")})
	eventually(t, "the timer fired twice", func() bool { return len(got.list()) >= 2 })
	eventually(t, "the occurrence markers completed", func() bool {
		page, err := srv.Client().ListInstances(t.Context(), durable.Query{InstanceIDPrefix: "timer:Tick:"})
		if err != nil || len(page.Instances) < 2 {
			return false
		}
		for _, st := range page.Instances {
			if st.RuntimeStatus != durable.StatusCompleted {
				return false
			}
		}
		return true
	})
}

// azuriteApp is a function app on Azurite: the task hub in Azure Storage
// and queue triggers on AzureWebJobsStorage.
func azuriteApp(t *testing.T, inst *azurite.Instance, hub string, functions map[string]string) map[string]string {
	files := map[string]string{
		"host.json": fmt.Sprintf(`{"version":"2.0","extensions":{"durableTask":{"hubName":%q,"storageProvider":{"type":"AzureStorage"}},
			"queues":{"maxPollingInterval":"00:00:00.500"}}}`, hub),
		"local.settings.json": fmt.Sprintf(`{"Values":{"AzureWebJobsStorage":%q,"WorkQueue":"work-items"}}`, inst.ConnectionString()),
	}
	for k, v := range functions {
		files[k] = v
	}
	return files
}

func TestAQueueFunctionReadsItsQueueStandalone(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the Azurite test")
	}
	inst := azurite.Start(t)
	svc, err := azqueue.NewServiceClientFromConnectionString(inst.ConnectionString(), nil)
	if err != nil {
		t.Fatal(err)
	}
	q := svc.NewQueueClient("work-items")
	if _, err := q.Create(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	var got calls
	a := handler.NewApp()
	a.Use(azurestore.Provider)
	a.Queue("FromQueue", func(ctx context.Context, msg *bindings.QueueMessage, fc *handler.FunctionContext) error {
		got.add(msg.Text)
		return nil
	})
	startStandalone(t, a, azuriteApp(t, inst, "QueueHub", map[string]string{"FromQueue/function.json": fmt.Sprintf(queueJSON, "%WorkQueue%")}))
	for _, text := range []string{"one", "two"} {
		if _, err := q.EnqueueMessage(t.Context(), base64.StdEncoding.EncodeToString([]byte(text)), nil); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "both messages reached the function", func() bool { return len(got.list()) == 2 })
}

// Two processes on one task hub: every occurrence of a timer runs once.
// Each run claims its occurrence with a marker instance whose id is the
// occurrence (timer:Tick:<time>), so the markers seen while the servers
// run are the occurrences that ran: no more invocations than markers.
func TestTwoServersOnOneAzureTaskHubRunEachTimerOccurrenceOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the Azurite test")
	}
	inst := azurite.Start(t)
	var got calls
	files := azuriteApp(t, inst, "TimerHub", map[string]string{"Tick/function.json": fmt.Sprintf(tickJSON, "*/2 * * * * *")})
	var servers []*handler.Server
	for _, name := range []string{"server 1", "server 2"} {
		a := handler.NewApp()
		a.Use(azurestore.Provider)
		a.Timer("Tick", func(context.Context, *bindings.TimerInfo, *handler.FunctionContext) error { got.add(name); return nil })
		srv, logs := startStandalone(t, a, files)
		servers = append(servers, srv)
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("%s log:\n%s", name, logs)
			}
		})
	}
	ran := map[string]bool{} // occurrence markers of runs (a run records Last; the first status does not)
	collect := func() {
		page, err := servers[0].Client().ListInstances(t.Context(), durable.Query{InstanceIDPrefix: "timer:Tick:", WithInput: true})
		if err != nil {
			return
		}
		for _, st := range page.Instances {
			var status struct{ Last time.Time }
			if json.Unmarshal(st.Input, &status) == nil && !status.Last.IsZero() {
				ran[st.InstanceID] = true
			}
		}
	}
	eventually(t, "six occurrences ran", func() bool { collect(); return len(got.list()) >= 6 })
	for _, srv := range servers {
		_ = srv.Shutdown(context.Background()) // no run is in flight after this
	}
	invocations := got.list()
	if len(invocations) > len(ran) {
		t.Errorf("the timer ran %d times (%v) for %d occurrences (%v): an occurrence ran twice", len(invocations), invocations, len(ran), ran)
	}
}
