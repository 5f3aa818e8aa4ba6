// Command peers runs the scenarios of cmd/durable-bench against other Go
// durable-workflow libraries, with the same flags and the same JSON line
// per scenario on stdout, so their figures sit next to ours:
//
//	go run . -store dbos-sqlite -scenarios sequence,fanout,latency -n 500 -k 1 -f 1000 -reps 300
//	RedisConnection=localhost:6399 go run . -store go-workflows-redis
//
// Stores: dbos-sqlite (dbos-inc/dbos-transact-golang on its SQLite system
// database), go-workflows-sqlite and go-workflows-redis
// (cschleiden/go-workflows on its SQLite and Redis backends). Each is set
// up as its own documentation recommends for speed; dbos.go and
// goworkflows.go say which setting is which and why.
//
// The scenarios are defined exactly as in cmd/durable-bench: sequence = n
// orchestrations of k sequential no-op activities, all started at once,
// start → completed per instance; fanout = one orchestration fanning out f
// activities and awaiting them all; latency = a warm runtime, one
// orchestration with one activity at a time, -reps times. Every run checks
// the orchestration's output (the sum of the activity results), so a peer
// cannot finish faster by dropping work. Neither peer has durable entities:
// entity and entities print a note on stderr and no line.
//
// This is a module of its own (bench/peers/go.mod) so that the main module
// never depends on the peers; it does not import the main module either,
// so the scenario drivers below repeat cmd/durable-bench's line for line
// (only the calls into the library differ): keep the two in step when
// either changes. run.sh runs ours and the peers in interleaved rounds and
// prints a table.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"time"
)

// result is cmd/durable-bench's JSON line, field for field.
type result struct {
	Store     string  `json:"store"`
	Scenario  string  `json:"scenario"`
	N         int     `json:"n"`
	K         int     `json:"k"`
	F         int     `json:"f"`
	Seconds   float64 `json:"seconds"`
	OrchPerS  float64 `json:"orch_per_s"`
	ActPerS   float64 `json:"act_per_s"`
	P50Millis float64 `json:"p50_ms"`
	P99Millis float64 `json:"p99_ms"`
}

// peer is one library set up on one backend. Each call starts one
// orchestration through the library's own client API and returns once the
// library reports it completed, with its output.
type peer interface {
	// sequence runs an orchestration that calls k no-op activities one
	// after the other; its output is the sum of their results 0..k-1.
	sequence(ctx context.Context, k int) (int, error)
	// fanout runs an orchestration that starts f no-op activities at once
	// and awaits them all; its output is the sum 0..f-1.
	fanout(ctx context.Context, f int) (int, error)
	close() error
}

// timeout bounds one scenario, as cmd/durable-bench bounds each wait.
const timeout = 10 * time.Minute

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "peers:", err)
		os.Exit(1)
	}
}

func run() error {
	storeName := flag.String("store", "dbos-sqlite", "peer and backend: dbos-sqlite, go-workflows-sqlite or go-workflows-redis")
	scenarios := flag.String("scenarios", "sequence,fanout,latency", "comma-separated scenarios")
	n := flag.Int("n", 2000, "sequence: number of orchestrations")
	k := flag.Int("k", 1, "sequence: activities per orchestration")
	f := flag.Int("f", 1000, "fanout: activities in the fan-out")
	reps := flag.Int("reps", 200, "latency: number of sequential runs")
	flag.Int("s", 10000, "entity, entities: accepted for parity with durable-bench; no peer has entities")
	flag.Int("e", 1000, "entities: accepted for parity with durable-bench; no peer has entities")
	path := flag.String("path", "", "sqlite: database file (default: a fresh temporary file)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the scenarios to this file")
	flag.Parse()

	ctx := context.Background()
	if *path == "" {
		dir, err := os.MkdirTemp("", "peers-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		*path = filepath.Join(dir, "bench.db")
	}
	p, err := openPeer(ctx, *storeName, *path, *n)
	if err != nil {
		return fmt.Errorf("open %s: %w", *storeName, err)
	}
	defer func() {
		if err := p.close(); err != nil {
			fmt.Fprintln(os.Stderr, "peers: close:", err)
		}
	}()
	if *cpuProfile != "" {
		pf, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	out := json.NewEncoder(os.Stdout)
	for _, sc := range strings.Split(*scenarios, ",") {
		sc = strings.TrimSpace(sc)
		r := result{Store: *storeName, Scenario: sc, N: *n, K: *k, F: *f}
		sctx, cancel := context.WithTimeout(ctx, timeout)
		switch sc {
		case "sequence":
			err = sequence(sctx, p, &r)
		case "fanout":
			err = fanout(sctx, p, &r)
		case "latency":
			r.N = *reps
			err = latency(sctx, p, &r)
		case "entity", "entities":
			fmt.Fprintf(os.Stderr, "peers: %s has no durable entities; scenario %s skipped\n", *storeName, sc)
			cancel()
			continue
		default:
			err = fmt.Errorf("unknown scenario %q (want sequence, fanout or latency)", sc)
		}
		cancel()
		if err != nil {
			return fmt.Errorf("%s on %s: %w", sc, *storeName, err)
		}
		if err := out.Encode(r); err != nil {
			return err
		}
	}
	return nil
}

func openPeer(ctx context.Context, name, path string, n int) (peer, error) {
	switch name {
	case "dbos-sqlite":
		return openDBOS(ctx, path)
	case "go-workflows-sqlite":
		return openGoWorkflowsSQLite(ctx, path, n)
	case "go-workflows-redis":
		return openGoWorkflowsRedis(ctx, n)
	}
	return nil, fmt.Errorf("unknown store %q (want dbos-sqlite, go-workflows-sqlite or go-workflows-redis)", name)
}

// sumTo is the output every orchestration must return: 0 + 1 + … + (m-1).
func sumTo(m int) int { return m * (m - 1) / 2 }

// runSequence runs one sequence orchestration and checks its output.
func runSequence(ctx context.Context, p peer, k int) error {
	got, err := p.sequence(ctx, k)
	if err != nil {
		return err
	}
	if got != sumTo(k) {
		return fmt.Errorf("sequence of %d returned %d, want %d", k, got, sumTo(k))
	}
	return nil
}

// sequence starts n orchestrations at once and waits for all.
func sequence(ctx context.Context, p peer, r *result) error {
	start := time.Now()
	lat := make([]time.Duration, r.N)
	errs := make(chan error, r.N)
	var wg sync.WaitGroup
	for i := 0; i < r.N; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			if err := runSequence(ctx, p, r.K); err != nil {
				errs <- err
				return
			}
			lat[i] = time.Since(t0)
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	r.Seconds, r.OrchPerS, r.ActPerS = secs, float64(r.N)/secs, float64(r.N*r.K)/secs
	r.P50Millis, r.P99Millis = percentiles(lat)
	return nil
}

// fanout runs one orchestration with f parallel activities.
func fanout(ctx context.Context, p peer, r *result) error {
	start := time.Now()
	got, err := p.fanout(ctx, r.F)
	if err != nil {
		return err
	}
	if got != sumTo(r.F) {
		return fmt.Errorf("fan-out of %d returned %d, want %d", r.F, got, sumTo(r.F))
	}
	secs := time.Since(start).Seconds()
	r.Seconds, r.OrchPerS, r.ActPerS = secs, 1/secs, float64(r.F)/secs
	r.P50Millis, r.P99Millis = secs*1000, secs*1000
	return nil
}

// latency measures start → completed for a one-activity orchestration on a
// warm runtime, one at a time, after the same 20 warm-up runs as ours.
func latency(ctx context.Context, p peer, r *result) error {
	for i := 0; i < 20; i++ {
		if err := runSequence(ctx, p, 1); err != nil {
			return err
		}
	}
	lat := make([]time.Duration, r.N)
	start := time.Now()
	for i := range lat {
		t0 := time.Now()
		if err := runSequence(ctx, p, 1); err != nil {
			return err
		}
		lat[i] = time.Since(t0)
	}
	secs := time.Since(start).Seconds()
	r.Seconds, r.OrchPerS, r.ActPerS = secs, float64(r.N)/secs, float64(r.N)/secs
	r.P50Millis, r.P99Millis = percentiles(lat)
	return nil
}

func percentiles(d []time.Duration) (p50, p99 float64) {
	if len(d) == 0 {
		return 0, 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	at := func(q float64) float64 { return float64(s[int(q*float64(len(s)-1))]) / float64(time.Millisecond) }
	return at(0.50), at(0.99)
}
