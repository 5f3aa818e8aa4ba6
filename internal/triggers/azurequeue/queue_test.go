package azurequeue

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"

	"github.com/godurable/durablefunctions/bindings"
	"github.com/godurable/durablefunctions/internal/azurite"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/triggers"
)

var queueSeq atomic.Int64

// testQueue is a fresh queue on the shared Azurite.
type testQueue struct {
	t      *testing.T
	name   string
	svc    *azqueue.ServiceClient
	client *azqueue.QueueClient
	poison *azqueue.QueueClient
}

func newTestQueue(t *testing.T, opts *azqueue.ClientOptions) *testQueue {
	t.Helper()
	inst := sharedAzurite(t)
	svc, err := azqueue.NewServiceClientFromConnectionString(inst.ConnectionString(), opts)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("q%d-%d", time.Now().UnixNano()%1e9, queueSeq.Add(1))
	q := &testQueue{t: t, name: name, svc: svc, client: svc.NewQueueClient(name), poison: svc.NewQueueClient(PoisonQueueName(name))}
	if _, err := q.client.Create(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	return q
}

// put enqueues texts as the Azure SDK does: base64 when asked.
func (q *testQueue) put(b64 bool, texts ...string) {
	q.t.Helper()
	for _, s := range texts {
		if b64 {
			s = base64.StdEncoding.EncodeToString([]byte(s))
		}
		if _, err := q.client.EnqueueMessage(context.Background(), s, nil); err != nil {
			q.t.Fatal(err)
		}
	}
}

// count is the queue's message count, invisible messages included.
func count(t *testing.T, c *azqueue.QueueClient) int {
	t.Helper()
	p, err := c.GetProperties(context.Background(), nil)
	if err != nil {
		return 0 // the poison queue does not exist yet
	}
	return int(*p.ApproximateMessagesCount)
}

// run polls the queue with fn until the test ends.
func (q *testQueue) run(opts QueueOptions, clock store.Clock, fn QueueFunc) (stop func()) {
	p := &Queue{Name: "Fn", Client: q.client, Poison: q.poison, Options: opts, Clock: clock, Invoke: fn, Logger: quietLog()}
	g := triggers.NewGroup()
	g.Go(p.Run)
	stop = func() { _ = g.Stop(context.Background()) }
	q.t.Cleanup(stop)
	return stop
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

// received records what the function saw.
type received struct {
	mu   sync.Mutex
	msgs []bindings.QueueMessage
}

func (r *received) add(m *bindings.QueueMessage) {
	r.mu.Lock()
	r.msgs = append(r.msgs, *m)
	r.mu.Unlock()
}

func (r *received) list() []bindings.QueueMessage {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bindings.QueueMessage(nil), r.msgs...)
}

func fastOptions() QueueOptions {
	o := DefaultQueueOptions()
	o.MaxPollingInterval = 200 * time.Millisecond
	return o
}

func TestEveryMessageReachesTheFunctionOnceWithItsProperties(t *testing.T) {
	tests := []struct {
		name   string
		base64 bool // how the sender encodes, and messageEncoding
	}{
		{"base64 messages, the default encoding", true},
		{"plain messages with messageEncoding none", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := newTestQueue(t, nil)
			var want []string
			for i := range 40 {
				want = append(want, fmt.Sprintf(`{"key":"k%d","amount":%d}`, i, i))
			}
			q.put(tt.base64, want...)
			opts := fastOptions()
			opts.Base64 = tt.base64
			var got received
			q.run(opts, store.SystemClock{}, func(_ context.Context, m *bindings.QueueMessage) error { got.add(m); return nil })
			eventually(t, "the queue is empty", func() bool { return len(got.list()) >= len(want) && count(t, q.client) == 0 })
			msgs := got.list()
			var texts []string
			for _, m := range msgs {
				texts = append(texts, m.Text)
				if m.ID == "" || m.PopReceipt == "" || m.DequeueCount != 1 || m.InsertionTime.IsZero() ||
					!m.ExpirationTime.After(m.InsertionTime) || !m.NextVisibleTime.After(m.InsertionTime) {
					t.Errorf("message %q has incomplete properties: %+v", m.Text, m)
				}
			}
			sort.Strings(texts)
			sort.Strings(want)
			if strings.Join(texts, "\n") != strings.Join(want, "\n") {
				t.Errorf("the function saw %d messages, want each of the %d once:\n%s", len(texts), len(want), strings.Join(texts, "\n"))
			}
		})
	}
}

func TestAPlainMessageOnABase64QueueGoesToThePoisonQueueAtOnce(t *testing.T) {
	q := newTestQueue(t, nil)
	q.put(false, `{"key":"a","amount":1}`)
	var calls atomic.Int32
	q.run(fastOptions(), store.SystemClock{}, func(context.Context, *bindings.QueueMessage) error { calls.Add(1); return nil })
	eventually(t, "the message is in the poison queue", func() bool { return count(t, q.poison) == 1 && count(t, q.client) == 0 })
	if calls.Load() != 0 {
		t.Errorf("the function ran %d times for a message it cannot decode", calls.Load())
	}
	peek, err := q.poison.PeekMessage(context.Background(), nil)
	if err != nil || len(peek.Messages) != 1 || *peek.Messages[0].MessageText != `{"key":"a","amount":1}` {
		t.Errorf("the poison queue holds %+v (%v), want the original text", peek.Messages, err)
	}
}

func TestAFailingFunctionIsRetriedThroughVisibilityThenPoisoned(t *testing.T) {
	tests := []struct {
		name        string
		failures    int // the function fails this many times, then succeeds
		wantCounts  []int64
		wantPoisons int
	}{
		{"a message that fails twice succeeds on its third delivery", 2, []int64{1, 2, 3}, 0},
		{"a message that always fails goes to -poison after maxDequeueCount", 99, []int64{1, 2, 3}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := newTestQueue(t, nil)
			q.put(true, "payload")
			opts := fastOptions()
			opts.MaxDequeueCount = 3
			var got received
			q.run(opts, store.SystemClock{}, func(_ context.Context, m *bindings.QueueMessage) error {
				got.add(m)
				if len(got.list()) <= tt.failures {
					return errors.New("boom")
				}
				return nil
			})
			eventually(t, "the message is done", func() bool {
				return len(got.list()) == len(tt.wantCounts) && count(t, q.client) == 0 && count(t, q.poison) == tt.wantPoisons
			})
			time.Sleep(300 * time.Millisecond) // a further delivery would show here
			var counts []int64
			for _, m := range got.list() {
				counts = append(counts, m.DequeueCount)
			}
			if fmt.Sprint(counts) != fmt.Sprint(tt.wantCounts) {
				t.Errorf("the function saw dequeue counts %v, want %v", counts, tt.wantCounts)
			}
		})
	}
}

// clockLog is a virtual clock that records every wait asked of it.
type clockLog struct {
	*virtualClock
	mu    sync.Mutex
	waits []time.Duration
}

func (c *clockLog) After(d time.Duration) <-chan time.Time {
	ch := c.virtualClock.After(d) // registered before the test can see it and move the clock
	c.mu.Lock()
	c.waits = append(c.waits, d)
	c.mu.Unlock()
	return ch
}

func (c *clockLog) asked() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

// counter counts the requests that get messages.
type counter struct{ gets atomic.Int64 }

func (c *counter) Do(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet && strings.HasSuffix(req.URL.Path, "/messages") && req.URL.Query().Get("peekonly") == "" {
		c.gets.Add(1)
	}
	return http.DefaultTransport.RoundTrip(req)
}

func TestIdlePollingBacksOffToMaxPollingIntervalAndAMessageResetsIt(t *testing.T) {
	var reqs counter
	q := newTestQueue(t, &azqueue.ClientOptions{ClientOptions: azcore.ClientOptions{Transport: &reqs}})
	clock := &clockLog{virtualClock: newVirtualClock()}
	opts := fastOptions()
	opts.MaxPollingInterval = 2 * time.Second
	var got received
	q.run(opts, clock, func(_ context.Context, m *bindings.QueueMessage) error { got.add(m); return nil })

	// Let the poller wait n times, moving the clock by each wait.
	consumed := 0
	waitN := func(n int) {
		for target := consumed + n; consumed < target; {
			eventually(t, "the poller waits", func() bool { return len(clock.asked()) > consumed })
			d := clock.asked()[consumed]
			consumed++
			if d == opts.Lease/2 {
				target++ // a lease renewal, not a poll
				continue
			}
			clock.Advance(d)
		}
	}
	// polling: the poller has made its request and waits again.
	polling := func() { eventually(t, "the poller waits", func() bool { return len(clock.asked()) > consumed }) }
	waitN(20)
	waits := clock.asked()[:20]
	for i := 1; i < len(waits); i++ {
		if waits[i] < waits[i-1] || waits[i] > opts.MaxPollingInterval {
			t.Fatalf("idle waits %v do not grow up to maxPollingInterval %v", waits, opts.MaxPollingInterval)
		}
	}
	if waits[0] < MinPollingInterval || waits[len(waits)-1] != opts.MaxPollingInterval {
		t.Fatalf("idle waits %v: want them to start above %v and end at %v", waits, MinPollingInterval, opts.MaxPollingInterval)
	}
	// At the maximum, one request per maxPollingInterval: 30 in a minute.
	polling()
	before := reqs.gets.Load()
	waitN(30)
	polling()
	if n := reqs.gets.Load() - before; n != 30 {
		t.Errorf("a minute of idle polling at %v made %d get-messages requests, want 30", opts.MaxPollingInterval, n)
	}
	q.put(true, "wake up")
	waitN(2) // the poll that finds it, then the next empty one
	eventually(t, "the message is handled", func() bool { return len(got.list()) == 1 })
	if w := clock.asked()[len(clock.asked())-1]; w > MinPollingInterval {
		t.Errorf("after a message the poller waits %v, want the minimum %v again", w, MinPollingInterval)
	}
}

func TestQueueServiceReadsTheConnectionLikeTheHost(t *testing.T) {
	inst := &azurite.Instance{QueuePort: 10001}
	tests := []struct {
		name       string
		connection string
		settings   map[string]string
		wantURL    string
		wantErr    error
	}{
		{"AzureWebJobsStorage by default", "", map[string]string{"AzureWebJobsStorage": "UseDevelopmentStorage=true"},
			"http://127.0.0.1:10001/devstoreaccount1/", nil},
		{"a named connection string", "MyStorage", map[string]string{"MyStorage": inst.ConnectionString()},
			"http://127.0.0.1:10001/devstoreaccount1/", nil},
		{"the AzureWebJobs prefix is tried too", "MyStorage", map[string]string{"AzureWebJobsMyStorage": "UseDevelopmentStorage=true"},
			"http://127.0.0.1:10001/devstoreaccount1/", nil},
		{"an identity-based queueServiceUri", "MyStorage", map[string]string{"MyStorage__queueServiceUri": "https://acct.queue.core.windows.net"},
			"https://acct.queue.core.windows.net/", nil},
		{"an identity-based account name", "", map[string]string{"AzureWebJobsStorage__accountName": "acct", "AzureWebJobsStorage__credential": "managedidentity"},
			"https://acct.queue.core.windows.net/", nil},
		{"nothing set", "", map[string]string{}, "", ErrNoConnection},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lookup := func(n string) (string, bool) { v, ok := tt.settings[n]; return v, ok }
			svc, _, err := QueueService(tt.connection, lookup, nil)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("QueueService = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if svc.URL() != tt.wantURL {
				t.Errorf("the queue service is %s, want %s", svc.URL(), tt.wantURL)
			}
		})
	}
}

func TestANewBatchWaitsUntilNoMoreThanNewBatchThresholdAreInFlight(t *testing.T) {
	q := newTestQueue(t, nil)
	for i := range 16 {
		q.put(true, fmt.Sprint(i))
	}
	opts := fastOptions()
	opts.BatchSize, opts.NewBatchThreshold = 4, 1
	var running, most, done atomic.Int32
	q.run(opts, store.SystemClock{}, func(context.Context, *bindings.QueueMessage) error {
		n := running.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(100 * time.Millisecond)
		running.Add(-1)
		done.Add(1)
		return nil
	})
	eventually(t, "all 16 messages are handled", func() bool { return done.Load() == 16 })
	if m := most.Load(); m > int32(opts.BatchSize+opts.NewBatchThreshold) || m < int32(opts.BatchSize) {
		t.Errorf("%d functions ran at once; want a batch of %d in parallel and never more than batchSize+newBatchThreshold = %d",
			m, opts.BatchSize, opts.BatchSize+opts.NewBatchThreshold)
	}
}
