package redis

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
)

// codecEvents are events of every shape a commit stores, with payloads
// that JSON escapes (quotes, HTML characters, non-ASCII).
func codecEvents() map[string]*history.Event {
	ts := time.Date(2026, 12, 5, 5, 11, 33, 123456789, time.UTC)
	fire := ts.Add(time.Hour)
	return map[string]*history.Event{
		"a start with a parent and a scheduled time": history.NewExecutionStarted(ts, "Orch", "id<1>", "ex&1", `{"a":"<b>&é"}`,
			&history.ParentInstance{Name: "P", TaskScheduleID: 3,
				OrchestrationInstance: &history.OrchestrationInstance{InstanceID: "parent", ExecutionID: "pex"}}, &fire),
		"a completion with a failure":   history.NewExecutionCompleted(ts, history.StatusFailed, "", &history.FailureDetails{ErrorType: "E", ErrorMessage: `"<boom>"`}),
		"a scheduled activity":          history.NewTaskScheduled(ts, 7, "Act", `[1,"x"]`),
		"an activity result":            history.NewTaskCompleted(ts, 7, `"<done>"`),
		"a timer":                       history.NewTimerFired(ts, 2, fire),
		"an event sent to an instance":  history.NewEventSent(ts, 4, "other", "Ping", `null`),
		"a raised event without input":  history.NewEventRaised(ts, "Go", ""),
		"an orchestrator episode start": history.NewOrchestratorStarted(ts),
	}
}

// Events are stored in the binary form and come back equal, every field
// kept; events that earlier versions stored as JSON still decode to what
// was stored. The history cache compares stored values byte for byte, so
// encoding the same event twice must write the same bytes.
func TestEventsRoundTripInBothStoredForms(t *testing.T) {
	for name, e := range codecEvents() {
		t.Run(name, func(t *testing.T) {
			got, err := encodeEvent(e)
			if err != nil {
				t.Fatal(err)
			}
			if got == "" || got[0] != history.BinaryTag {
				t.Fatalf("encodeEvent wrote %q, want the binary form", got)
			}
			back, err := decodeEvent(got)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, e) {
				t.Fatalf("decoded %+v, want %+v", back, e)
			}
			again, err := encodeEvent(back)
			if err != nil || again != got {
				t.Fatalf("decoded and encoded again: %q (%v), want %q", again, err, got)
			}
			text, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			old, err := decodeEvent(string(text))
			if err != nil {
				t.Fatalf("an event stored as JSON: %v", err)
			}
			want := new(history.Event)
			if err := json.Unmarshal(text, want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(old, want) {
				t.Fatalf("an event stored as JSON decoded to %+v, want %+v", old, want)
			}
		})
	}
}

func TestDecodingAnUnreadableEventFails(t *testing.T) {
	for name, text := range map[string]string{
		"truncated JSON":   `{"EventType":0,"Name":"x"`,
		"trailing garbage": `{"EventType":4} x`,
		"an unknown type":  `{"EventType":999}`,
		"not an object":    `[1,2]`,
		"an empty value":   ``,
		"truncated binary": string([]byte{history.BinaryTag, 0xff}),
	} {
		t.Run(name, func(t *testing.T) {
			if e, err := decodeEvent(text); err == nil {
				t.Fatalf("decodeEvent(%q) = %+v, want an error", text, e)
			}
		})
	}
}

// BenchmarkRedisEventCodec measures encoding and decoding one event, as
// every commit and fetch does for each new event.
func BenchmarkRedisEventCodec(b *testing.B) {
	e := codecEvents()["a start with a parent and a scheduled time"]
	b.ReportAllocs()
	for b.Loop() {
		s, err := encodeEvent(e)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := decodeEvent(s); err != nil {
			b.Fatal(err)
		}
	}
}

func TestIndexMembersSortAsTheirTimesThenIDs(t *testing.T) {
	at := time.Date(2026, 12, 5, 5, 11, 33, 123456789, time.UTC)
	for _, c := range []struct {
		name, got, want string
	}{
		{"a list index member", indexMember(at, "abc"), fmt.Sprintf("%019d|abc", at.UnixNano())},
		{"a member for the zero time", indexMember(time.Time{}, "x"), "0000000000000000000|x"},
		{"a member before 1970", indexMember(time.Unix(-5, 0), "x"), "0000000000000000000|x"},
		{"a retention member", doneMember(at, "abc"), fmt.Sprintf("%013d|abc", at.UnixMilli())},
		{"a retention member for the zero time", doneMember(time.Time{}, "x"), "0000000000000|x"},
		{"an index prefix", indexPrefix(at), fmt.Sprintf("%019d", at.UnixNano())},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Fatalf("got %q, want %q", c.got, c.want)
			}
		})
	}
}
