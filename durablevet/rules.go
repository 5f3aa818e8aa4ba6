package durablevet

import (
	"go/types"
)

// kind classifies a nondeterministic construct; it selects the explanation
// and the deterministic alternative shown in the diagnostic.
type kind int

const (
	kindClock     kind = iota + 1 // time.Now, time.Since, time.Until
	kindTimer                     // time.Sleep, time.After, ...
	kindRandom                    // math/rand, math/rand/v2, crypto/rand
	kindGoroutine                 // go statement
	kindChannel                   // send, receive, range over channel, make(chan)
	kindSelect                    // select statement
	kindMapRange                  // range over a map
	kindIO                        // os, net, net/http, ...
	kindGlobal                    // assignment to a package-level variable
	kindSync                      // sync.Mutex / RWMutex / WaitGroup methods
)

// why returns the reason the construct breaks replay.
func (k kind) why() string {
	switch k {
	case kindClock:
		return "the wall clock gives a different value each time the orchestrator is replayed"
	case kindTimer:
		return "real timers are not recorded in the history and block the worker during every replay"
	case kindRandom:
		return "random values differ on every replay"
	case kindGoroutine:
		return "goroutines run concurrently with the replay and their scheduling is not recorded in the history"
	case kindChannel:
		return "channel operations depend on goroutine scheduling, which is not recorded in the history"
	case kindSelect:
		return "select picks among ready cases at random and depends on goroutine scheduling"
	case kindMapRange:
		return "map iteration order is random, so actions can be scheduled in a different order on replay"
	case kindIO:
		return "I/O results are not recorded in the history, so a replay can see different data and repeats the side effects"
	case kindGlobal:
		return "package variables are not replayed: they keep their values across replays and are shared by all instances"
	case kindSync:
		return "locks and wait groups imply goroutines, whose scheduling is not recorded in the history"
	}
	return "the result can differ on replay"
}

// fix returns the deterministic alternative.
func (k kind) fix() string {
	switch k {
	case kindClock:
		return "use ctx.CurrentUTCDateTime()"
	case kindTimer:
		return "use ctx.CreateTimer(...).Await(nil)"
	case kindRandom:
		return "use ctx.NewGUID() or do it in an activity"
	case kindGoroutine, kindChannel, kindSelect, kindSync:
		return "use ctx.WhenAll/WhenAny with tasks; orchestrator code runs on one goroutine"
	case kindMapRange:
		return "sort the keys first"
	case kindIO:
		return "do I/O in an activity"
	case kindGlobal:
		return "keep state in local variables or the orchestration input"
	}
	return "move it to an activity"
}

var timeFuncs = map[string]kind{
	"Now":       kindClock,
	"Since":     kindClock,
	"Until":     kindClock,
	"Sleep":     kindTimer,
	"After":     kindTimer,
	"Tick":      kindTimer,
	"NewTimer":  kindTimer,
	"NewTicker": kindTimer,
	"AfterFunc": kindTimer,
}

// randConstructors build explicitly seeded generators, which are
// deterministic when the seed is.
var randConstructors = map[string]bool{
	"New": true, "NewSource": true, "NewPCG": true, "NewChaCha8": true, "NewZipf": true,
}

// ioPackages are packages whose functions and methods do I/O (or read the
// process environment). ioAllowed lists their pure helpers.
var ioPackages = map[string]bool{
	"os":           true,
	"os/exec":      true,
	"os/signal":    true,
	"os/user":      true,
	"net":          true,
	"net/http":     true,
	"io/ioutil":    true,
	"database/sql": true,
	"syscall":      true,
}

var ioAllowed = map[string]bool{
	"os.IsExist": true, "os.IsNotExist": true, "os.IsPermission": true, "os.IsTimeout": true,
	"net.ParseIP": true, "net.ParseCIDR": true, "net.ParseMAC": true, "net.IPv4": true,
	"net.IPv4Mask": true, "net.CIDRMask": true, "net.JoinHostPort": true, "net.SplitHostPort": true,
	"net/http.StatusText": true, "net/http.CanonicalHeaderKey": true,
	"net/http.DetectContentType": true, "net/http.ParseHTTPVersion": true,
	"database/sql.Named": true,
}

// ioAllowedRecv lists types whose methods are pure even though their
// package does I/O.
var ioAllowedRecv = map[string]bool{
	"net.IP": true, "net.IPMask": true, "net.IPNet": true, "net.HardwareAddr": true,
	"net/http.Header": true,
}

// ioAllowedMethod lists method names that are pure on any type (error
// values and the like).
var ioAllowedMethod = map[string]bool{"Error": true, "Unwrap": true, "String": true, "Timeout": true, "Temporary": true}

var filepathIO = map[string]bool{"Walk": true, "WalkDir": true, "Glob": true, "Abs": true, "EvalSymlinks": true}

var syncTypes = map[string]bool{"Mutex": true, "RWMutex": true, "WaitGroup": true}

// classifyFunc reports whether calling (or referencing) fn is
// nondeterministic, and how.
func classifyFunc(fn *types.Func) (kind, bool) {
	if fn.Pkg() == nil {
		return 0, false
	}
	path := fn.Pkg().Path()
	sig, _ := fn.Type().(*types.Signature)
	var recv *types.Named
	if sig != nil && sig.Recv() != nil {
		t := sig.Recv().Type()
		if p, ok := t.(*types.Pointer); ok {
			t = p.Elem()
		}
		recv, _ = types.Unalias(t).(*types.Named)
	}
	isMethod := sig != nil && sig.Recv() != nil

	switch path {
	case "time":
		if !isMethod {
			k, ok := timeFuncs[fn.Name()]
			return k, ok
		}
		return 0, false
	case "math/rand", "math/rand/v2":
		if !isMethod && !randConstructors[fn.Name()] {
			return kindRandom, true
		}
		return 0, false
	case "crypto/rand":
		return kindRandom, true
	case "sync":
		if recv != nil && syncTypes[recv.Obj().Name()] {
			return kindSync, true
		}
		return 0, false
	case "path/filepath":
		if !isMethod && filepathIO[fn.Name()] {
			return kindIO, true
		}
		return 0, false
	}
	if ioPackages[path] {
		if isMethod {
			if ioAllowedMethod[fn.Name()] {
				return 0, false
			}
			if recv != nil && ioAllowedRecv[path+"."+recv.Obj().Name()] {
				return 0, false
			}
			return kindIO, true
		}
		if ioAllowed[path+"."+fn.Name()] {
			return 0, false
		}
		return kindIO, true
	}
	return 0, false
}

// classifyVar reports uses of package variables that are themselves sources
// of nondeterminism (crypto/rand.Reader).
func classifyVar(v *types.Var) (kind, bool) {
	if v.Pkg() != nil && v.Pkg().Path() == "crypto/rand" && v.Name() == "Reader" {
		return kindRandom, true
	}
	return 0, false
}
