package redis

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// Values are stored as strings: events in their binary form (below),
// message and activity bodies as length-prefixed fields, rows as packed
// fields plus the payloads in hash fields of their own, so that list
// queries can leave the payloads behind. Scripts never parse bodies; they
// only move them.

var errCorrupt = errors.New("redis store: corrupt value")

// pack joins fields as "len:field" pairs.
func pack(fields ...string) string {
	n := 0
	for _, f := range fields {
		n += len(f) + 8
	}
	var b strings.Builder
	b.Grow(n)
	for _, f := range fields {
		b.WriteString(strconv.Itoa(len(f)))
		b.WriteByte(':')
		b.WriteString(f)
	}
	return b.String()
}

// unpack splits what pack joined into exactly n fields.
func unpack(s string, n int) ([]string, error) {
	out := make([]string, 0, n)
	for len(out) < n {
		i := strings.IndexByte(s, ':')
		if i <= 0 {
			return nil, errCorrupt
		}
		l, err := strconv.Atoi(s[:i])
		if err != nil || l < 0 || i+1+l > len(s) {
			return nil, errCorrupt
		}
		out = append(out, s[i+1:i+1+l])
		s = s[i+1+l:]
	}
	if s != "" {
		return nil, errCorrupt
	}
	return out, nil
}

// Events are stored in the binary form (history.AppendBinary): several
// times cheaper than JSON to write and to read, and shallow, so that a
// fresh goroutine (a client's StartNew) does not grow its stack to encode
// one. Events stored as JSON by earlier versions start with '{' and still
// decode; scripts never parse events, they only move them.
func encodeEvent(e *history.Event) (string, error) {
	return string(history.AppendBinary(make([]byte, 0, encodedSize(e)), e)), nil
}

// encodedSize is room for e's binary form, so that encoding allocates
// once: the strings it has plus room for the numbers, times and lengths.
func encodedSize(e *history.Event) int {
	n := 96 + len(e.Name) + len(e.Version) + len(e.Input) + len(e.Result) + len(e.InstanceID) +
		len(e.Reason) + len(e.Details) + len(e.Data)
	if o := e.OrchestrationInstance; o != nil {
		n += len(o.InstanceID) + len(o.ExecutionID)
	}
	return n
}

func decodeEvent(s string) (*history.Event, error) {
	if len(s) > 0 && s[0] == history.BinaryTag {
		e, err := history.DecodeBinary([]byte(s))
		if err != nil {
			return nil, fmt.Errorf("decode event: %w", err)
		}
		return e, nil
	}
	e := new(history.Event)
	if err := e.UnmarshalJSON([]byte(s)); err != nil {
		return nil, fmt.Errorf("decode event: %w", err)
	}
	return e, nil
}

// messageBody is a queued message: its execution and event.
func messageBody(m *store.Message) (string, error) {
	ev, err := encodeEvent(m.Event)
	if err != nil {
		return "", fmt.Errorf("message for instance %q: %w", m.InstanceID, err)
	}
	return pack(m.ExecutionID, ev), nil
}

func decodeMessage(instanceID, msgID string, dequeue int, body string) (*store.Message, error) {
	f, err := unpack(body, 2)
	if err != nil {
		return nil, fmt.Errorf("message %s of instance %q: %w", msgID, instanceID, err)
	}
	ev, err := decodeEvent(f[1])
	if err != nil {
		return nil, fmt.Errorf("message %s of instance %q: %w", msgID, instanceID, err)
	}
	return &store.Message{InstanceID: instanceID, ExecutionID: f[0], Event: ev, VisibleAt: msgDue(msgID),
		ID: msgID, DequeueCount: dequeue}, nil
}

// msgDue reads the due time a message id starts with (see the enqueue
// script: 13 digits of Unix milliseconds, a dot, a sequence number).
func msgDue(msgID string) time.Time {
	if i := strings.IndexByte(msgID, '.'); i > 0 {
		if ms, err := strconv.ParseInt(msgID[:i], 10, 64); err == nil {
			return time.UnixMilli(ms).UTC()
		}
	}
	return time.Time{}
}

// An activity request's body packs the orchestration's instance and
// execution and the TaskScheduled event.
func decodeActivity(body string) (instanceID, executionID string, e *history.Event, err error) {
	f, err := unpack(body, 3)
	if err != nil {
		return "", "", nil, err
	}
	e, err = decodeEvent(f[2])
	if err != nil {
		return "", "", nil, fmt.Errorf("activity of instance %q: %w", f[0], err)
	}
	return f[0], f[1], e, nil
}

// rowFields are the hash fields a row write sets.
type rowFields struct {
	meta, input, output, custom string
	status                      string // decimal RuntimeStatus
	member                      string // the list index member
	doneMember                  string // the retention index member, "" unless finished
}

// rowVersion starts a row's meta field: the layout of the fields after it.
const rowVersion = "1"

// encodeRow encodes a row: its meta field packs, after rowVersion, the
// execution, name, status, the four times in Unix nanoseconds, the parent
// instance and execution, and the failure details as JSON ("" for none).
// Hand-packed rather than JSON, because every status read decodes it.
func encodeRow(inst *store.Instance) (rowFields, error) {
	failure := ""
	if inst.Failure != nil {
		b, err := json.Marshal(inst.Failure)
		if err != nil {
			return rowFields{}, fmt.Errorf("encode row of instance %q: %w", inst.InstanceID, err)
		}
		failure = string(b)
	}
	meta := pack(rowVersion, inst.ExecutionID, inst.Name, strconv.Itoa(int(inst.Status)), itoa(nanos(inst.CreatedAt)),
		itoa(nanos(inst.LastUpdatedAt)), itoa(nanos(inst.CompletedAt)), itoa(nanos(inst.ScheduledStart)),
		inst.ParentInstance, inst.ParentExecution, failure)
	f := rowFields{meta: meta, input: inst.Input, output: inst.Output, custom: inst.CustomStatus,
		status: strconv.Itoa(int(inst.Status)), member: indexMember(inst.CreatedAt, inst.InstanceID)}
	if inst.Status.IsTerminal() {
		at := inst.CompletedAt
		if at.IsZero() {
			at = inst.LastUpdatedAt
		}
		f.doneMember = doneMember(at, inst.InstanceID)
	}
	return f, nil
}

// decodeRow builds a row from its meta and payload fields.
func decodeRow(id, meta, input, output, custom string) (*store.Instance, error) {
	f, err := unpack(meta, 11)
	if err != nil || f[0] != rowVersion {
		return nil, fmt.Errorf("row of instance %q: %w", id, errCorrupt)
	}
	var n [5]int64
	for i := range n {
		if n[i], err = strconv.ParseInt(f[3+i], 10, 64); err != nil {
			return nil, fmt.Errorf("row of instance %q: %w", id, errCorrupt)
		}
	}
	inst := &store.Instance{InstanceID: id, ExecutionID: f[1], Name: f[2], Status: history.RuntimeStatus(n[0]),
		Input: input, Output: output, CustomStatus: custom,
		CreatedAt: fromNanos(n[1]), LastUpdatedAt: fromNanos(n[2]), CompletedAt: fromNanos(n[3]),
		ScheduledStart: fromNanos(n[4]), ParentInstance: f[8], ParentExecution: f[9]}
	if f[10] != "" {
		inst.Failure = new(history.FailureDetails)
		if err := json.Unmarshal([]byte(f[10]), inst.Failure); err != nil {
			return nil, fmt.Errorf("row of instance %q: failure details: %w", id, errCorrupt)
		}
	}
	return inst, nil
}

func nanos(t time.Time) int64 {
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

// indexMember orders instances in list indexes: creation time in
// nanoseconds, 19 digits, then the id, so that the lexicographic order
// of a sorted set whose scores are all 0 is (CreatedAt, InstanceID).
func indexMember(created time.Time, id string) string {
	return padded(max(nanos(created), 0), 19, "|"+id)
}

// doneMember orders finished instances in the retention index by when
// they finished (13 digits of Unix milliseconds), then id.
func doneMember(finished time.Time, id string) string {
	return padded(max(finished.UnixMilli(), 0), 13, "|"+id)
}

func indexPrefix(t time.Time) string { return padded(max(nanos(t), 0), 19, "") }

// padded writes n (not negative) in decimal with leading zeros to width
// digits, then tail: fmt.Sprintf("%0*d%s") without its cost, since every
// commit builds index members.
func padded(n int64, width int, tail string) string {
	var buf [20]byte
	d := strconv.AppendInt(buf[:0], n, 10)
	b := make([]byte, 0, max(width, len(d))+len(tail))
	for i := len(d); i < width; i++ {
		b = append(b, '0')
	}
	b = append(append(b, d...), tail...)
	return string(b)
}

// splitMember returns the creation time and id of an index member.
func splitMember(m string) (time.Time, string, bool) {
	if len(m) < 20 || m[19] != '|' {
		return time.Time{}, "", false
	}
	n, err := strconv.ParseInt(m[:19], 10, 64)
	if err != nil {
		return time.Time{}, "", false
	}
	return fromNanos(n), m[20:], true
}

// ceilMs is t in Unix milliseconds, rounded up, so that a message is
// never visible before its VisibleAt; floorMs rounds "now" down.
func ceilMs(t time.Time) int64 {
	ms := t.UnixMilli()
	if time.UnixMilli(ms).Before(t) {
		ms++
	}
	return ms
}

func floorMs(t time.Time) int64 { return t.UnixMilli() }

// dueMs is when something requested for at becomes visible, read at now:
// at once (now, rounded down, so that a fetch at the same instant finds
// it) when at is not later than now, else at rounded up.
func dueMs(at, now time.Time) int64 {
	if !at.After(now) {
		return floorMs(now)
	}
	return ceilMs(at)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
