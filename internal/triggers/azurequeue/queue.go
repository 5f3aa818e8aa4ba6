package azurequeue

import (
	"context"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue/queueerror"

	"github.com/godurable/durablefunctions/bindings"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/triggers"
)

// QueueFunc handles one queue message. An error fails the invocation: the
// message becomes visible again after VisibilityTimeout and is retried,
// until its MaxDequeueCount-th attempt fails and it moves to the poison
// queue.
type QueueFunc func(ctx context.Context, msg *bindings.QueueMessage) error

// QueueOptions are host.json's extensions.queues, with the host's defaults
// from DefaultQueueOptions.
type QueueOptions struct {
	BatchSize int
	// NewBatchThreshold: a new batch is fetched once no more than this
	// many messages are in flight.
	NewBatchThreshold  int
	MaxPollingInterval time.Duration
	// VisibilityTimeout is how long a failed message stays invisible
	// before it is retried.
	VisibilityTimeout time.Duration
	MaxDequeueCount   int
	// Base64 is messageEncoding "base64" (the default); false is "none".
	Base64 bool
	// Lease is how long a message stays invisible while its function runs;
	// it is renewed at half-time. The host uses 10 minutes.
	Lease time.Duration
}

// DefaultQueueOptions are the host's defaults.
func DefaultQueueOptions() QueueOptions {
	return QueueOptions{BatchSize: 16, NewBatchThreshold: 16 / 2 * runtime.NumCPU(), MaxPollingInterval: time.Minute,
		MaxDequeueCount: 5, Base64: true, Lease: 10 * time.Minute}
}

// MinPollingInterval is the host's shortest wait between empty polls.
const MinPollingInterval = 100 * time.Millisecond

// Queue polls one Azure Storage queue for one function, as the host's
// queue listener does.
type Queue struct {
	// Name is the function's name, for logs.
	Name   string
	Client *azqueue.QueueClient
	// Poison receives messages that fail MaxDequeueCount times; nil when the
	// queue has none (its name ends in -poison, or is too long for the
	// suffix): then a failed message stays invisible until its lease ends.
	Poison  *azqueue.QueueClient
	Options QueueOptions
	// Clock times the waits between polls and lease renewals.
	Clock  store.Clock
	Invoke QueueFunc
	Logger *slog.Logger

	mu       sync.Mutex
	inFlight int
	finished chan struct{}
	exists   bool
}

// Run polls until poll ends, then waits for the messages in flight, whose
// functions and completion get work.
func (q *Queue) Run(poll, work context.Context) {
	if q.Logger == nil {
		q.Logger = slog.Default()
	}
	q.finished = make(chan struct{}, 1)
	delay := triggers.NewBackoff(MinPollingInterval, q.Options.MaxPollingInterval)
	found := false
	var wg sync.WaitGroup
	defer wg.Wait()
	for poll.Err() == nil {
		msgs := q.receive(poll)
		if len(msgs) == 0 {
			d := delay.Next(found)
			found = false
			if !triggers.Sleep(poll, q.Clock, d) {
				return
			}
			continue
		}
		found = true
		for _, m := range msgs {
			q.track(1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer q.track(-1)
				q.process(work, m)
			}()
		}
		q.waitForThreshold(poll)
	}
}

// receive dequeues a batch, or nothing when the queue does not exist yet
// or the service fails (both back off, as in the host).
func (q *Queue) receive(ctx context.Context) []*azqueue.DequeuedMessage {
	if !q.exists {
		_, err := q.Client.GetProperties(ctx, nil)
		if err != nil {
			if ctx.Err() == nil && !queueerror.HasCode(err, queueerror.QueueNotFound) {
				q.Logger.Warn("queue: cannot read the queue", "function", q.Name, "error", err)
			}
			return nil
		}
		q.exists = true
	}
	resp, err := q.Client.DequeueMessages(ctx, &azqueue.DequeueMessagesOptions{
		NumberOfMessages:  to.Ptr(int32(q.Options.BatchSize)),
		VisibilityTimeout: to.Ptr(seconds(q.Options.Lease)),
	})
	if err != nil {
		q.exists = false // checked again, as the host does after any error
		if ctx.Err() == nil {
			q.Logger.Warn("queue: getting messages failed", "function", q.Name, "error", err)
		}
		return nil
	}
	return resp.Messages
}

func (q *Queue) track(delta int) {
	q.mu.Lock()
	q.inFlight += delta
	q.mu.Unlock()
	if delta < 0 {
		select {
		case q.finished <- struct{}{}:
		default:
		}
	}
}

// waitForThreshold returns once no more than NewBatchThreshold messages
// are in flight (or poll ends).
func (q *Queue) waitForThreshold(poll context.Context) {
	for {
		q.mu.Lock()
		n := q.inFlight
		q.mu.Unlock()
		if n <= q.Options.NewBatchThreshold {
			return
		}
		select {
		case <-poll.Done():
			return
		case <-q.finished:
		}
	}
}

// seconds rounds a duration up to the whole seconds the service takes.
func seconds(d time.Duration) int32 {
	return int32((d + time.Second - 1) / time.Second)
}
