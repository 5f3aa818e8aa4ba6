package sqlite

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// Times are stored as Unix nanoseconds, 0 for the zero time.
func toNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// encodeEvent writes an event blob in the binary form (history.AppendBinary),
// several times cheaper than JSON to write and read. Blobs written as JSON
// before schema version 3 start with '{' and still decode.
func encodeEvent(e *history.Event) ([]byte, error) {
	return history.AppendBinary(make([]byte, 0, 64+len(e.Input)+len(e.Result)), e), nil
}

func decodeEvent(b []byte) (*history.Event, error) {
	if len(b) > 0 && b[0] == history.BinaryTag {
		e, err := history.DecodeBinary(b)
		if err != nil {
			return nil, fmt.Errorf("decode event: %w", err)
		}
		return e, nil
	}
	e := new(history.Event)
	if err := json.Unmarshal(b, e); err != nil {
		return nil, fmt.Errorf("decode event: %w", err)
	}
	return e, nil
}

// rowArgs are an instance row's column values, in the column order of
// instanceColumns.
type rowArgs [14]any

const instanceColumns = `id, execution_id, name, status, input, output, custom_status, failure,
	created_at, last_updated_at, completed_at, scheduled_start, parent_instance, parent_execution`

func encodeRow(inst *store.Instance) (rowArgs, error) {
	failure := ""
	if inst.Failure != nil {
		b, err := json.Marshal(inst.Failure)
		if err != nil {
			return rowArgs{}, fmt.Errorf("encode failure details: %w", err)
		}
		failure = string(b)
	}
	return rowArgs{inst.InstanceID, inst.ExecutionID, inst.Name, int(inst.Status), inst.Input, inst.Output,
		inst.CustomStatus, failure, toNanos(inst.CreatedAt), toNanos(inst.LastUpdatedAt), toNanos(inst.CompletedAt),
		toNanos(inst.ScheduledStart), inst.ParentInstance, inst.ParentExecution}, nil
}

type scanner interface{ Scan(dest ...any) error }

func scanRow(sc scanner) (*store.Instance, error) {
	var (
		inst                                   store.Instance
		status                                 int
		failure                                string
		created, updated, completed, scheduled int64
	)
	err := sc.Scan(&inst.InstanceID, &inst.ExecutionID, &inst.Name, &status, &inst.Input, &inst.Output,
		&inst.CustomStatus, &failure, &created, &updated, &completed, &scheduled, &inst.ParentInstance, &inst.ParentExecution)
	if err != nil {
		return nil, err
	}
	inst.Status = history.RuntimeStatus(status)
	inst.CreatedAt, inst.LastUpdatedAt = fromNanos(created), fromNanos(updated)
	inst.CompletedAt, inst.ScheduledStart = fromNanos(completed), fromNanos(scheduled)
	if failure != "" {
		inst.Failure = new(history.FailureDetails)
		if err := json.Unmarshal([]byte(failure), inst.Failure); err != nil {
			return nil, fmt.Errorf("decode failure details of instance %q: %w", inst.InstanceID, err)
		}
	}
	return &inst, nil
}
