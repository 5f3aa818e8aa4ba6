package azurestorage

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// History and Instances rows follow the Durable Task Framework's column
// conventions: one column per event field, EventType as the enum name,
// Timestamp renamed _Timestamp, nested objects as JSON strings, large
// strings offloaded to blobs with a {Prop}BlobName column.

const edmDateTime = "Edm.DateTime"

// jsonColumns hold nested objects, stored as JSON text.
var jsonColumns = map[string]bool{
	"OrchestrationInstance": true, "ParentInstance": true, "Tags": true, "FailureDetails": true,
}

// dateColumns are DateTime columns of event rows.
var dateColumns = map[string]bool{"FireAt": true, "ScheduledStartTime": true}

// largeColumns may be offloaded to blobs.
var largeColumns = []string{"Name", "Input", "Result", "Output", "Reason", "Details", "FailureDetails", "Tags", "Data", "CustomStatus", "Instance", "Consumed"}

func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.0000000Z") }

func setTime(m map[string]any, col string, t time.Time) {
	if t.IsZero() {
		return
	}
	m[col] = t.UTC().Format(time.RFC3339Nano)
	m[col+"@odata.type"] = edmDateTime
}

func getTime(m map[string]any, col string) time.Time {
	s, _ := m[col].(string)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

func getString(m map[string]any, col string) string {
	s, _ := m[col].(string)
	return s
}

func getInt(m map[string]any, col string) int {
	switch v := m[col].(type) {
	case float64:
		return int(v)
	case json.Number:
		n, _ := v.Int64()
		return int(n)
	case string:
		var n int
		fmt.Sscan(v, &n)
		return n
	}
	return 0
}

func getBool(m map[string]any, col string) bool { b, _ := m[col].(bool); return b }

// eventToEntity converts an event to the columns of its History row.
func eventToEntity(e *history.Event) (map[string]any, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	var w map[string]any
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, err
	}
	m := map[string]any{}
	for k, v := range w {
		switch {
		case k == "EventType":
			m[k] = e.EventType.String()
		case k == "Timestamp":
			setTime(m, "_Timestamp", e.Timestamp)
		case k == "FireAt":
			setTime(m, k, e.FireAt)
		case k == "ScheduledStartTime":
			if e.ScheduledStartTime != nil {
				setTime(m, k, *e.ScheduledStartTime)
			}
		case jsonColumns[k]:
			jb, err := json.Marshal(v)
			if err != nil {
				return nil, err
			}
			m[k] = string(jb)
		default:
			m[k] = v
		}
	}
	return m, nil
}

// entityToEvent inverts eventToEntity; large columns must already be
// restored.
func entityToEvent(m map[string]any) (*history.Event, error) {
	w := map[string]any{}
	for k, v := range m {
		switch {
		case strings.Contains(k, "@odata") || strings.HasSuffix(k, "BlobName"):
		case k == "PartitionKey" || k == "RowKey" || k == "Timestamp" || k == "ExecutionId":
		case k == "EventType":
			name, _ := v.(string)
			t, ok := eventTypeByName[name]
			if !ok {
				return nil, fmt.Errorf("unknown EventType %q", name)
			}
			w[k] = int(t)
		case k == "_Timestamp":
			w["Timestamp"] = getTime(m, k)
		case dateColumns[k]:
			w[k] = getTime(m, k)
		case jsonColumns[k]:
			s, _ := v.(string)
			if s != "" {
				w[k] = json.RawMessage(s)
			}
		default:
			w[k] = v
		}
	}
	b, err := json.Marshal(w)
	if err != nil {
		return nil, err
	}
	var e history.Event
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

var eventTypeByName = func() map[string]history.EventType {
	m := map[string]history.EventType{}
	for t := history.ExecutionStarted; t.Valid(); t++ {
		m[t.String()] = t
	}
	return m
}()

// instanceToEntity returns the Instances row columns for inst.
func (s *Store) instanceToEntity(inst *store.Instance, token string) map[string]any {
	m := map[string]any{
		"PartitionKey":  EscapeKey(inst.InstanceID),
		"RowKey":        "",
		"Name":          inst.Name,
		"Version":       "",
		"Input":         inst.Input,
		"Output":        inst.Output,
		"CustomStatus":  inst.CustomStatus,
		"RuntimeStatus": inst.Status.String(),
		"ExecutionId":   inst.ExecutionID,
		"TaskHubName":   s.cfg.HubName,
		"Generation":    0,
	}
	setTime(m, "CreatedTime", inst.CreatedAt)
	setTime(m, "LastUpdatedTime", inst.LastUpdatedAt)
	setTime(m, "CompletedTime", inst.CompletedAt)
	setTime(m, "ScheduledStartTime", inst.ScheduledStart)
	if inst.Failure != nil {
		b, _ := json.Marshal(inst.Failure)
		m["FailureDetails"] = string(b)
	}
	if inst.ParentInstance != "" {
		m["ParentInstanceId"] = inst.ParentInstance
		m["ParentExecutionId"] = inst.ParentExecution
	}
	if token != "" {
		m["CheckpointToken"] = token
	}
	return m
}

// entityToInstance inverts instanceToEntity; large columns must already be
// restored.
func entityToInstance(m map[string]any) *store.Instance {
	inst := &store.Instance{
		InstanceID:      UnescapeKey(getString(m, "PartitionKey")),
		ExecutionID:     getString(m, "ExecutionId"),
		Name:            getString(m, "Name"),
		Input:           getString(m, "Input"),
		Output:          getString(m, "Output"),
		CustomStatus:    getString(m, "CustomStatus"),
		CreatedAt:       getTime(m, "CreatedTime"),
		LastUpdatedAt:   getTime(m, "LastUpdatedTime"),
		CompletedAt:     getTime(m, "CompletedTime"),
		ScheduledStart:  getTime(m, "ScheduledStartTime"),
		ParentInstance:  getString(m, "ParentInstanceId"),
		ParentExecution: getString(m, "ParentExecutionId"),
	}
	if st, err := history.ParseRuntimeStatus(getString(m, "RuntimeStatus")); err == nil {
		inst.Status = st
	} else {
		inst.Status = history.StatusUnknown
	}
	if f := getString(m, "FailureDetails"); f != "" {
		var fd history.FailureDetails
		if json.Unmarshal([]byte(f), &fd) == nil {
			inst.Failure = &fd
		}
	}
	return inst
}

// offloadLarge moves oversized string columns of an entity to gzip blobs
// under prefix (e.g. "{pk}/history-{rk}-{EventType}-"), replacing the
// column by "" (or, when urlInColumn, the blob URL) plus a {Col}BlobName
// column.
func (s *Store) offloadLarge(ctx context.Context, m map[string]any, prefix string, urlInColumn bool) error {
	for _, col := range largeColumns {
		v, ok := m[col].(string)
		if !ok || !tooLargeForTable(v) {
			continue
		}
		name := prefix + randHex8() + "-" + col + ".json.gz"
		gz, err := gzipBytes([]byte(v))
		if err != nil {
			return err
		}
		if err := s.putBlob(ctx, name, gz); err != nil {
			return fmt.Errorf("offload %s: %w", col, err)
		}
		m[col] = ""
		if urlInColumn {
			m[col] = s.large.URL() + "/" + name
		}
		m[col+"BlobName"] = name
	}
	return nil
}

// restoreLarge downloads the blobs named by {Col}BlobName columns back
// into their columns.
func (s *Store) restoreLarge(ctx context.Context, m map[string]any) error {
	for k, v := range m {
		if !strings.HasSuffix(k, "BlobName") || strings.Contains(k, "@") {
			continue
		}
		name, _ := v.(string)
		if name == "" {
			continue
		}
		gz, err := s.getBlob(ctx, name)
		if err != nil {
			return fmt.Errorf("restore %s: %w", k, err)
		}
		b, err := gunzipBytes(gz)
		if err != nil {
			return fmt.Errorf("restore %s: %w", k, err)
		}
		m[strings.TrimSuffix(k, "BlobName")] = string(b)
	}
	return nil
}
