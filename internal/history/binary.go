package history

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// BinaryTag is the first byte of an event in its binary form. JSON text
// starts with '{' or white space, never with this byte, so a store that
// kept JSON blobs can tell the two forms apart and read both.
const BinaryTag = 0x02

// The binary form is BinaryTag, a presence mask (uvarint) of the fields
// below, EventType and EventID (varints), then each present field in bit
// order. It keeps every field of the Event, unlike the JSON form, which
// writes only those of the event's type. Times are Unix seconds (varint)
// and nanoseconds (uvarint) and come back in UTC; strings are a length
// (uvarint) and the bytes. Never renumber a bit: stored events use them.
const (
	binIsPlayed = 1 << iota
	binTimestamp
	binName
	binVersion
	binInput
	binResult
	binInstanceID
	binOrchestrationInstance
	binParentInstance
	binScheduledStartTime
	binTags
	binGeneration
	binOrchestrationStatus
	binTaskScheduledID
	binTimerID
	binFireAt
	binReason
	binDetails
	binFailureDetails
	binData
	binParentTraceContext
	binKnown = binParentTraceContext<<1 - 1
)

// maxFailureDepth bounds the nesting of inner failures a decoder follows,
// so that a corrupt blob cannot exhaust the stack.
const maxFailureDepth = 64

// AppendBinary appends e's binary form to dst. It is several times
// cheaper than MarshalJSON to write and to read back (DecodeBinary).
func AppendBinary(dst []byte, e *Event) []byte {
	var mask uint64
	set := func(bit uint64, present bool) {
		if present {
			mask |= bit
		}
	}
	set(binIsPlayed, e.IsPlayed)
	set(binTimestamp, !e.Timestamp.IsZero())
	set(binName, e.Name != "")
	set(binVersion, e.Version != "")
	set(binInput, e.Input != "")
	set(binResult, e.Result != "")
	set(binInstanceID, e.InstanceID != "")
	set(binOrchestrationInstance, e.OrchestrationInstance != nil)
	set(binParentInstance, e.ParentInstance != nil)
	set(binScheduledStartTime, e.ScheduledStartTime != nil)
	set(binTags, e.Tags != nil)
	set(binGeneration, e.Generation != 0)
	set(binOrchestrationStatus, e.OrchestrationStatus != 0)
	set(binTaskScheduledID, e.TaskScheduledID != 0)
	set(binTimerID, e.TimerID != 0)
	set(binFireAt, !e.FireAt.IsZero())
	set(binReason, e.Reason != "")
	set(binDetails, e.Details != "")
	set(binFailureDetails, e.FailureDetails != nil)
	set(binData, e.Data != "")
	set(binParentTraceContext, e.ParentTraceContext != nil)

	b := append(dst, BinaryTag)
	b = binary.AppendUvarint(b, mask)
	b = binary.AppendVarint(b, int64(e.EventType))
	b = binary.AppendVarint(b, int64(e.EventID))
	if mask&binTimestamp != 0 {
		b = appendTime(b, e.Timestamp)
	}
	for _, f := range [...]struct {
		bit uint64
		s   string
	}{{binName, e.Name}, {binVersion, e.Version}, {binInput, e.Input}, {binResult, e.Result}, {binInstanceID, e.InstanceID}} {
		if mask&f.bit != 0 {
			b = appendString(b, f.s)
		}
	}
	if oi := e.OrchestrationInstance; oi != nil {
		b = appendString(appendString(b, oi.InstanceID), oi.ExecutionID)
	}
	if p := e.ParentInstance; p != nil {
		b = appendString(appendString(b, p.Name), p.Version)
		b = binary.AppendVarint(b, int64(p.TaskScheduleID))
		b = appendBool(b, p.OrchestrationInstance != nil)
		if oi := p.OrchestrationInstance; oi != nil {
			b = appendString(appendString(b, oi.InstanceID), oi.ExecutionID)
		}
	}
	if e.ScheduledStartTime != nil {
		b = appendTime(b, *e.ScheduledStartTime)
	}
	if e.Tags != nil {
		b = appendTags(b, e.Tags)
	}
	for _, f := range [...]struct {
		bit uint64
		n   int
	}{{binGeneration, e.Generation}, {binOrchestrationStatus, int(e.OrchestrationStatus)}, {binTaskScheduledID, e.TaskScheduledID}, {binTimerID, e.TimerID}} {
		if mask&f.bit != 0 {
			b = binary.AppendVarint(b, int64(f.n))
		}
	}
	if mask&binFireAt != 0 {
		b = appendTime(b, e.FireAt)
	}
	if mask&binReason != 0 {
		b = appendString(b, e.Reason)
	}
	if mask&binDetails != 0 {
		b = appendString(b, e.Details)
	}
	if e.FailureDetails != nil {
		b = appendFailure(b, e.FailureDetails)
	}
	if mask&binData != 0 {
		b = appendString(b, e.Data)
	}
	if tc := e.ParentTraceContext; tc != nil {
		b = appendString(appendString(b, tc.TraceParent), tc.TraceState)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

func appendTime(b []byte, t time.Time) []byte {
	return binary.AppendUvarint(binary.AppendVarint(b, t.Unix()), uint64(t.Nanosecond()))
}

// appendTags writes the tags in key order, so that equal events encode
// to equal bytes.
func appendTags(b []byte, tags map[string]string) []byte {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		b = appendString(appendString(b, k), tags[k])
	}
	return b
}

func appendFailure(b []byte, f *FailureDetails) []byte {
	b = appendString(appendString(appendString(b, f.ErrorType), f.ErrorMessage), f.StackTrace)
	b = appendBool(appendBool(b, f.IsNonRetriable), f.InnerFailure != nil)
	if f.InnerFailure != nil {
		return appendFailure(b, f.InnerFailure)
	}
	return b
}

// ErrBadBinary is wrapped by DecodeBinary's errors.
var ErrBadBinary = errors.New("history: malformed binary event")

// DecodeBinary reads an event AppendBinary wrote. The event shares no
// memory with b.
func DecodeBinary(b []byte) (*Event, error) {
	if len(b) == 0 || b[0] != BinaryTag {
		return nil, fmt.Errorf("%w: no binary tag", ErrBadBinary)
	}
	r := binReader{b: b[1:]}
	e, err := r.event()
	if err == nil && len(r.b) != 0 {
		err = fmt.Errorf("%d bytes after the event", len(r.b))
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadBinary, err)
	}
	return e, nil
}

// binReader consumes a binary event; its first error sticks.
type binReader struct {
	b   []byte
	err error
}

var errShort = errors.New("truncated")

func (r *binReader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
	r.b = nil
}

func (r *binReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail(errShort)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *binReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail(errShort)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *binReader) int() int {
	v := r.varint()
	if v < math.MinInt || v > math.MaxInt {
		r.fail(errors.New("integer out of range"))
		return 0
	}
	return int(v)
}

func (r *binReader) string() string {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail(errShort)
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *binReader) bool() bool {
	if len(r.b) == 0 || r.b[0] > 1 {
		r.fail(errors.New("bad boolean"))
		return false
	}
	v := r.b[0] == 1
	r.b = r.b[1:]
	return v
}

func (r *binReader) time() time.Time {
	sec, ns := r.varint(), r.uvarint()
	if ns >= uint64(time.Second) {
		r.fail(errors.New("bad nanoseconds"))
		return time.Time{}
	}
	return time.Unix(sec, int64(ns)).UTC()
}

func (r *binReader) instance() *OrchestrationInstance {
	return &OrchestrationInstance{InstanceID: r.string(), ExecutionID: r.string()}
}
