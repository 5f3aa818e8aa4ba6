// Package a has orchestrators using every forbidden construct directly.
package a

import (
	crand "crypto/rand"
	"database/sql"
	"io"
	"io/ioutil"
	"maps"
	"math/rand"
	randv2 "math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/godurable/durablefunctions/durable"
)

var counter int

var state struct{ last string }

var seen = map[string]bool{}

func Clock(ctx *durable.OrchestrationContext) (any, error) {
	start := time.Now()   // want `call to time\.Now in orchestrator Clock: the wall clock gives a different value each time the orchestrator is replayed; use ctx\.CurrentUTCDateTime\(\)`
	_ = time.Since(start) // want `call to time\.Since in orchestrator Clock: .*; use ctx\.CurrentUTCDateTime\(\)`
	_ = time.Until(start) // want `call to time\.Until .*use ctx\.CurrentUTCDateTime\(\)`
	now := time.Now       // want `use of time\.Now in orchestrator Clock`
	return now(), nil
}

func Timers(ctx *durable.OrchestrationContext) (any, error) {
	time.Sleep(time.Second)            // want `call to time\.Sleep in orchestrator Timers: real timers are not recorded in the history .*; use ctx\.CreateTimer\(\.\.\.\)\.Await\(nil\)`
	<-time.After(time.Second)          // want `call to time\.After .*ctx\.CreateTimer` `channel receive`
	_ = time.Tick(time.Second)         // want `call to time\.Tick .*ctx\.CreateTimer`
	_ = time.NewTimer(time.Second)     // want `call to time\.NewTimer .*ctx\.CreateTimer`
	_ = time.NewTicker(time.Second)    // want `call to time\.NewTicker .*ctx\.CreateTimer`
	time.AfterFunc(time.Second, nil)   // want `call to time\.AfterFunc .*ctx\.CreateTimer`
	_ = time.Duration(3) * time.Second // durations are fine
	return nil, nil
}

func Random(ctx *durable.OrchestrationContext) (any, error) {
	_ = rand.Intn(10)   // want `call to math/rand\.Intn in orchestrator Random: random values differ on every replay; use ctx\.NewGUID\(\) or do it in an activity`
	_ = randv2.IntN(10) // want `call to math/rand/v2\.IntN .*ctx\.NewGUID\(\)`
	b := make([]byte, 4)
	_, _ = crand.Read(b)                // want `call to crypto/rand\.Read .*ctx\.NewGUID\(\)`
	_, _ = io.ReadFull(crand.Reader, b) // want `use of crypto/rand\.Reader .*ctx\.NewGUID\(\)`
	// A generator seeded deterministically is fine.
	r := rand.New(rand.NewSource(42))
	return r.Intn(10), nil
}

func Goroutines(ctx *durable.OrchestrationContext) (any, error) {
	ch := make(chan int, 1) // want `make\(chan\) in orchestrator Goroutines: channel operations depend on goroutine scheduling.*; use ctx\.WhenAll/WhenAny with tasks; orchestrator code runs on one goroutine`
	go func() {             // want `go statement in orchestrator Goroutines: goroutines run concurrently.*ctx\.WhenAll/WhenAny`
		ch <- 1 // want `channel send .*ctx\.WhenAll/WhenAny`
	}()
	v := <-ch           // want `channel receive .*ctx\.WhenAll/WhenAny`
	for x := range ch { // want `range over channel`
		v += x
	}
	select { // want `select statement in orchestrator Goroutines: select picks among ready cases at random.*ctx\.WhenAll/WhenAny`
	case v = <-ch:
	case ch <- 2:
	default:
	}
	return v, nil
}

func Maps(ctx *durable.OrchestrationContext) (any, error) {
	var m map[string]int
	for k, v := range m { // want `range over map in orchestrator Maps: map iteration order is random.*; sort the keys first`
		_ = ctx.CallActivity(k, v)
	}
	for k := range maps.Keys(m) { // want `range over maps\.Keys\(\.\.\.\) .*sort the keys first`
		_ = ctx.CallActivity(k, nil)
	}
	var keys []string
	for k := range m { // want `range over map`
		keys = append(keys, k)
	}
	return keys, nil
}

func IO(ctx *durable.OrchestrationContext) (any, error) {
	_, _ = os.ReadFile("x")           // want `call to os\.ReadFile in orchestrator IO: I/O results are not recorded in the history.*; do I/O in an activity`
	_ = os.Getenv("HOME")             // want `call to os\.Getenv .*do I/O in an activity`
	_, _ = http.Get("http://example") // want `call to net/http\.Get .*do I/O in an activity`
	_, _ = net.Dial("tcp", "x:1")     // want `call to net\.Dial .*do I/O`
	_, _ = ioutil.ReadAll(nil)        // want `call to io/ioutil\.ReadAll .*do I/O`
	db, _ := sql.Open("x", "y")       // want `call to database/sql\.Open .*do I/O`
	_, _ = db.Query("select 1")       // want `call to \(\*database/sql\.DB\)\.Query .*do I/O`
	_ = exec.Command("ls").Run()      // want `call to os/exec\.Command .*do I/O` `call to \(\*os/exec\.Cmd\)\.Run .*do I/O`
	_ = syscall.Getpid()              // want `call to syscall\.Getpid .*do I/O`
	_, err := os.Open("x")            // want `call to os\.Open`
	_ = os.IsNotExist(err)            // pure helpers are fine
	_ = http.StatusText(200)
	_ = net.ParseIP("127.0.0.1").String()
	return nil, nil
}

func Globals(ctx *durable.OrchestrationContext) (any, error) {
	counter++            // want `increment of package variable counter in orchestrator Globals: package variables are not replayed.*; keep state in local variables or the orchestration input`
	counter = 2          // want `assignment to package variable counter .*keep state in local variables`
	counter += 3         // want `assignment to package variable counter`
	state.last = "x"     // want `assignment to package variable state`
	seen["x"] = true     // want `assignment to package variable seen`
	delete(seen, "x")    // want `delete on package variable seen`
	local := counter + 1 // reading is fine
	local++
	var s struct{ last string }
	s.last = "y"
	return local, nil
}

func Sync(ctx *durable.OrchestrationContext) (any, error) {
	var mu sync.Mutex
	mu.Lock()   // want `call to \(\*sync\.Mutex\)\.Lock in orchestrator Sync: locks and wait groups imply goroutines.*ctx\.WhenAll/WhenAny`
	mu.Unlock() // want `call to \(\*sync\.Mutex\)\.Unlock`
	var rw sync.RWMutex
	rw.RLock() // want `call to \(\*sync\.RWMutex\)\.RLock`
	var wg sync.WaitGroup
	wg.Add(1) // want `call to \(\*sync\.WaitGroup\)\.Add`
	wg.Wait() // want `call to \(\*sync\.WaitGroup\)\.Wait`
	var once sync.Once
	once.Do(func() {}) // sync.Once is not flagged
	return nil, nil
}

// guarded embeds a mutex: its promoted methods are flagged too.
type guarded struct {
	sync.Mutex
	n int
}

// Run is a method orchestrator.
func (g *guarded) Run(ctx *durable.OrchestrationContext) (any, error) {
	g.Lock()   // want `call to \(\*sync\.Mutex\)\.Lock in orchestrator guarded\.Run`
	g.n++      // a field of the receiver, not a package variable
	g.Unlock() // want `Unlock`
	return g.n, nil
}

// Typed orchestrators and registered literals are orchestrators too.
func Register(r *durable.Registry) { // want Register:`nondeterministic: call to time\.Now \(a\.go:\d+\)`
	_ = r.AddOrchestrator("Literal", func(ctx *durable.OrchestrationContext) (any, error) {
		return time.Now(), nil // want `call to time\.Now in orchestrator "Literal"`
	})
	_ = r.AddOrchestrator("Typed", durable.OrchestratorOf(func(ctx *durable.OrchestrationContext, in string) (string, error) {
		return in + os.Getenv("X"), nil // want `call to os\.Getenv in orchestrator "Typed"`
	}))
	// Register itself is not an orchestrator: this is fine.
	_ = time.Now()
}

// Typed is an orchestrator with a typed input.
func Typed(ctx *durable.OrchestrationContext, n int) (int, error) {
	return n + rand.Int(), nil // want `call to math/rand\.Int in orchestrator Typed`
}

var Unregistered = func(ctx *durable.OrchestrationContext) (any, error) {
	return nil, os.Remove("x") // want `call to os\.Remove in orchestrator func literal at line \d+`
}
