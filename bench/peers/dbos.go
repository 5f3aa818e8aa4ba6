package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/dbos-inc/dbos-transact-golang/dbos"
	// Registers the pure-Go SQLite driver (modernc.org/sqlite, the same
	// engine our sqlite store uses) that DBOS needs for sqlite: URLs.
	_ "github.com/dbos-inc/dbos-transact-golang/dbos/driver/sqlite"
)

// dbosPeer runs the scenarios on DBOS Transact for Go with its SQLite
// system database.
//
// Settings, and why:
//   - DatabaseURL "sqlite:<file>": DBOS opens the file itself and applies
//     the settings it recommends (internal/sysdb/sqlite_pool.go): WAL,
//     synchronous=NORMAL (the same durability as our sqlite store),
//     busy_timeout 5 s, IMMEDIATE transactions, a pool of 8 connections.
//     We pass nothing else so that DBOS runs as its documentation tells a
//     user to run it, with the same commit durability as ours.
//   - A real file in a temporary directory, never :memory:, as for ours.
//   - Workflows are started with dbos.RunWorkflow and awaited with the
//     handle's GetResult: DBOS runs the workflow in a goroutine of this
//     process and hands the result over a channel, its fastest path (no
//     queue, no polling).
//   - Steps: dbos.RunAsStep for the sequence; dbos.Go (each step in its
//     own goroutine, checkpointed as it finishes) for the fan-out, as the
//     DBOS documentation says to run steps concurrently.
//   - Logger at Warn, as our engine logs in durable-bench: DBOS logs at
//     Info for every workflow otherwise.
type dbosPeer struct {
	ctx dbos.Context
}

func openDBOS(ctx context.Context, path string) (peer, error) {
	dctx, err := dbos.NewContext(ctx, dbos.Config{
		AppName:     "peers-bench",
		DatabaseURL: "sqlite:" + path,
		Logger:      slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return nil, err
	}
	dbos.RegisterWorkflow(dctx, dbosSequence, dbos.WithWorkflowName("Sequence"))
	dbos.RegisterWorkflow(dctx, dbosFanOut, dbos.WithWorkflowName("FanOut"))
	if err := dbos.Launch(dctx); err != nil {
		return nil, err
	}
	return &dbosPeer{ctx: dctx}, nil
}

func (p *dbosPeer) sequence(_ context.Context, k int) (int, error) {
	return dbosRun(p.ctx, dbosSequence, k)
}

func (p *dbosPeer) fanout(_ context.Context, f int) (int, error) {
	return dbosRun(p.ctx, dbosFanOut, f)
}

func (p *dbosPeer) close() error {
	return dbos.Shutdown(p.ctx, 10*time.Second)
}

// dbosRun starts a workflow and waits for its result. DBOS binds
// cancellation to its own context, so the scenario's deadline is passed as
// the handle's timeout.
func dbosRun(ctx dbos.Context, wf dbos.Workflow[int, int], input int) (int, error) {
	h, err := dbos.RunWorkflow(ctx, wf, input)
	if err != nil {
		return 0, err
	}
	out, err := h.GetResult(dbos.WithHandleTimeout(timeout))
	if err != nil {
		return 0, fmt.Errorf("workflow %s: %w", h.GetWorkflowID(), err)
	}
	return out, nil
}

func dbosSequence(ctx dbos.Context, k int) (int, error) {
	sum := 0
	for i := 0; i < k; i++ {
		v, err := dbos.RunAsStep(ctx, func(context.Context) (int, error) { return i, nil }, dbos.WithStepName("Noop"))
		if err != nil {
			return 0, err
		}
		sum += v
	}
	return sum, nil
}

func dbosFanOut(ctx dbos.Context, f int) (int, error) {
	outcomes := make([]<-chan dbos.StepOutcome[int], f)
	for i := range outcomes {
		ch, err := dbos.Go(ctx, func(context.Context) (int, error) { return i, nil }, dbos.WithStepName("Noop"))
		if err != nil {
			return 0, err
		}
		outcomes[i] = ch
	}
	sum := 0
	for _, ch := range outcomes {
		o := <-ch
		if o.Err != nil {
			return 0, o.Err
		}
		sum += o.Result
	}
	return sum, nil
}
