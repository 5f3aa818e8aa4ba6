package funcapp

import (
	"encoding/json"
	"fmt"

	"github.com/godurable/durablefunctions/bindings"
)

// DecodeTimer decodes a timer trigger value from Data.
func DecodeTimer(raw json.RawMessage) (*bindings.TimerInfo, error) {
	obj, err := decodeObject(raw)
	if err != nil {
		return nil, fmt.Errorf("timer trigger: %w", err)
	}
	if obj == nil {
		return nil, fmt.Errorf("timer trigger: value is null")
	}
	info := &bindings.TimerInfo{}
	if s, ok := lookupRaw(obj, "Schedule"); ok && string(s) != "null" {
		if info.Schedule, err = normalizeJSON(s); err != nil {
			return nil, fmt.Errorf("timer trigger: Schedule: %w", err)
		}
	}
	if p, ok := lookupRaw(obj, "IsPastDue"); ok && string(p) != "null" {
		text, err := jsonText(p)
		switch {
		case err == nil && (text == "true" || text == "True"):
			info.IsPastDue = true
		case err == nil && (text == "false" || text == "False"):
		default:
			return nil, fmt.Errorf("timer trigger: IsPastDue: want true or false, got %s", truncate(p))
		}
	}
	if st, ok := lookupRaw(obj, "ScheduleStatus"); ok {
		m, err := decodeObject(st)
		if err != nil {
			return nil, fmt.Errorf("timer trigger: ScheduleStatus: %w", err)
		}
		if m != nil {
			status := &bindings.TimerScheduleStatus{}
			var errs []error
			status.Last, _, err = metaTime(m, "Last")
			errs = append(errs, err)
			status.Next, _, err = metaTime(m, "Next")
			errs = append(errs, err)
			status.LastUpdated, _, err = metaTime(m, "LastUpdated")
			errs = append(errs, err)
			if err := firstErr(errs); err != nil {
				return nil, fmt.Errorf("timer trigger: ScheduleStatus.%w", err)
			}
			info.ScheduleStatus = status
		}
	}
	return info, nil
}
