package store

import (
	"context"
	"time"
)

// QueueDepther is an optional Store capability: it tells how much work is
// waiting in the store, for the queue-depth gauges of package telemetry.
// Implementations answer from what the store keeps anyway (a queue table,
// the lengths of its sorted sets, a queue service's approximate count),
// never by reading every instance, since the gauges are read periodically
// while the store is busy.
type QueueDepther interface {
	QueueDepth(ctx context.Context) ([]QueueDepth, error)
}

// Queue names a kind of waiting work in a QueueDepth.
type Queue string

const (
	// QueueOrchestrations is messages for orchestration instances.
	QueueOrchestrations Queue = "orchestration"
	// QueueEntities is messages for entities.
	QueueEntities Queue = "entity"
	// QueueActivities is activity requests.
	QueueActivities Queue = "activity"
	// QueueControl is messages for orchestrations and entities together,
	// from a store that keeps both in the same queues (Azure Storage's
	// control queues).
	QueueControl Queue = "control"
)

// Unknown marks a count a store cannot give cheaply.
const Unknown = -1

// QueueDepth is the work waiting in one of a store's queues.
type QueueDepth struct {
	Queue Queue
	// Messages is the number of messages (activity requests, for
	// QueueActivities) waiting, or Unknown. Which ones count is the
	// store's to say: due ones only, or also those that become visible
	// later (timers); the store's documentation says which.
	Messages int64
	// Instances is the number of instances with messages due now, or
	// Unknown (and for QueueActivities, where it has no meaning).
	Instances int64
	// Oldest is when the oldest waiting message became visible; zero when
	// nothing is waiting or the store cannot tell.
	Oldest time.Time
}
