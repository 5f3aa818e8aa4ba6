package hostemu

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"time"

	"github.com/godurable/durablefunctions/internal/funcapp"
)

// InvokeQueue delivers message to the queue-triggered function fn as its
// dequeueCount-th delivery (1 for the first).
func (h *Host) InvokeQueue(ctx context.Context, fn, message string, dequeueCount int) (*funcapp.InvocationResponse, error) {
	f, err := h.function(fn)
	if err != nil {
		return nil, err
	}
	if err := h.requireKind(f, funcapp.KindQueue); err != nil {
		return nil, err
	}
	if dequeueCount < 1 {
		return nil, fmt.Errorf("hostemu: dequeueCount must be at least 1, got %d", dequeueCount)
	}
	now := h.Now()
	id := h.NewID()
	data := h.InputValues(f)
	data[f.Trigger.Name] = textOrBytes(f.Trigger, message)
	metadata := map[string]any{
		"QueueTrigger":    message, // dropped like every key ending in "trigger"
		"DequeueCount":    int64(dequeueCount),
		"Id":              id,
		"PopReceipt":      base64.StdEncoding.EncodeToString([]byte(id)),
		"InsertionTime":   dateTimeOffset(now),
		"ExpirationTime":  dateTimeOffset(now.Add(7 * 24 * time.Hour)),
		"NextVisibleTime": dateTimeOffset(now.Add(10 * time.Minute)),
	}
	return h.invoke(ctx, f, data, metadata)
}

// InvokeEventHub delivers events to the Event Hubs-triggered function fn.
// With cardinality "many" all events go in one invocation; with "one"
// each event is its own invocation, in order. It returns one reply per
// invocation and stops at the first error.
func (h *Host) InvokeEventHub(ctx context.Context, fn string, events [][]byte) ([]*funcapp.InvocationResponse, error) {
	f, err := h.function(fn)
	if err != nil {
		return nil, err
	}
	if err := h.requireKind(f, funcapp.KindEventHub); err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return nil, fmt.Errorf("hostemu: no events to deliver")
	}
	partition := map[string]any{
		"FullyQualifiedNamespace": "hostemu.servicebus.windows.net",
		"EventHubName":            f.Trigger.EventHubName(),
		"ConsumerGroup":           f.Trigger.ConsumerGroup(),
		"PartitionId":             "0",
	}
	binary := f.Trigger.DataType == "binary"
	if f.Trigger.Cardinality() != "many" {
		var replies []*funcapp.InvocationResponse
		for _, ev := range events {
			now, seq := h.Now(), h.nextSequence()
			data := h.InputValues(f)
			if binary {
				data[f.Trigger.Name] = ev
			} else {
				data[f.Trigger.Name] = string(ev)
			}
			metadata := map[string]any{
				"PartitionContext": partition,
				"EnqueuedTimeUtc":  dateTime(now),
				"SequenceNumber":   seq,
				"Offset":           strconv.FormatInt(seq*64, 10),
				"PartitionKey":     nil,
				"Properties":       map[string]any{},
				"SystemProperties": systemProperties(now, seq),
			}
			resp, err := h.invoke(ctx, f, data, metadata)
			replies = append(replies, resp)
			if err != nil {
				return replies, err
			}
		}
		return replies, nil
	}
	n := len(events)
	var (
		times   = make([]string, n)
		seqs    = make([]int64, n)
		offsets = make([]string, n)
		keys    = make([]any, n)
		props   = make([]map[string]any, n)
		sysProp = make([]map[string]any, n)
		texts   = make([]string, n)
	)
	now := h.Now()
	for i, ev := range events {
		seqs[i] = h.nextSequence()
		times[i] = funcapp.FormatHostTime(now)
		offsets[i] = strconv.FormatInt(seqs[i]*64, 10)
		props[i] = map[string]any{}
		sysProp[i] = systemProperties(now, seqs[i])
		if binary {
			texts[i] = base64.StdEncoding.EncodeToString(ev)
		} else {
			texts[i] = string(ev)
		}
	}
	data := h.InputValues(f)
	data[f.Trigger.Name] = texts
	metadata := map[string]any{
		"PartitionContext":      partition,
		"EnqueuedTimeUtcArray":  times,
		"SequenceNumberArray":   seqs,
		"OffsetArray":           offsets,
		"PartitionKeyArray":     keys,
		"PropertiesArray":       props,
		"SystemPropertiesArray": sysProp,
	}
	resp, err := h.invoke(ctx, f, data, metadata)
	return []*funcapp.InvocationResponse{resp}, err
}

func systemProperties(enqueued time.Time, seq int64) map[string]any {
	return map[string]any{
		"x-opt-sequence-number": seq,
		"x-opt-offset":          strconv.FormatInt(seq*64, 10),
		"x-opt-enqueued-time":   funcapp.FormatHostTime(enqueued),
	}
}

// InvokeTimer fires the timer-triggered function fn once, on schedule.
func (h *Host) InvokeTimer(ctx context.Context, fn string) (*funcapp.InvocationResponse, error) {
	f, err := h.function(fn)
	if err != nil {
		return nil, err
	}
	if err := h.requireKind(f, funcapp.KindTimer); err != nil {
		return nil, err
	}
	now := h.Now()
	info, err := marshal(map[string]any{
		"Schedule": map[string]any{"AdjustForDST": true},
		"ScheduleStatus": map[string]any{
			"Last":        funcapp.FormatHostTimeOffset(now),
			"Next":        funcapp.FormatHostTimeOffset(now.Add(5 * time.Minute)),
			"LastUpdated": funcapp.FormatHostTimeOffset(now),
		},
		"IsPastDue": false,
	})
	if err != nil {
		return nil, fmt.Errorf("hostemu: %w", err)
	}
	data := h.InputValues(f)
	data[f.Trigger.Name] = object(info)
	return h.invoke(ctx, f, data, nil)
}

// InputValues returns the Data values of f's non-trigger input bindings
// that the emulator can supply (durable client bindings), for callers that
// build an invocation of their own (an activity's, say).
func (h *Host) InputValues(f *funcapp.Function) map[string]any {
	data := map[string]any{}
	for _, b := range f.Inputs() {
		if b.IsDurableClient() {
			data[b.Name] = h.durableClientValue()
		}
	}
	return data
}

// durableClientValue is the durable client binding value (a JSON text)
// with the shape the Durable Functions extension gives it.
func (h *Host) durableClientValue() string {
	base := h.Origin + "/runtime/webhooks/durabletask"
	if h.RPCBaseURL != "" {
		b, _ := marshal(map[string]any{
			"taskHubName": h.App.Host.DurableTask.HubName, "connectionName": "Storage",
			"rpcBaseUrl": h.RPCBaseURL, "httpBaseUrl": base,
			"requiredQueryStringParameters": "code=systemkey", "maxGrpcMessageSizeInBytes": 4 << 20,
		})
		return string(b)
	}
	inst := base + "/instances/INSTANCEID"
	b, _ := marshal(map[string]any{
		"taskHubName": h.App.Host.DurableTask.HubName,
		"creationUrls": map[string]string{
			"createNewInstancePostUri":          base + "/orchestrators/{functionName}[/{instanceId}]",
			"createAndWaitOnNewInstancePostUri": base + "/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}",
		},
		"managementUrls": map[string]string{
			"id":                    "INSTANCEID",
			"statusQueryGetUri":     inst,
			"sendEventPostUri":      inst + "/raiseEvent/{eventName}",
			"terminatePostUri":      inst + "/terminate?reason={text}",
			"rewindPostUri":         inst + "/rewind?reason={text}",
			"purgeHistoryDeleteUri": inst,
			"restartPostUri":        inst + "/restart",
			"suspendPostUri":        inst + "/suspend?reason={text}",
			"resumePostUri":         inst + "/resume?reason={text}",
		},
		"baseUrl":                       base,
		"requiredQueryStringParameters": "",
		"rpcBaseUrl":                    nil,
	})
	return string(b)
}

// textOrBytes returns a trigger value as the host binds it: bytes for
// dataType "binary", text otherwise.
func textOrBytes(b *funcapp.Binding, s string) any {
	if b.DataType == "binary" {
		return []byte(s)
	}
	return s
}

func (h *Host) nextSequence() int64 { return h.seq.Add(1) }
