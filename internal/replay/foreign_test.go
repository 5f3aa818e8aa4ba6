package replay

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/godurable/durablefunctions/internal/history"
)

// History is the truth for every id an orchestration generates. A history
// written by another Durable SDK (here the .NET one, whose entity request
// ids are random GUIDs) must replay to completion: the entity's reply is
// named after the id history recorded, not after the id this SDK would have
// generated.
func TestAForeignSDKsHistoryWithAnEntityCallAndALockReplaysToCompletion(t *testing.T) {
	data, err := os.ReadFile("testdata/foreign/dotnet_entity_call_and_lock.json")
	if err != nil {
		t.Fatal(err)
	}
	var events []*history.Event
	if err := json.Unmarshal(data, &events); err != nil {
		t.Fatal(err)
	}
	var past, news []*history.Event
	for _, e := range events {
		if e.IsPlayed {
			past = append(past, e)
		} else {
			news = append(news, e)
		}
	}
	fn := func(c *Context) (any, error) {
		var n int
		if err := c.CallEntity("@counter@c1", "get", nil).Await(&n); err != nil {
			return nil, err
		}
		lock, err := c.LockEntities([]string{"@counter@c1"})
		if err != nil {
			return nil, err
		}
		if err := lock.Await(nil); err != nil {
			return nil, err
		}
		c.ReleaseLocks()
		return n, nil
	}
	r := Execute(fn, Episode{InstanceID: "foreign-1", Past: past, New: news}, Options{})
	if !r.Done || r.Status != history.StatusCompleted || r.Output != "7" {
		t.Fatalf("done=%v status=%v output=%q failure=%+v waiting=%v", r.Done, r.Status, r.Output, r.Failure, r.Waiting)
	}
	if len(r.Actions) != 1 || r.Actions[0].EventType != history.EventSent ||
		!strings.Contains(r.Actions[0].Input, "c9a646d3-9c61-4cb7-bfcd-ee2522c8f633") {
		t.Fatalf("want one release naming the recorded lock request id, got %+v", r.Actions)
	}
}
