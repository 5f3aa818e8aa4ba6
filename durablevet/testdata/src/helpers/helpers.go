// Package helpers holds functions of the module that orchestrators call;
// it has no orchestrator, so it gets facts but no diagnostics.
package helpers

import (
	"crypto/rand"
	"os"
	"sort"
	"sync"
	"time"

	"deeper"
)

var counter int

var cache = map[string]string{}

func Stamp() time.Time { return time.Now() } // want Stamp:`nondeterministic: call to time\.Now \(helpers\.go:19\)`

func Nap() { time.Sleep(time.Second) } // want Nap:`call to time\.Sleep`

func Token() []byte { // want Token:`call to crypto/rand\.Read`
	b := make([]byte, 8)
	rand.Read(b)
	return b
}

func Spawn(f func()) { go f() } // want Spawn:`go statement`

func Recv(ch chan int) int { return <-ch } // want Recv:`channel receive`

func Pick(a, b chan int) int { // want Pick:`select statement`
	select {
	case v := <-a:
		return v
	case v := <-b:
		return v
	}
}

func NewChan() chan int { return make(chan int) } // want NewChan:`make\(chan\)`

func Keys(m map[string]int) []string { // want Keys:`range over map`
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func ReadConfig() ([]byte, error) { return os.ReadFile("config.json") } // want ReadConfig:`call to os\.ReadFile`

func Bump() int { // want Bump:`increment of package variable counter`
	counter++
	return counter
}

func Remember(k, v string) { cache[k] = v } // want Remember:`assignment to package variable cache`

func Locked(mu *sync.Mutex) { // want Locked:`call to \(\*sync\.Mutex\)\.Lock`
	mu.Lock()
	defer mu.Unlock()
}

// Indirect reaches time.Now through an unexported helper.
func Indirect() time.Time { return stamp() } // want Indirect:`call to time\.Now \(helpers\.go:69, via helpers\.stamp\)`

func stamp() time.Time { return time.Now() } // want stamp:`call to time\.Now`

// Deep reaches math/rand in another package.
func Deep() int { return deeper.Roll() + 1 } // want Deep:`call to math/rand\.Intn \(deeper\.go:7, via deeper\.Roll\)`

// Mutually recursive functions terminate.
func Ping(n int) bool { // want Ping:`call to time\.Now \(helpers\.go:\d+, via helpers\.Pong\)`
	if n == 0 {
		return true
	}
	return Pong(n - 1)
}

func Pong(n int) bool { // want Pong:`call to time\.Now`
	if n == 0 {
		return time.Now().IsZero()
	}
	return Ping(n - 1)
}

// Even and Odd recurse without reaching anything: no facts.
func Even(n int) bool { return n == 0 || Odd(n-1) }

func Odd(n int) bool { return n != 0 && Even(n-1) }

// Pure is deterministic: no fact.
func Pure(x int) int { return deeper.Double(x) + 1 }

// Sorted returns the keys in order: no fact.
func Sorted(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Clock has a nondeterministic method.
type Clock struct{}

func (Clock) Now() time.Time { return time.Now() } // want Now:`call to time\.Now`

// Logged is exempt: its findings neither count nor propagate.
//
//durable:nondeterministic-ok only logs
func Logged(msg string) { os.Stderr.WriteString(msg) }
