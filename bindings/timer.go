package bindings

import (
	"encoding/json"
	"time"
)

// TimerInfo is a timer trigger value (the host's TimerInfo object).
type TimerInfo struct {
	// Schedule is the host's description of the schedule, unparsed.
	Schedule json.RawMessage
	// ScheduleStatus is nil when the host has no stored status yet.
	ScheduleStatus *TimerScheduleStatus
	// IsPastDue is true when the invocation is later than scheduled.
	IsPastDue bool
}

// TimerScheduleStatus is the last and next occurrence of a timer.
type TimerScheduleStatus struct {
	Last        time.Time
	Next        time.Time
	LastUpdated time.Time
}
