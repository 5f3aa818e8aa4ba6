package sqlite

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

func TestDeleteMessagesDeletesExactlyTheIdsGiven(t *testing.T) {
	ctx := context.Background()
	s := openWith(t, filepath.Join(t.TempDir(), "del.db"))
	var msgs []store.Message
	for range 10 {
		msgs = append(msgs, store.Message{InstanceID: "m", Event: history.NewEventRaised(time.Now().UTC(), "e", "")})
	}
	if err := s.SendMessages(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	ids := func() []int64 {
		rows, err := s.rdb.Query(`SELECT id FROM messages ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			out = append(out, id)
		}
		return out
	}
	all := ids()
	if len(all) != 10 {
		t.Fatalf("%d messages stored, want 10", len(all))
	}
	// Runs, single ids, out of order.
	del := []int64{all[8], all[1], all[2], all[3], all[5], all[9]}
	err := s.submit(ctx, &op{done: make(chan error, 1), apply: func(b *batch) (func(), error, error) {
		return nil, nil, b.deleteMessages(del)
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := []int64{all[0], all[4], all[6], all[7]}
	if got := ids(); !slices.Equal(got, want) {
		t.Fatalf("left %v, want %v", got, want)
	}
}
