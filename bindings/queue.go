package bindings

import "time"

// QueueMessage is a queue trigger invocation: the message text from Data
// and the message properties from Metadata. Absent properties are zero.
type QueueMessage struct {
	Text            string
	ID              string
	PopReceipt      string
	DequeueCount    int64
	InsertionTime   time.Time
	ExpirationTime  time.Time
	NextVisibleTime time.Time
}
