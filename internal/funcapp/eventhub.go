package funcapp

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/godurable/durablefunctions/bindings"
)

// DecodeEventHub decodes the Event Hubs trigger b (its name, cardinality
// and dataType decide the shape).
func DecodeEventHub(req *InvocationRequest, b *Binding) (*bindings.EventHubBatch, error) {
	raw, ok := req.Value(b.Name)
	if !ok {
		return nil, fmt.Errorf("event hub trigger: invocation has no Data[%q]", b.Name)
	}
	binary := b.DataType == "binary"
	batch := &bindings.EventHubBatch{}
	var err error
	if b.Cardinality() == "many" {
		batch.Events, err = decodeEventBatch(req, raw, binary)
	} else {
		var ev bindings.EventHubEvent
		ev, err = decodeSingleEvent(req, raw, binary)
		batch.Events = []bindings.EventHubEvent{ev}
	}
	if err != nil {
		return nil, fmt.Errorf("event hub trigger: %w", err)
	}
	if pc, ok := req.Meta("PartitionContext"); ok {
		batch.Partition, err = decodePartitionContext(pc)
		if err != nil {
			return nil, fmt.Errorf("event hub trigger: Metadata.PartitionContext: %w", err)
		}
	}
	return batch, nil
}

func decodeSingleEvent(req *InvocationRequest, raw json.RawMessage, binary bool) (bindings.EventHubEvent, error) {
	var ev bindings.EventHubEvent
	var err error
	if binary {
		ev.Body, err = eventBody(raw, true)
	} else {
		var s string
		s, err = DecodeString(raw)
		ev.Body = []byte(s)
	}
	if err != nil {
		return ev, fmt.Errorf("Data: %w", err)
	}
	m := req.Metadata
	var errs []error
	ev.EnqueuedTime, _, err = metaTime(m, "EnqueuedTimeUtc")
	errs = append(errs, err)
	ev.SequenceNumber, _, err = metaInt(m, "SequenceNumber")
	errs = append(errs, err)
	ev.Offset, _, err = metaString(m, "Offset")
	errs = append(errs, err)
	ev.PartitionKey, _, err = metaString(m, "PartitionKey")
	errs = append(errs, err)
	ev.Properties, err = metaObject(m, "Properties")
	errs = append(errs, err)
	ev.SystemProperties, err = metaObject(m, "SystemProperties")
	errs = append(errs, err)
	if err := firstErr(errs); err != nil {
		return ev, fmt.Errorf("Metadata.%w", err)
	}
	return ev, nil
}

func decodeEventBatch(req *InvocationRequest, raw json.RawMessage, binary bool) ([]bindings.EventHubEvent, error) {
	items, err := decodeArray(raw)
	if err != nil {
		return nil, fmt.Errorf("Data: cardinality is \"many\" so the value must be an array of events: %w", err)
	}
	events := make([]bindings.EventHubEvent, len(items))
	for i, it := range items {
		if events[i].Body, err = eventBody(it, binary); err != nil {
			return nil, fmt.Errorf("Data[%d]: %w", i, err)
		}
	}
	perEvent := []struct {
		key string
		set func(ev *bindings.EventHubEvent, v json.RawMessage) error
	}{
		{"EnqueuedTimeUtcArray", func(ev *bindings.EventHubEvent, v json.RawMessage) (err error) {
			ev.EnqueuedTime, err = jsonTime(v)
			return err
		}},
		{"SequenceNumberArray", func(ev *bindings.EventHubEvent, v json.RawMessage) (err error) {
			ev.SequenceNumber, err = jsonInt(v)
			return err
		}},
		{"OffsetArray", func(ev *bindings.EventHubEvent, v json.RawMessage) (err error) {
			ev.Offset, err = jsonText(v)
			return err
		}},
		{"PartitionKeyArray", func(ev *bindings.EventHubEvent, v json.RawMessage) (err error) {
			ev.PartitionKey, err = jsonText(v)
			return err
		}},
		{"PropertiesArray", func(ev *bindings.EventHubEvent, v json.RawMessage) (err error) {
			ev.Properties, err = decodeObject(v)
			return err
		}},
		{"SystemPropertiesArray", func(ev *bindings.EventHubEvent, v json.RawMessage) (err error) {
			ev.SystemProperties, err = decodeObject(v)
			return err
		}},
	}
	for _, pe := range perEvent {
		rawArr, ok := req.Meta(pe.key)
		if !ok {
			continue
		}
		vals, err := decodeArray(rawArr)
		if err != nil {
			return nil, fmt.Errorf("Metadata.%s: %w", pe.key, err)
		}
		if vals == nil {
			continue
		}
		if len(vals) != len(events) {
			return nil, fmt.Errorf("Metadata.%s has %d entries for %d events", pe.key, len(vals), len(events))
		}
		for i, v := range vals {
			if err := pe.set(&events[i], v); err != nil {
				return nil, fmt.Errorf("Metadata.%s[%d]: %w", pe.key, i, err)
			}
		}
	}
	return events, nil
}

// eventBody decodes one event of a batch: a JSON string is the body text
// (base64 when binary); any other JSON value is the body as JSON.
func eventBody(raw json.RawMessage, binary bool) ([]byte, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || !json.Valid(raw) {
		return nil, fmt.Errorf("invalid JSON value %s", truncate(raw))
	}
	if raw[0] != '"' {
		if string(raw) == "null" {
			return nil, nil
		}
		return append([]byte(nil), raw...), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	if !binary {
		return []byte(s), nil
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("dataType is binary but the body is not base64: %w", err)
	}
	return b, nil
}

func metaObject(m map[string]json.RawMessage, key string) (map[string]json.RawMessage, error) {
	raw, ok := lookupRaw(m, key)
	if !ok {
		return nil, nil
	}
	obj, err := decodeObject(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return obj, nil
}

func decodePartitionContext(raw json.RawMessage) (*bindings.EventHubPartitionContext, error) {
	m, err := decodeObject(raw)
	if err != nil || m == nil {
		return nil, err
	}
	pc := &bindings.EventHubPartitionContext{}
	var errs []error
	pc.ConsumerGroup, _, err = metaString(m, "ConsumerGroup")
	errs = append(errs, err)
	pc.EventHubName, _, err = metaString(m, "EventHubName")
	errs = append(errs, err)
	pc.FullyQualifiedNamespace, _, err = metaString(m, "FullyQualifiedNamespace")
	errs = append(errs, err)
	pc.PartitionID, _, err = metaString(m, "PartitionId")
	errs = append(errs, err)
	return pc, firstErr(errs)
}
