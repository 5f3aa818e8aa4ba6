package bindings

import (
	"encoding/json"
	"time"
)

// EventHubEvent is one Event Hubs event with its properties. Properties
// absent from the invocation are zero.
type EventHubEvent struct {
	// Body is the event body: the text the host sent, or the decoded bytes
	// when the binding has dataType "binary".
	Body             []byte
	EnqueuedTime     time.Time
	SequenceNumber   int64
	Offset           string
	PartitionKey     string
	Properties       map[string]json.RawMessage
	SystemProperties map[string]json.RawMessage
}

// EventHubPartitionContext identifies the partition the events came from.
type EventHubPartitionContext struct {
	ConsumerGroup           string
	EventHubName            string
	FullyQualifiedNamespace string
	PartitionID             string
}

// EventHubBatch is an Event Hubs trigger invocation: one event for
// cardinality "one", any number for "many".
type EventHubBatch struct {
	Events []EventHubEvent
	// Partition is nil when the host sent no PartitionContext.
	Partition *EventHubPartitionContext
}
