package history

import "fmt"

// event reads the fields AppendBinary wrote, in its order.
func (r *binReader) event() (*Event, error) {
	mask := r.uvarint()
	if mask&^uint64(binKnown) != 0 {
		return nil, fmt.Errorf("unknown fields %#x", mask&^uint64(binKnown))
	}
	e := &Event{EventType: EventType(r.int()), EventID: r.int(), IsPlayed: mask&binIsPlayed != 0}
	has := func(bit uint64) bool { return mask&bit != 0 && r.err == nil }
	if has(binTimestamp) {
		e.Timestamp = r.time()
	}
	for _, f := range [...]struct {
		bit uint64
		dst *string
	}{{binName, &e.Name}, {binVersion, &e.Version}, {binInput, &e.Input}, {binResult, &e.Result}, {binInstanceID, &e.InstanceID}} {
		if has(f.bit) {
			*f.dst = r.string()
		}
	}
	if has(binOrchestrationInstance) {
		e.OrchestrationInstance = r.instance()
	}
	if has(binParentInstance) {
		p := &ParentInstance{Name: r.string(), Version: r.string(), TaskScheduleID: r.int()}
		if r.bool() {
			p.OrchestrationInstance = r.instance()
		}
		e.ParentInstance = p
	}
	if has(binScheduledStartTime) {
		t := r.time()
		e.ScheduledStartTime = &t
	}
	if has(binTags) {
		e.Tags = r.tags()
	}
	var status int
	for _, f := range [...]struct {
		bit uint64
		dst *int
	}{{binGeneration, &e.Generation}, {binOrchestrationStatus, &status}, {binTaskScheduledID, &e.TaskScheduledID}, {binTimerID, &e.TimerID}} {
		if has(f.bit) {
			*f.dst = r.int()
		}
	}
	e.OrchestrationStatus = RuntimeStatus(status)
	if has(binFireAt) {
		e.FireAt = r.time()
	}
	if has(binReason) {
		e.Reason = r.string()
	}
	if has(binDetails) {
		e.Details = r.string()
	}
	if has(binFailureDetails) {
		e.FailureDetails = r.failure(0)
	}
	if has(binData) {
		e.Data = r.string()
	}
	if has(binParentTraceContext) {
		e.ParentTraceContext = &TraceContext{TraceParent: r.string(), TraceState: r.string()}
	}
	if r.err != nil {
		return nil, r.err
	}
	if !e.EventType.Valid() {
		return nil, fmt.Errorf("unknown EventType %d", int(e.EventType))
	}
	return e, nil
}

func (r *binReader) tags() map[string]string {
	n := r.uvarint()
	if n > uint64(len(r.b)) { // each tag takes at least two bytes
		r.fail(errShort)
		return nil
	}
	tags := make(map[string]string, n)
	for range n {
		k := r.string()
		tags[k] = r.string()
	}
	return tags
}

func (r *binReader) failure(depth int) *FailureDetails {
	if depth >= maxFailureDepth {
		r.fail(fmt.Errorf("inner failures nested deeper than %d", maxFailureDepth))
		return nil
	}
	f := &FailureDetails{ErrorType: r.string(), ErrorMessage: r.string(), StackTrace: r.string()}
	f.IsNonRetriable = r.bool()
	if r.bool() && r.err == nil {
		f.InnerFailure = r.failure(depth + 1)
	}
	return f
}
