package handler

import (
	"context"
	"fmt"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/godurable/durablefunctions/bindings"
	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/funcapp"
	"github.com/godurable/durablefunctions/internal/provider"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/triggers"
)

// Standalone, nothing invokes timer and queue functions but this process:
// it runs their schedules and polls their queues as `func start` would
// (package internal/triggers). Event Hubs cannot be reached, so Event Hub
// functions are invoked by hand (POST /admin/functions/{name}). Behind the
// host, the host triggers them all and none of this runs.

// standaloneTriggers are the timers and queue pollers of one server.
type standaloneTriggers struct {
	group *triggers.Group
	runs  []func(poll, work context.Context)
}

// registerTimerMarker registers the no-op orchestration whose instances
// mark claimed timer occurrences, so they complete and can be purged. Every
// mode registers it: any process on the task hub may run a marker.
func (a *App) registerTimerMarker() {
	if !a.reg.HasOrchestrator(triggers.MarkerOrchestrator) {
		_ = a.reg.AddOrchestrator(triggers.MarkerOrchestrator, func(*durable.OrchestrationContext) (any, error) { return nil, nil })
	}
}

// isBuiltinOrchestrator reports whether name is registered by the handler
// itself, not by the app's code (so no function.json declares it).
func isBuiltinOrchestrator(name string) bool {
	return strings.EqualFold(name, triggers.MarkerOrchestrator)
}

// planTriggers decides how each function is triggered, logs it (one line
// per function), and prepares the timers and pollers of standalone mode.
// A schedule, queue name or connection that cannot work fails startup.
func (s *Server) planTriggers(st *durable.Store) error {
	s.app.registerTimerMarker()
	if s.opts.Mode != Standalone {
		return nil
	}
	loc, err := timerLocation(s.fa.Settings)
	if err != nil {
		return err
	}
	t := &standaloneTriggers{group: triggers.NewGroup()}
	ledger := &triggers.Ledger{Store: store.Unwrap(st), Clock: store.SystemClock{}}
	var problems []string
	for _, f := range s.fa.Functions {
		how, err := s.planFunction(f, t, ledger, loc)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s/function.json: %v", f.Name, err))
			continue
		}
		s.log.Info("function", "name", f.Name, "trigger", how)
	}
	if len(problems) > 0 {
		return &funcapp.AppError{Problems: problems}
	}
	s.triggers = t
	return nil
}

// planFunction returns how f is triggered standalone, adding its timer or
// poller to t.
func (s *Server) planFunction(f *funcapp.Function, t *standaloneTriggers, ledger *triggers.Ledger, loc *time.Location) (string, error) {
	byHand := "invoke it by hand: POST /admin/functions/" + f.Name + ` with {"input": "..."}`
	switch {
	case f.Disabled:
		return "disabled: not triggered", nil
	case f.Kind().IsDurable():
		return f.Kind().String() + ": run by the durable engine", nil
	case f.Kind() == funcapp.KindHTTP && s.app.isManagementAPI(s.fa, f):
		return "HTTP: the management API at /" + s.fa.HTTPRoute(f), nil
	case f.Kind() == funcapp.KindHTTP:
		return "HTTP: " + httpMethods(f) + " /" + s.fa.HTTPRoute(f), nil
	case f.Kind() == funcapp.KindEventHub:
		return "Event Hub: not connected standalone (no Event Hubs can be reached); " + byHand, nil
	case f.Kind() == funcapp.KindTimer && s.app.isWakeTimer(f):
		return "timer: not scheduled (it wakes the engine behind the host; standalone the engine runs in this process)", nil
	case f.Kind() == funcapp.KindTimer:
		return s.planTimer(f, t, ledger, loc)
	case f.Kind() == funcapp.KindQueue:
		return s.planQueue(f, t, byHand)
	}
	return "not triggered standalone", nil
}

func (s *Server) planTimer(f *funcapp.Function, t *standaloneTriggers, ledger *triggers.Ledger, loc *time.Location) (string, error) {
	now := time.Now().In(loc)
	sched, frequent, err := triggers.ParseSchedule(f.Trigger.Schedule(), s.fa.Settings.Lookup, now)
	if err != nil {
		return "", err
	}
	runOnStartup, err := f.Trigger.RunOnStartup()
	if err != nil {
		return "", err
	}
	monitor, err := f.Trigger.UseMonitor()
	if err != nil {
		return "", err
	}
	fn := s.app.timer[strings.ToLower(f.Name)]
	tm := &triggers.Timer{Name: f.Name, Schedule: sched, Location: loc, UseMonitor: monitor && !frequent, RunOnStartup: runOnStartup,
		Ledger: ledger, Clock: store.SystemClock{}, Logger: s.log,
		Invoke: func(ctx context.Context, info *bindings.TimerInfo) error {
			return safely(func() error { return fn(ctx, info, s.standaloneContext(f)) })
		}}
	t.runs = append(t.runs, tm.Run)
	how := fmt.Sprintf("timer: schedule %q in %s, next at %s", sched.String(), loc, sched.Next(now).Format(time.RFC3339))
	if runOnStartup {
		how += ", runOnStartup"
	}
	if !tm.UseMonitor {
		how += ", unmonitored (no past-due runs)"
	}
	return how, nil
}

func (s *Server) planQueue(f *funcapp.Function, t *standaloneTriggers, byHand string) (string, error) {
	name, err := queueName(f.Trigger.QueueName(), s.fa.Settings.Lookup)
	if err != nil {
		return "", err
	}
	p := s.app.queueProvider()
	if p == nil {
		return "", provider.AzureStorage.Missing("it is queue-triggered, and standalone the app polls its Azure Storage queue itself")
	}
	fn := s.app.queue[strings.ToLower(f.Name)]
	run, how, err := p.Queue(provider.QueueRequest{Function: f.Name, Queue: name, Connection: f.Trigger.Connection(),
		Setting: s.fa.Settings.Lookup, Options: s.fa.Host.Queues, Logger: s.log,
		Invoke: func(ctx context.Context, msg *bindings.QueueMessage) error {
			return safely(func() error { return fn(ctx, msg, s.standaloneContext(f)) })
		}})
	if err != nil {
		return "", err
	}
	if run == nil {
		return how + "; " + byHand, nil
	}
	t.runs = append(t.runs, run)
	return how, nil
}

// startTriggers starts the timers and pollers once the runtime runs.
func (s *Server) startTriggers() {
	if s.triggers == nil {
		return
	}
	for _, run := range s.triggers.runs {
		s.triggers.group.Go(run)
	}
}

// stopTriggers stops taking new work and waits (until ctx ends) for the
// functions in flight.
func (s *Server) stopTriggers(ctx context.Context) {
	if s.triggers != nil {
		_ = s.triggers.group.Stop(ctx)
	}
}

var queueNamePattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9]|-[a-z0-9]){2,62}$`)

// queueName resolves %Setting% references and lower-cases the name, as the
// host does, and checks the storage service's rules.
func queueName(raw string, setting func(string) (string, bool)) (string, error) {
	name, err := triggers.ResolveSettings(raw, setting)
	if err != nil {
		return "", fmt.Errorf("queueName: %w", err)
	}
	name = strings.ToLower(strings.TrimSpace(name))
	if !queueNamePattern.MatchString(name) {
		return "", fmt.Errorf("queueName %q is not a valid queue name: 3 to 63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit", name)
	}
	return name, nil
}

// timerLocation is the wall clock of NCRONTAB schedules: the host's local
// time zone, WEBSITE_TIME_ZONE when set (an IANA name such as
// Europe/Paris), else this machine's (TZ), as `func start` uses.
func timerLocation(settings *funcapp.Settings) (*time.Location, error) {
	name := strings.TrimSpace(settings.Get("WEBSITE_TIME_ZONE"))
	if name == "" {
		return time.Local, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("app setting WEBSITE_TIME_ZONE=%q: want an IANA time zone such as Europe/Paris: %w", name, err)
	}
	return loc, nil
}

func httpMethods(f *funcapp.Function) string {
	if ms := f.Trigger.Methods(); len(ms) > 0 {
		return strings.Join(ms, ",")
	}
	return "any method"
}

// safely runs a trigger function, turning a panic into an error so that
// it fails one invocation, not the process.
func safely(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	return fn()
}
