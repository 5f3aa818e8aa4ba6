package sqlite

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

func TestWriteRowAlwaysStoresTheRowItWasGiven(t *testing.T) {
	ctx := context.Background()
	t0 := time.Unix(1_700_000_000, 0).UTC()
	row := func(status history.RuntimeStatus, created time.Time, output string) *store.Instance {
		r := &store.Instance{InstanceID: "x", ExecutionID: "e", Name: "Orch", Status: status, Input: `1`, Output: output,
			CreatedAt: created, LastUpdatedAt: created.Add(time.Second)}
		if status.IsTerminal() {
			r.CompletedAt = created.Add(2 * time.Second)
		}
		return r
	}
	for _, tc := range []struct {
		name         string
		stored, prev *store.Instance // stored nil: no row in the table
		want         *store.Instance
	}{
		{"a body change of a row as loaded", row(history.StatusRunning, t0, ""), row(history.StatusRunning, t0, ""), row(history.StatusRunning, t0, `"half"`)},
		{"a status change of a row as loaded", row(history.StatusRunning, t0, ""), row(history.StatusRunning, t0, ""), row(history.StatusCompleted, t0, `"done"`)},
		{"a new creation time", row(history.StatusCompleted, t0, ""), row(history.StatusCompleted, t0, ""), row(history.StatusRunning, t0.Add(time.Hour), "")},
		{"a row whose stored status differs from the loaded one", row(history.StatusPending, t0, ""), row(history.StatusRunning, t0, ""), row(history.StatusRunning, t0, `"x"`)},
		{"a row whose stored creation time differs from the loaded one", row(history.StatusRunning, t0.Add(time.Minute), ""), row(history.StatusRunning, t0, ""), row(history.StatusRunning, t0, `"x"`)},
		{"a row loaded but no longer stored", nil, row(history.StatusRunning, t0, ""), row(history.StatusCompleted, t0, `"y"`)},
		{"a row not loaded", nil, nil, row(history.StatusRunning, t0, "")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(ctx, filepath.Join(t.TempDir(), "row.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			write := func(r, prev *store.Instance) {
				args, err := encodeRow(r)
				if err != nil {
					t.Fatal(err)
				}
				if err := s.submit(ctx, &op{done: make(chan error, 1), apply: func(b *batch) (func(), error, error) {
					return nil, nil, b.writeRow(args, prev)
				}}); err != nil {
					t.Fatal(err)
				}
			}
			if tc.stored != nil {
				write(tc.stored, nil)
			}
			write(tc.want, tc.prev)
			got, _, err := s.loadInstance(ctx, "x")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("stored row = %+v, want %+v", got, tc.want)
			}
			var n int
			if err := s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM instances`).Scan(&n); err != nil || n != 1 {
				t.Errorf("%d rows (%v), want 1", n, err)
			}
		})
	}
}
