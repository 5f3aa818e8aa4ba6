package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
)

// BenchmarkHistoryLoad reads a 1,000-event history (250 episodes of four
// events) from the database, as a work item of an uncached instance or a
// management query does: stored the schema-2 way (one JSON event per row)
// and the current way (one binary chunk per commit).
func BenchmarkHistoryLoad(b *testing.B) {
	const episodes, perEpisode = 250, 4
	now := time.Now().UTC()
	episode := func(i int) []*history.Event {
		return []*history.Event{history.NewOrchestratorStarted(now), history.NewTaskCompleted(now, i, `{"n":1}`),
			history.NewTaskScheduled(now, i+1, "Step", `{"n":2}`), history.NewOrchestratorCompleted(now)}
	}
	for _, form := range []string{"json-rows", "binary-chunks"} {
		b.Run(form, func(b *testing.B) {
			s := openWithB(b, filepath.Join(b.TempDir(), "load.db"))
			err := s.submit(context.Background(), &op{done: make(chan error, 1), apply: func(bt *batch) (func(), error, error) {
				seq := 0
				for i := range episodes {
					evs := episode(i)
					if form == "json-rows" {
						for _, e := range evs {
							j, _ := json.Marshal(e)
							if err := bt.exec(s.w.insHistory, "h", seq, "h-1", j); err != nil {
								return nil, nil, err
							}
							seq++
						}
						continue
					}
					blobs := make([][]byte, len(evs))
					for k, e := range evs {
						blobs[k], _ = encodeEvent(e)
					}
					if err := bt.exec(s.w.insHistory, "h", seq, "h-1", encodeChunk(blobs)); err != nil {
						return nil, nil, err
					}
					seq += len(evs)
				}
				return nil, nil, nil
			}})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				h, err := s.loadHistory(context.Background(), "h")
				if err != nil || len(h) != episodes*perEpisode {
					b.Fatal(fmt.Sprint(len(h), err))
				}
			}
		})
	}
}

func openWithB(b *testing.B, path string) *Store {
	b.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}
