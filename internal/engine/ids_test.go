package engine

import (
	"regexp"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/memory"
)

// orderedStore asks for time-ordered ids, as the SQLite store does.
type orderedStore struct{ store.Store }

func (orderedStore) TimeOrderedIDs() bool { return true }

var guidN = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestNewInstanceIDsSortByCreationTimeWhereTheStoreAsksForIt(t *testing.T) {
	t0 := time.Date(2026, 12, 5, 13, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		be      store.Store
		ordered bool
	}{
		{"a store that asks for ordered ids gets ids in creation order", orderedStore{memory.New()}, true},
		{"a store that does not gets random ids", memory.New(), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seen := map[string]bool{}
			prev := ""
			inOrder := true
			for i := range 200 {
				id := NewInstanceID(tc.be, t0.Add(time.Duration(i)*time.Millisecond))
				if !guidN.MatchString(id) {
					t.Fatalf("id %q is not 32 lower-case hex digits", id)
				}
				if seen[id] {
					t.Fatalf("id %q generated twice", id)
				}
				seen[id] = true
				inOrder = inOrder && id > prev
				prev = id
			}
			if inOrder != tc.ordered {
				t.Errorf("200 ids a millisecond apart sort by creation time: %v, want %v", inOrder, tc.ordered)
			}
		})
	}
}

func TestATimeOrderedIDStartsWithItsMillisecond(t *testing.T) {
	at := time.UnixMilli(0x0123456789ab)
	if id := NewInstanceID(orderedStore{memory.New()}, at); id[:12] != "0123456789ab" {
		t.Errorf("id %s does not start with the creation time 0123456789ab", id)
	}
}
