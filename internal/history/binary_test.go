package history

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"
)

// fullEvent sets every field, whether or not its type uses it: the binary
// form keeps them all.
func fullEvent() *Event {
	sched := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	return &Event{
		EventType: ExecutionStarted, EventID: -7, IsPlayed: true, Timestamp: time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC),
		Name: "n", Version: "v", Input: `{"a":1}`, Result: `"r"`, InstanceID: "i",
		OrchestrationInstance: &OrchestrationInstance{InstanceID: "oi", ExecutionID: "oe"},
		ParentInstance:        &ParentInstance{Name: "p", Version: "pv", TaskScheduleID: -3},
		ScheduledStartTime:    &sched,
		Tags:                  map[string]string{"b": "2", "a": "", "": "x"},
		Generation:            9, OrchestrationStatus: StatusFailed, TaskScheduledID: 1 << 40, TimerID: -1,
		FireAt: sched.Add(time.Hour), Reason: "why", Details: "how",
		FailureDetails: &FailureDetails{ErrorType: "T", ErrorMessage: "m", StackTrace: "s", IsNonRetriable: true,
			InnerFailure: &FailureDetails{ErrorMessage: "inner", InnerFailure: &FailureDetails{}}},
		Data: "d", ParentTraceContext: &TraceContext{TraceParent: "00-a-b-01", TraceState: "k=v"},
	}
}

func TestBinaryEventsDecodeBackToThemselves(t *testing.T) {
	cases := append(eventCases(), eventCase{"every field set", fullEvent()},
		eventCase{"only a type", &Event{EventType: OrchestratorStarted}},
		eventCase{"empty tags", &Event{EventType: ExecutionStarted, Tags: map[string]string{}}})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := AppendBinary([]byte("prefix"), tc.event)
			if !bytes.HasPrefix(b, []byte("prefix")) || b[len("prefix")] != BinaryTag {
				t.Fatalf("AppendBinary did not append after dst: % x", b)
			}
			got, err := DecodeBinary(b[len("prefix"):])
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.event) {
				t.Errorf("decoded\n%+v\nwant\n%+v", *got, *tc.event)
			}
			// The JSON form of the decoded event is the original's.
			want, _ := json.Marshal(tc.event)
			again, _ := json.Marshal(got)
			if !bytes.Equal(want, again) {
				t.Errorf("JSON after the round trip\n%s\nwant\n%s", again, want)
			}
		})
	}
}

func TestBinaryIsDeterministic(t *testing.T) {
	e := fullEvent()
	first := AppendBinary(nil, e)
	for range 20 { // map iteration order varies between runs
		if b := AppendBinary(nil, e); !bytes.Equal(b, first) {
			t.Fatalf("two encodings of one event differ:\n% x\n% x", first, b)
		}
	}
}

func TestBinaryTimesComeBackInUTC(t *testing.T) {
	local := time.Date(2026, 5, 6, 7, 8, 9, 10, time.FixedZone("X", 3600))
	got, err := DecodeBinary(AppendBinary(nil, &Event{EventType: TimerFired, Timestamp: local, FireAt: local}))
	if err != nil {
		t.Fatal(err)
	}
	if !got.Timestamp.Equal(local) || got.Timestamp.Location() != time.UTC || !got.FireAt.Equal(local) {
		t.Errorf("Timestamp %v, FireAt %v; want %v in UTC", got.Timestamp, got.FireAt, local)
	}
}

func TestDecodeBinaryRejectsWhatIsNotAnEvent(t *testing.T) {
	good := AppendBinary(nil, fullEvent())
	// Every proper prefix is truncated somewhere.
	for n := range len(good) {
		if e, err := DecodeBinary(good[:n]); err == nil || !errors.Is(err, ErrBadBinary) {
			t.Fatalf("DecodeBinary of the first %d of %d bytes = %+v, %v; want ErrBadBinary", n, len(good), e, err)
		}
	}
	deep := &FailureDetails{}
	for range maxFailureDepth + 1 {
		deep = &FailureDetails{InnerFailure: deep}
	}
	for name, b := range map[string][]byte{
		"trailing bytes":      append(bytes.Clone(good), 0),
		"JSON":                []byte(`{"EventType":12}`),
		"unknown field bit":   {BinaryTag, 0x80, 0x80, 0x80, 0x01, 12, 0},
		"unknown event type":  {BinaryTag, 0, 0xfe, 0x03, 0},
		"bad boolean":         {BinaryTag, 0x80, 0x02, 12, 1, 0, 0, 0, 0, 7},
		"nested too deep":     AppendBinary(nil, &Event{EventType: TaskFailed, FailureDetails: deep}),
		"nanoseconds too big": {BinaryTag, binTimestamp, 12, 1, 0, 0x80, 0x94, 0xeb, 0xdc, 0x03},
	} {
		if e, err := DecodeBinary(b); !errors.Is(err, ErrBadBinary) {
			t.Errorf("%s: DecodeBinary(% x) = %+v, %v; want ErrBadBinary", name, b, e, err)
		}
	}
}

func BenchmarkEventEncoding(b *testing.B) {
	e := NewTaskScheduled(time.Now().UTC(), 3, "SayHello", `"Tokyo"`)
	b.Run("binary", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf = AppendBinary(buf[:0], e)
			if _, err := DecodeBinary(buf); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf, err := json.Marshal(e)
			if err != nil {
				b.Fatal(err)
			}
			var got Event
			if err := json.Unmarshal(buf, &got); err != nil {
				b.Fatal(err)
			}
		}
	})
}
