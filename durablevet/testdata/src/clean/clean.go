// Package clean holds deterministic orchestrators and activities doing I/O:
// no diagnostics.
package clean

import (
	"context"
	"fmt"
	"math/rand"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"helpers"
)

// maxRetries is read, never written, by orchestrators.
var maxRetries = 3

func Deterministic(ctx *durable.OrchestrationContext) (any, error) {
	start := ctx.CurrentUTCDateTime()
	id := ctx.NewGUID()
	if err := ctx.CreateTimer(start.Add(time.Minute)).Await(nil); err != nil {
		return nil, err
	}
	a := ctx.CallActivity("A", id)
	b := ctx.CallActivity("B", id)
	var results []string
	if err := ctx.WhenAll(a, b).Await(&results); err != nil {
		return nil, err
	}
	var winner durable.Task
	_ = ctx.WhenAny(a, ctx.WaitForExternalEvent("approve")).Await(&winner)
	elapsed := ctx.CurrentUTCDateTime().Sub(start)
	count := 0
	for i := 0; i < maxRetries; i++ {
		count++
	}
	return fmt.Sprintf("%s %v %d", strings.Join(results, ","), elapsed, count), nil
}

func SortedKeys(ctx *durable.OrchestrationContext) (any, error) {
	var in map[string]int
	if err := ctx.GetInput(&in); err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		_ = ctx.CallActivity(k, in[k])
	}

	var ids []int
	byID := map[int]string{}
	for id := range byID {
		ids = append(ids, id)
	}
	slices.Sort(ids)

	var names []string
	for n, _ := range in {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return names[i] < names[j] })

	// Copying into another map under the same key is order-independent.
	copyOf := map[string]int{}
	for k, v := range in {
		copyOf[k] = v
	}
	return len(copyOf), nil
}

// A deterministic helper of the same package and of another package.
func UsesHelpers(ctx *durable.OrchestrationContext) (any, error) {
	return double(helpers.Pure(1)) + len(helpers.Sorted(nil)), nil
}

func double(x int) int { return 2 * x }

// A seeded generator is deterministic.
func Seeded(ctx *durable.OrchestrationContext) (any, error) {
	r := rand.New(rand.NewSource(int64(len(ctx.NewGUID()))))
	return r.Intn(6), nil
}

// Activities may do anything. (They still get a fact: an orchestrator
// calling one directly would do its I/O.)
func FetchActivity(ctx *durable.ActivityContext) (any, error) { // want FetchActivity:`call to net/http\.Get`
	resp, err := http.Get("https://example.com")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var wg sync.WaitGroup
	ch := make(chan int, 1)
	wg.Add(1)
	go func() { defer wg.Done(); ch <- 1 }()
	wg.Wait()
	maxRetries = <-ch
	time.Sleep(time.Millisecond)
	return os.Getenv("HOME") + time.Now().String(), nil
}

// Typed activities take a context.Context.
func ReadFile(ctx context.Context, name string) (string, error) { // want ReadFile:`call to os\.ReadFile`
	b, err := os.ReadFile(name)
	return string(b), err
}

func Register(r *durable.Registry) {
	_ = r.AddActivity("Fetch", FetchActivity)
	_ = r.AddActivity("Read", durable.ActivityOf(ReadFile))
	_ = r.AddActivity("Inline", func(ctx *durable.ActivityContext) (any, error) {
		return os.Hostname()
	})
	_ = r.AddOrchestrator("Deterministic", Deterministic)
	_ = r.AddOrchestrator("Typed", durable.OrchestratorOf(func(ctx *durable.OrchestrationContext, in string) (string, error) {
		return strings.ToUpper(in), nil
	}))
}
