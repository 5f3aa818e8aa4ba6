package funcapp

import (
	"fmt"

	"github.com/godurable/durablefunctions/bindings"
)

// DecodeQueueMessage decodes the queue trigger bound to name.
func DecodeQueueMessage(req *InvocationRequest, name string) (*bindings.QueueMessage, error) {
	raw, ok := req.Value(name)
	if !ok {
		return nil, fmt.Errorf("queue trigger: invocation has no Data[%q]", name)
	}
	text, err := DecodeString(raw)
	if err != nil {
		return nil, fmt.Errorf("queue trigger: Data[%q]: %w", name, err)
	}
	msg := &bindings.QueueMessage{Text: text}
	if req.Metadata == nil {
		return msg, nil
	}
	m := req.Metadata
	var errs []error
	msg.ID, _, err = metaString(m, "Id")
	errs = append(errs, err)
	msg.PopReceipt, _, err = metaString(m, "PopReceipt")
	errs = append(errs, err)
	msg.DequeueCount, _, err = metaInt(m, "DequeueCount")
	errs = append(errs, err)
	msg.InsertionTime, _, err = metaTime(m, "InsertionTime")
	errs = append(errs, err)
	msg.ExpirationTime, _, err = metaTime(m, "ExpirationTime")
	errs = append(errs, err)
	msg.NextVisibleTime, _, err = metaTime(m, "NextVisibleTime")
	errs = append(errs, err)
	if err := firstErr(errs); err != nil {
		return nil, fmt.Errorf("queue trigger: Metadata.%w", err)
	}
	return msg, nil
}
