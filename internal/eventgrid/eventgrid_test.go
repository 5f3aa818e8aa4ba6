package eventgrid_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/eventgrid"
	"github.com/godurable/durablefunctions/internal/history"
)

// topic is a local Event Grid custom topic: it checks the key, records the
// events and answers with the statuses it is told, then 200.
type topic struct {
	key string
	mu  sync.Mutex
	// answers are the statuses of the next requests (then 200).
	answers  []int
	requests int
	times    []time.Time
	events   []eventgrid.Event
	badKeys  int
}

func (tp *topic) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	tp.requests++
	tp.times = append(tp.times, time.Now())
	if r.Header.Get("aeg-sas-key") != tp.key || r.Method != http.MethodPost {
		tp.badKeys++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if len(tp.answers) > 0 {
		status := tp.answers[0]
		tp.answers = tp.answers[1:]
		w.WriteHeader(status)
		return
	}
	var evs []eventgrid.Event
	if err := json.NewDecoder(r.Body).Decode(&evs); err != nil || len(evs) != 1 {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	tp.events = append(tp.events, evs...)
}

func (tp *topic) snapshot() (requests int, events []eventgrid.Event, times []time.Time) {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return tp.requests, append([]eventgrid.Event(nil), tp.events...), append([]time.Time(nil), tp.times...)
}

func newPublisher(t *testing.T, cfg eventgrid.Config) *eventgrid.Publisher {
	t.Helper()
	p, err := eventgrid.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close(context.Background()) })
	return p
}

func TestRetriesFollowTheConfiguredCountIntervalAndStatuses(t *testing.T) {
	tests := []struct {
		name     string
		answers  []int
		retries  int
		statuses []int
		// wantRequests is how many requests the topic sees; delivered
		// whether the event got through.
		wantRequests int
		delivered    bool
	}{
		{name: "500 twice then 200 is delivered on the third try when 500 is listed",
			answers: []int{500, 500}, retries: 2, statuses: []int{500}, wantRequests: 3, delivered: true},
		{name: "500 twice with one retry gives up after two tries",
			answers: []int{500, 500}, retries: 1, statuses: []int{500}, wantRequests: 2},
		{name: "500 is not retried when publishRetryHttpStatus does not list it",
			answers: []int{500, 500}, retries: 2, wantRequests: 1},
		{name: "503 is always retried",
			answers: []int{503}, retries: 1, wantRequests: 2, delivered: true},
		{name: "no retries by default",
			answers: []int{503}, wantRequests: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tp := &topic{key: "secret", answers: tc.answers}
			srv := httptest.NewServer(tp)
			defer srv.Close()
			interval := 50 * time.Millisecond
			p := newPublisher(t, eventgrid.Config{TopicEndpoint: srv.URL, Key: "secret", HubName: "Hub",
				RetryCount: tc.retries, RetryInterval: interval, RetryStatuses: tc.statuses})
			p.Publish(eventgrid.Notification{InstanceID: "i1", Name: "Hello", Status: history.StatusCompleted})
			if err := p.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			requests, events, times := tp.snapshot()
			if requests != tc.wantRequests {
				t.Errorf("the topic got %d requests, want %d", requests, tc.wantRequests)
			}
			if got := len(events) == 1; got != tc.delivered {
				t.Errorf("delivered = %v, want %v", got, tc.delivered)
			}
			for i := 1; i < len(times); i++ {
				if gap := times[i].Sub(times[i-1]); gap < interval {
					t.Errorf("retry %d came %v after the previous try; publishRetryInterval is %v", i, gap, interval)
				}
			}
			if p.Dropped() != map[bool]int{true: 0, false: 1}[tc.delivered] {
				t.Errorf("Dropped() = %d", p.Dropped())
			}
		})
	}
}

func TestAWrongKeyIsRefusedByTheTopic(t *testing.T) {
	tp := &topic{key: "secret"}
	srv := httptest.NewServer(tp)
	defer srv.Close()
	p := newPublisher(t, eventgrid.Config{TopicEndpoint: srv.URL, Key: "wrong"})
	p.Publish(eventgrid.Notification{InstanceID: "i1", Status: history.StatusRunning})
	_ = p.Close(context.Background())
	if tp.badKeys != 1 || p.Dropped() != 1 {
		t.Errorf("bad keys %d, dropped %d; want 1 and 1", tp.badKeys, p.Dropped())
	}
}

func TestConfigurationMistakesAreReported(t *testing.T) {
	tests := []struct {
		name string
		cfg  eventgrid.Config
		want string
	}{
		{"no endpoint", eventgrid.Config{Key: "k"}, "topicEndpoint is empty"},
		{"not a URL", eventgrid.Config{TopicEndpoint: "topic", Key: "k"}, "not an http(s) URL"},
		{"no key", eventgrid.Config{TopicEndpoint: "https://t"}, "key is empty"},
		{"an unknown event type", eventgrid.Config{TopicEndpoint: "https://t", Key: "k", EventTypes: []string{"Pending"}}, `"Pending"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := eventgrid.New(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// runOrchestrations runs one orchestration that completes and one that
// fails on a runtime that publishes to p.
func runOrchestrations(t *testing.T, p *eventgrid.Publisher) (ok, failed string) {
	t.Helper()
	okOrch := durable.NewOrchestrator("Fine", func(ctx *durable.OrchestrationContext, _ any) (string, error) { return "done", nil })
	badOrch := durable.NewOrchestrator("Broken", func(ctx *durable.OrchestrationContext, _ any) (string, error) {
		return "", errors.New("boom")
	})
	reg := durable.NewRegistry()
	if err := reg.Register(okOrch, badOrch); err != nil {
		t.Fatal(err)
	}
	rt := durable.NewRuntime(reg, durable.NewMemoryStore(), durable.WithTelemetry(durable.Telemetry{
		OnLifecycle: func(e durable.LifecycleEvent) {
			p.Publish(e)
		}}))
	rt.Start()
	defer rt.Close(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := rt.Client()
	ok, err := okOrch.Start(ctx, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	failed, err = badOrch.Start(ctx, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{ok, failed} {
		if _, err := c.WaitForCompletion(ctx, id); err != nil {
			t.Fatalf("instance %s did not finish: %v", id, err)
		}
	}
	return ok, failed
}

func TestTheTopicReceivesExactlyTheConfiguredEventTypesInTheDurableFunctionsSchema(t *testing.T) {
	tp := &topic{key: "secret"}
	srv := httptest.NewServer(tp)
	defer srv.Close()
	p := newPublisher(t, eventgrid.Config{TopicEndpoint: srv.URL, Key: "secret", HubName: "MyHub",
		EventTypes: []string{"Started", "Failed"}})
	ok, failed := runOrchestrations(t, p)
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, events, _ := tp.snapshot()
	var got []string
	for _, e := range events {
		got = append(got, e.Data.FunctionName+" "+e.Subject)
		if e.EventType != "orchestratorEvent" || e.DataVersion != "1.0" || e.ID == "" || e.EventTime.IsZero() {
			t.Errorf("event envelope %+v is not Durable Functions'", e)
		}
		if e.Data.HubName != "MyHub" || "durable/orchestrator/"+e.Data.RuntimeStatus != e.Subject {
			t.Errorf("event data %+v does not match subject %s", e.Data, e.Subject)
		}
		want := ok
		if e.Data.FunctionName == "Broken" {
			want = failed
		}
		if e.Data.InstanceID != want {
			t.Errorf("%s event names instance %s, want %s", e.Subject, e.Data.InstanceID, want)
		}
		if e.Data.RuntimeStatus == "Failed" && !strings.Contains(e.Data.Reason, "boom") {
			t.Errorf("the failure reason is %q", e.Data.Reason)
		}
	}
	sort.Strings(got)
	want := []string{"Broken durable/orchestrator/Failed", "Broken durable/orchestrator/Running", "Fine durable/orchestrator/Running"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestOrchestrationsCompleteWhileTheTopicIsDown(t *testing.T) {
	// A port nobody listens on: every publish fails to connect.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	p := newPublisher(t, eventgrid.Config{TopicEndpoint: "http://" + addr + "/api/events", Key: "secret",
		RetryCount: 3, RetryInterval: time.Hour})
	done := make(chan struct{})
	go func() {
		defer close(done)
		runOrchestrations(t, p)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("orchestrations did not finish while the topic was down")
	}
	// The publisher is still waiting an hour to retry its first event;
	// Close gives up at its deadline instead.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := p.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Close = %v, want the deadline", err)
	}
}

func TestPublishNeverBlocksWhenTheQueueIsFull(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
	defer srv.Close()
	defer close(block)
	p := newPublisher(t, eventgrid.Config{TopicEndpoint: srv.URL, Key: "k", QueueSize: 2})
	start := time.Now()
	for i := 0; i < 100; i++ {
		p.Publish(eventgrid.Notification{InstanceID: "i", Status: history.StatusCompleted})
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("Publish blocked")
	}
	if p.Dropped() < 97 {
		t.Errorf("Dropped() = %d, want at least 97 of 100 with a queue of 2 and one in flight", p.Dropped())
	}
}
