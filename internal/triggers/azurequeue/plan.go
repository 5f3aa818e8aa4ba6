package azurequeue

import (
	"context"
	"errors"
	"fmt"
	"runtime"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"

	"github.com/godurable/durablefunctions/internal/funcapp"
	"github.com/godurable/durablefunctions/internal/provider"
	"github.com/godurable/durablefunctions/internal/store"
)

// Plan prepares the poller of one queue-triggered function (the
// provider.PlanQueue of azurestore.Provider). A connection whose settings
// are all empty is not an error: the queue is then not polled, and how
// says so.
func Plan(r provider.QueueRequest) (run func(poll, work context.Context), how string, err error) {
	svc, where, err := QueueService(r.Connection, r.Setting, nil)
	if errors.Is(err, ErrNoConnection) {
		return nil, fmt.Sprintf("queue %q: not polled: %v", r.Queue, err), nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("queue trigger connection: %w", err)
	}
	var poison *azqueue.QueueClient
	if p := PoisonQueueName(r.Queue); p != "" {
		poison = svc.NewQueueClient(p)
	}
	q := &Queue{Name: r.Function, Client: svc.NewQueueClient(r.Queue), Poison: poison, Options: OptionsFrom(r.Options),
		Clock: store.SystemClock{}, Logger: r.Logger, Invoke: r.Invoke}
	return q.Run, fmt.Sprintf("queue %q: polled through the %s", r.Queue, where), nil
}

// OptionsFrom is host.json's extensions.queues with the host's defaults.
func OptionsFrom(c funcapp.QueuesConfig) QueueOptions {
	o := DefaultQueueOptions()
	if c.BatchSize > 0 {
		o.BatchSize = c.BatchSize
	}
	o.NewBatchThreshold = o.BatchSize / 2 * runtime.NumCPU()
	if c.NewBatchThreshold >= 0 {
		o.NewBatchThreshold = c.NewBatchThreshold
	}
	if c.MaxPollingInterval > 0 {
		o.MaxPollingInterval = c.MaxPollingInterval
	}
	if c.MaxDequeueCount > 0 {
		o.MaxDequeueCount = c.MaxDequeueCount
	}
	o.VisibilityTimeout = c.VisibilityTimeout
	o.Base64 = c.MessageEncoding != "none"
	return o
}
