package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/cschleiden/go-workflows/backend"
	"github.com/cschleiden/go-workflows/backend/monoprocess"
	gwredis "github.com/cschleiden/go-workflows/backend/redis"
	"github.com/cschleiden/go-workflows/backend/sqlite"
	"github.com/cschleiden/go-workflows/client"
	"github.com/cschleiden/go-workflows/worker"
	"github.com/cschleiden/go-workflows/workflow"
	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
)

// goWorkflowsPeer runs the scenarios on cschleiden/go-workflows: one
// worker (workflows and activities) and one client in this process, on
// the SQLite or the Redis backend.
//
// Settings common to both backends, and why:
//   - worker.DefaultOptions with WorkflowPollingInterval and
//     ActivityPollingInterval 0, as go-workflows' own benchmark
//     (bench/main.go) sets them: no sleep after an empty poll. Both
//     backends below block inside the poll (Redis on XREADGROUP, SQLite on
//     the monoprocess signal), so 0 never spins.
//   - WorkflowExecutorCacheSize at least n (go-workflows' benchmark has a
//     -cachesize flag for this): every instance in flight keeps its
//     executor cached, so no workflow task replays its history from the
//     store because the cache of 128 evicted it.
//   - SingleWorkerMode true: we run exactly one worker, which is what the
//     option declares (v1.2.0 reads it nowhere, so it changes nothing).
//   - Pollers (2 + 2) and unlimited parallel tasks: the defaults, which
//     are also go-workflows' benchmark settings.
//   - Backend logger at Warn, as ours in durable-bench.
//   - Workflows are started with client.CreateWorkflowInstance and awaited
//     with client.GetWorkflowResult, the library's documented way (it
//     polls the instance state with back-off from 1 ms).
//   - Activities use workflow.DefaultActivityOptions; the fan-out schedules
//     f futures, then awaits each.
type goWorkflowsPeer struct {
	b      backend.Backend
	c      *client.Client
	w      *worker.Worker
	cancel context.CancelFunc
	after  func() // runs after the worker and backend closed
}

// openGoWorkflowsSQLite opens the SQLite backend on a file.
//
// Settings, and why:
//   - sqlite.NewSqliteBackend on a real file: it sets WAL, busy_timeout
//     5 s and one connection (its design: SQLite has one writer).
//   - "?_pragma=synchronous(NORMAL)" on the path: the modernc driver
//     applies it to the connection. go-workflows leaves SQLite's default
//     (FULL, an fsync per commit); NORMAL is what our store and DBOS use,
//     so all three commit with the same durability. This only speeds
//     go-workflows up.
//   - monoprocess.NewMonoprocessBackend around it, as go-workflows'
//     benchmark and guide do when worker and client share a process: new
//     tasks wake the worker through a channel instead of waiting for the
//     next poll.
func openGoWorkflowsSQLite(ctx context.Context, path string, n int) (peer, error) {
	b := monoprocess.NewMonoprocessBackend(sqlite.NewSqliteBackend(path+"?_pragma=synchronous(NORMAL)",
		sqlite.WithBackendOptions(backend.WithLogger(warnLogger()))))
	return startGoWorkflows(ctx, b, n, func() {})
}

// openGoWorkflowsRedis opens the Redis backend at the server that the
// RedisConnection variable names (host:port or a redis:// URL; default
// localhost:6379), as durable-bench -store redis does.
//
// Settings, and why:
//   - gwredis.NewRedisBackend with its defaults (block timeout 2 s: a
//     poll waits on the server, so it only bounds idle polls).
//   - A key prefix of its own per process, so a run never reads another
//     run's keys (run.sh also flushes the server between runs).
//   - The go-redis client with its default pool (10 per CPU), as
//     go-workflows' benchmark uses it.
//
// At the end it prints on stderr how many commands the server ran while
// the scenarios ran (INFO commandstats), in the same form as durable-bench.
func openGoWorkflowsRedis(ctx context.Context, n int) (peer, error) {
	opts, err := redisOptions(os.Getenv("RedisConnection"))
	if err != nil {
		return nil, err
	}
	// A client of its own for the statistics: the backend closes its
	// client when it closes.
	stats := redis.NewUniversalClient(opts)
	before, err := commandStats(ctx, stats)
	if err != nil {
		stats.Close()
		return nil, fmt.Errorf("redis at %v: %w", opts.Addrs, err)
	}
	b, err := gwredis.NewRedisBackend(redis.NewUniversalClient(opts),
		gwredis.WithKeyPrefix(fmt.Sprintf("peers%d:", os.Getpid())),
		gwredis.WithBackendOptions(backend.WithLogger(warnLogger())))
	if err != nil {
		stats.Close()
		return nil, err
	}
	return startGoWorkflows(ctx, b, n, func() {
		defer stats.Close()
		after, err := commandStats(context.Background(), stats)
		if err != nil {
			fmt.Fprintln(os.Stderr, "redis commandstats:", err)
			return
		}
		var total int64
		var parts []string
		for cmd, calls := range after {
			if d := calls - before[cmd]; d > 0 {
				total += d
				parts = append(parts, fmt.Sprintf("%s=%d", cmd, d))
			}
		}
		fmt.Fprintf(os.Stderr, "redis commands: total %d (%s)\n", total, strings.Join(parts, " "))
	})
}

func redisOptions(conn string) (*redis.UniversalOptions, error) {
	if conn == "" {
		conn = "localhost:6379"
	}
	if !strings.Contains(conn, "://") {
		return &redis.UniversalOptions{Addrs: []string{conn}}, nil
	}
	u, err := redis.ParseURL(conn)
	if err != nil {
		return nil, err
	}
	return &redis.UniversalOptions{Addrs: []string{u.Addr}, Username: u.Username, Password: u.Password, DB: u.DB, TLSConfig: u.TLSConfig}, nil
}

// commandStats reads INFO commandstats: calls per command since the
// server started.
func commandStats(ctx context.Context, rc redis.UniversalClient) (map[string]int64, error) {
	info, err := rc.Info(ctx, "commandstats").Result()
	if err != nil {
		return nil, err
	}
	stats := map[string]int64{}
	for _, line := range strings.Split(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":calls=")
		if !ok {
			continue
		}
		var calls int64
		if _, err := fmt.Sscanf(rest, "%d", &calls); err == nil {
			stats[strings.TrimPrefix(name, "cmdstat_")] = calls
		}
	}
	return stats, nil
}

func startGoWorkflows(ctx context.Context, b backend.Backend, n int, after func()) (peer, error) {
	wo := worker.DefaultOptions
	wo.WorkflowPollingInterval = 0
	wo.ActivityPollingInterval = 0
	wo.WorkflowExecutorCacheSize = max(n, wo.WorkflowExecutorCacheSize)
	wo.SingleWorkerMode = true
	w := worker.New(b, &wo)
	for _, wf := range []workflow.Workflow{gwSequence, gwFanOut} {
		if err := w.RegisterWorkflow(wf); err != nil {
			return nil, err
		}
	}
	if err := w.RegisterActivity(gwNoop); err != nil {
		return nil, err
	}
	wctx, cancel := context.WithCancel(ctx)
	if err := w.Start(wctx); err != nil {
		cancel()
		return nil, err
	}
	return &goWorkflowsPeer{b: b, c: client.New(b), w: w, cancel: cancel, after: after}, nil
}

func (p *goWorkflowsPeer) sequence(ctx context.Context, k int) (int, error) {
	return p.run(ctx, gwSequence, k)
}

func (p *goWorkflowsPeer) fanout(ctx context.Context, f int) (int, error) {
	return p.run(ctx, gwFanOut, f)
}

func (p *goWorkflowsPeer) run(ctx context.Context, wf workflow.Workflow, input int) (int, error) {
	inst, err := p.c.CreateWorkflowInstance(ctx, client.WorkflowInstanceOptions{InstanceID: uuid.NewString()}, wf, input)
	if err != nil {
		return 0, err
	}
	out, err := client.GetWorkflowResult[int](ctx, p.c, inst, timeout)
	if err != nil {
		return 0, fmt.Errorf("workflow %s: %w", inst.InstanceID, err)
	}
	return out, nil
}

func (p *goWorkflowsPeer) close() error {
	p.cancel()
	err := p.w.WaitForCompletion()
	if cerr := p.b.Close(); err == nil {
		err = cerr
	}
	p.after()
	return err
}

func warnLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func gwNoop(_ context.Context, i int) (int, error) { return i, nil }

func gwSequence(ctx workflow.Context, k int) (int, error) {
	sum := 0
	for i := 0; i < k; i++ {
		v, err := workflow.ExecuteActivity[int](ctx, workflow.DefaultActivityOptions, gwNoop, i).Get(ctx)
		if err != nil {
			return 0, err
		}
		sum += v
	}
	return sum, nil
}

func gwFanOut(ctx workflow.Context, f int) (int, error) {
	futures := make([]workflow.Future[int], f)
	for i := range futures {
		futures[i] = workflow.ExecuteActivity[int](ctx, workflow.DefaultActivityOptions, gwNoop, i)
	}
	sum := 0
	for _, fut := range futures {
		v, err := fut.Get(ctx)
		if err != nil {
			return 0, err
		}
		sum += v
	}
	return sum, nil
}
