package engine

import (
	"context"
	"time"

	"github.com/godurable/durablefunctions/internal/store"
)

// retain purges finished instances older than the retention period, every
// tenth of the period (at least once a minute, at most once an hour), until
// ctx ends. Each pass is one purge by completion time: stores find those
// instances from an index (SQLite: its finished rows by completion time)
// and delete them in bounded batches, so a pass costs what it deletes,
// not the size of the hub, and holds up starts and commits for one batch
// at most.
func (e *Engine) retain(ctx context.Context) {
	period := e.opts.Retention
	every := min(max(period/10, time.Minute), time.Hour)
	for {
		n, err := e.be.PurgeInstances(ctx, &store.PurgeFilter{Kind: store.OnlyOrchestrations, CompletedTo: e.clock.Now().Add(-period)})
		switch {
		case err != nil && ctx.Err() == nil:
			e.log.Warn("durable: purging old instances failed; retrying later", "error", err)
		case n > 0:
			e.log.Info("durable: purged finished instances past the retention period", "count", n, "retention", period.String())
		}
		select {
		case <-ctx.Done():
			return
		case <-e.clock.After(every):
		}
	}
}
