package durabletest

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/store"
)

// TB is the part of testing.TB the kit uses: pass the test's *testing.T
// (or *testing.B, *testing.F).
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Fatal(args ...any)
	Cleanup(func())
}

// Env is an in-process task hub for one test: the real engine over the
// memory store, on a virtual clock. Create it with New; it stops when the
// test ends. Call its methods from the test's goroutine.
type Env struct {
	t      TB
	clock  *virtualClock
	store  *observedStore
	reg    *durable.Registry
	rt     *durable.Runtime
	client *durable.Client
	began  time.Time

	timeout time.Duration
	logger  *slog.Logger
	conc    [3]int

	mu         sync.Mutex
	activities map[string]*activityEntry // by lower-cased name
	calls      []*Call
	actions    []*timedAction // things the test scheduled at virtual times
	actionSeq  int
	pending    []*timedAction // RaiseEventAfter for the next Start
	// faults are failures found off the test's goroutine (a mock with no
	// answer left, called by the engine): drive reports them on the
	// test's goroutine, so that the failure points at the test's line.
	faults  []string
	runs    []*Run
	runSeq  int
	fired   int // how often the clock skipped ahead
	started bool
}

// Option configures New.
type Option func(*Env)

// WithStartTime starts the virtual clock at t instead of DefaultStartTime.
func WithStartTime(t time.Time) Option { return func(e *Env) { e.clock.now = t.UTC() } }

// WithTimeout bounds the real (wall-clock) time a Wait or Settle may take
// before the test fails with a report (default 10s, or less when the test's
// deadline is nearer). Virtual time is not bounded: an orchestration that
// keeps creating timers forever runs into this limit.
func WithTimeout(d time.Duration) Option { return func(e *Env) { e.timeout = d } }

// WithLogger sends the runtime's and the orchestrations' logs to l
// (discarded by default).
func WithLogger(l *slog.Logger) Option { return func(e *Env) { e.logger = l } }

// WithConcurrency lets orchestrations, activities and entities run in
// parallel. The default is one of each at a time, which makes the order of
// activity calls (Calls) the order in which they were scheduled.
func WithConcurrency(orchestrations, activities, entities int) Option {
	return func(e *Env) { e.conc = [3]int{orchestrations, activities, entities} }
}

// New returns a test environment. It registers a cleanup that stops it.
func New(t TB, opts ...Option) *Env {
	t.Helper()
	e := &Env{
		t:          t,
		clock:      &virtualClock{now: DefaultStartTime},
		reg:        durable.NewRegistry(),
		timeout:    10 * time.Second,
		conc:       [3]int{1, 1, 1},
		activities: make(map[string]*activityEntry),
	}
	for _, o := range opts {
		o(e)
	}
	e.began = e.clock.now
	e.store = newObservedStore(e.clock)
	ropts := []durable.RuntimeOption{durable.WithClock(e.clock), durable.WithConcurrency(e.conc[0], e.conc[1], e.conc[2])}
	if e.logger != nil {
		ropts = append(ropts, durable.WithLogger(e.logger))
	}
	e.rt = durable.NewRuntime(e.reg, store.NewHandle(e.store), ropts...)
	e.client = e.rt.Client()
	e.must(e.reg.AddOrchestrator(callEntityOrchestrator, callEntity))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = e.rt.Close(ctx)
		e.reportFaults() // those no later call of the test reported
	})
	return e
}

func (e *Env) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("durabletest: %v", err)
	}
}

// ensureStarted starts the runtime on first use.
func (e *Env) ensureStarted() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.started {
		e.started = true
		e.rt.Start()
	}
}

// Now returns the virtual time.
func (e *Env) Now() time.Time { return e.clock.Now() }

// Elapsed returns how much virtual time has passed since the Env began.
func (e *Env) Elapsed() time.Duration { return e.clock.Now().Sub(e.began) }

// Client returns the environment's client, for anything the Env does not
// wrap (its virtual clock applies).
func (e *Env) Client() *durable.Client { return e.client }

// Registry returns the environment's registry.
func (e *Env) Registry() *durable.Registry { return e.reg }

// Orchestrator registers an orchestrator.
func (e *Env) Orchestrator(name string, fn durable.OrchestratorFunc) {
	e.t.Helper()
	e.must(e.reg.AddOrchestrator(name, fn))
}

// Entity registers an entity.
func (e *Env) Entity(name string, fn durable.EntityFunc) {
	e.t.Helper()
	e.must(e.reg.AddEntity(name, fn))
}

// RegisterAll registers every orchestrator, activity and entity of reg
// (an app's registry, such as handler.App.Registry()). Its activities run
// for real unless mocked.
func (e *Env) RegisterAll(reg *durable.Registry) {
	e.t.Helper()
	for _, name := range sorted(reg.Orchestrators()) {
		e.Orchestrator(name, registryOrchestrator(reg, name))
	}
	for _, name := range sorted(reg.Activities()) {
		e.Activity(name, registryActivity(reg, name))
	}
	for _, name := range sorted(reg.Entities()) {
		e.Entity(name, registryEntity(reg, name))
	}
}

func sorted(s []string) []string { slices.Sort(s); return s }

// Start starts orchestrator name with input and returns its run. The
// instance id is "<name>-<n>" unless durable.WithInstanceID chooses one.
func (e *Env) Start(name string, input any, opts ...durable.StartOption) *Run {
	e.t.Helper()
	e.ensureStarted()
	e.mu.Lock()
	e.runSeq++
	id := fmt.Sprintf("%s-%d", name, e.runSeq)
	e.mu.Unlock()
	opts = append([]durable.StartOption{durable.WithInstanceID(id)}, opts...)
	id, err := e.client.StartNew(context.Background(), name, input, opts...)
	if err != nil {
		e.t.Fatalf("durabletest: start %q: %v", name, err)
	}
	r := &Run{env: e, ID: id, Name: name, started: e.clock.Now()}
	e.mu.Lock()
	e.runs = append(e.runs, r)
	pending := e.pending
	e.pending = nil
	e.mu.Unlock()
	for _, a := range pending {
		r.raiseEventAt(r.started.Add(a.after), a.event, a.data)
	}
	return r
}

// RaiseEventAfter arranges for the next run that Start starts to receive
// an event d of virtual time after it starts (use Run.RaiseEventAfter for
// a run already started). Time skipping delivers it: a test of a 72-hour
// approval takes milliseconds. If the run has finished by then, the event
// is dropped.
//
//	env.RaiseEventAfter(72*time.Hour, "ApprovalEvent", true)
//	run := env.Start("ApprovalWorkflow", input)
func (e *Env) RaiseEventAfter(d time.Duration, name string, data any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.pending = append(e.pending, &timedAction{after: d, event: name, data: data})
}

// timedAction is something the test asked to happen at a virtual time.
type timedAction struct {
	at   time.Time
	seq  int
	what string
	do   func() error

	// Before the run exists (Env.RaiseEventAfter before Start):
	after time.Duration
	event string
	data  any
}

// At runs fn when the virtual clock reaches t (at once if it has), from
// the goroutine that drives the clock (a Wait, Settle or AdvanceTime). An
// error fails the test.
func (e *Env) At(t time.Time, what string, fn func() error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.actionSeq++
	e.actions = append(e.actions, &timedAction{at: t, seq: e.actionSeq, what: what, do: fn})
}

// After runs fn d of virtual time from now (see At).
func (e *Env) After(d time.Duration, what string, fn func() error) {
	e.At(e.clock.Now().Add(d), what, fn)
}

// nextAction returns the earliest timed action, or nil.
func (e *Env) nextAction() *timedAction {
	e.mu.Lock()
	defer e.mu.Unlock()
	var best *timedAction
	for _, a := range e.actions {
		if best == nil || a.at.Before(best.at) || a.at.Equal(best.at) && a.seq < best.seq {
			best = a
		}
	}
	return best
}

// runDueActions runs the timed actions whose time has come, in order.
func (e *Env) runDueActions() bool {
	ran := false
	for {
		a := e.nextAction()
		if a == nil || a.at.After(e.clock.Now()) {
			return ran
		}
		e.mu.Lock()
		e.actions = slices.DeleteFunc(e.actions, func(x *timedAction) bool { return x == a })
		e.mu.Unlock()
		ran = true
		if err := a.do(); err != nil {
			e.t.Errorf("durabletest: at %s: %s: %v", e.clock.Now().Format(time.RFC3339), a.what, err)
		}
	}
}

// stuck is why drive gave up.
type stuck struct {
	reason string
}

// drive runs the engine until done reports true, skipping virtual time
// whenever the engine is idle. It never moves the clock past limit, and
// returns once the engine is idle at limit; a zero limit means no limit.
// It returns nil when done, or why it stopped.
func (e *Env) drive(done func() bool, limit time.Time) *stuck {
	e.t.Helper()
	s := e.driveUntil(done, limit)
	e.reportFaults()
	return s
}

// fault records a failure found off the test's goroutine.
func (e *Env) fault(err error) {
	e.mu.Lock()
	e.faults = append(e.faults, err.Error())
	e.mu.Unlock()
}

// reportFaults fails the test with the faults recorded so far.
func (e *Env) reportFaults() {
	e.t.Helper()
	e.mu.Lock()
	faults := e.faults
	e.faults = nil
	e.mu.Unlock()
	for _, f := range faults {
		e.t.Errorf("%s", f)
	}
}

func (e *Env) driveUntil(done func() bool, limit time.Time) *stuck {
	e.ensureStarted()
	timeout := e.timeout
	if d, ok := e.t.(interface{ Deadline() (time.Time, bool) }); ok {
		if dl, ok := d.Deadline(); ok {
			if left := time.Until(dl) - 500*time.Millisecond; left > 0 && left < timeout {
				timeout = left
			}
		}
	}
	firedBefore := e.fired
	tooLong := func(q string) *stuck {
		return &stuck{reason: fmt.Sprintf("it did not finish within %s of real time, while virtual time advanced to %s after the test began (%d time skips in this wait)%s; it may loop forever, or an activity may be blocked",
			timeout, e.Elapsed(), e.fired-firedBefore, q)}
	}
	wall := time.NewTimer(timeout)
	defer wall.Stop()
	poll := time.NewTicker(2 * time.Millisecond)
	defer poll.Stop()
	for {
		e.runDueActions()
		if done() {
			return nil
		}
		q := e.store.Quiet()
		if q.Busy {
			select {
			case <-e.store.bell:
			case <-poll.C:
			case <-wall.C:
				return tooLong(fmt.Sprintf("; at the end %d work items were in flight and %d ready", q.Locked, q.Visible))
			}
			continue
		}
		// Idle: only time (or the test) can bring more work.
		if done() {
			return nil
		}
		select {
		case <-wall.C:
			return tooLong("")
		default:
		}
		next := q.NextDue
		if a := e.nextAction(); a != nil && (next.IsZero() || a.at.Before(next)) {
			next = a.at
		}
		if next.IsZero() && !limit.IsZero() {
			e.clock.advanceTo(limit)
			return nil
		}
		if next.IsZero() {
			return &stuck{reason: "the engine is idle and no timer, delayed message or scheduled event is due: nothing can make progress"}
		}
		if !limit.IsZero() && next.After(limit) {
			e.clock.advanceTo(limit)
			return nil
		}
		e.fired++
		e.clock.advanceTo(next)
	}
}

// Settle runs the work that is ready now (activities, episodes, entity
// operations, and whatever they trigger) without moving the clock, and
// returns when the engine is idle.
func (e *Env) Settle() {
	e.t.Helper()
	if s := e.drive(func() bool { return false }, e.clock.Now()); s != nil {
		e.t.Fatalf("durabletest: Settle: %s\n%s", s.reason, e.report())
	}
}

// AdvanceTime moves the virtual clock d forward, firing the timers, delayed
// signals and scheduled events due on the way in order, and settles.
func (e *Env) AdvanceTime(d time.Duration) {
	e.t.Helper()
	target := e.clock.Now().Add(d)
	if s := e.drive(func() bool { return false }, target); s != nil {
		e.t.Fatalf("durabletest: AdvanceTime(%s): %s\n%s", d, s.reason, e.report())
	}
	e.Settle()
}

// report describes every run that has not finished.
func (e *Env) report() string {
	e.mu.Lock()
	runs := slices.Clone(e.runs)
	e.mu.Unlock()
	var b strings.Builder
	for _, r := range runs {
		st, err := e.client.GetStatus(context.Background(), r.ID)
		if err != nil || st.IsFinished() {
			continue
		}
		b.WriteString(e.describeInstance(r.ID, "  "))
	}
	return b.String()
}

// Register registers functions by their typed handles (durable.NewActivity,
// durable.NewOrchestrator, durable.NewEntity), each under the name it
// carries, as handler.App.Register does.
func (e *Env) Register(fns ...durable.Function) {
	e.t.Helper()
	for _, fn := range fns {
		switch f := fn.(type) {
		case interface {
			Func() durable.OrchestratorFunc
		}:
			e.Orchestrator(fn.Name(), f.Func())
		case interface{ Func() durable.ActivityFunc }:
			e.Activity(fn.Name(), f.Func())
		case interface{ Func() durable.EntityFunc }:
			e.Entity(fn.Name(), f.Func())
		default:
			e.t.Fatalf("durabletest: Register(%v): not a function handle", fn)
		}
	}
}
