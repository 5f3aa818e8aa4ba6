package sqlite

import (
	"context"
	"testing"

	"github.com/godurable/durablefunctions/internal/store/storetest"
)

// hubShape says how many instances fillHub writes (the shape is
// storetest's HubRow).
type hubShape struct{ n int }

// fillHub writes shape.n instances with their histories straight through
// the writer (the statements commits use), 500 instances per
// transaction: a hub of a million fills in minutes instead of hours.
func fillHub(tb testing.TB, s *Store, shape hubShape) {
	tb.Helper()
	const chunk = 500
	for lo := 0; lo < shape.n; lo += chunk {
		hi := min(lo+chunk, shape.n)
		if err := fillChunk(s, lo, hi); err != nil {
			tb.Fatalf("fill instances %d-%d: %v", lo, hi, err)
		}
	}
}

// fillChunk writes hub instances lo to hi-1 in one bulk transaction.
func fillChunk(s *Store, lo, hi int) error {
	_, err := s.submitBulk(context.Background(), &op{bulk: true, done: make(chan error, 1), apply: func(b *batch) (func(), error, error) {
		for i := lo; i < hi; i++ {
			if err := b.fillOne(i); err != nil {
				return nil, nil, err
			}
		}
		return nil, nil, nil
	}})
	return err
}

func (b *batch) fillOne(i int) error {
	row := storetest.HubRow(i)
	args, err := encodeRow(row)
	if err != nil {
		return err
	}
	if err := b.exec(b.s.w.upsertRow, args[:]...); err != nil {
		return err
	}
	if !row.Status.IsTerminal() {
		return nil
	}
	for seq, e := range storetest.HubHistory(row) {
		ev, err := encodeEvent(e)
		if err != nil {
			return err
		}
		if err := b.exec(b.s.w.insHistory, row.InstanceID, seq, row.ExecutionID, ev); err != nil {
			return err
		}
	}
	return nil
}
