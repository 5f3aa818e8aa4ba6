package handler

import (
	"fmt"
	"slices"
	"strings"

	"github.com/godurable/durablefunctions/internal/funcapp"
)

// Built-in functions the handler serves itself when the app declares them
// without registering Go code: the management API behind the host and the
// keep-alive timer of consumption plans (see func-templates/).
const (
	managementRoutePrefix = "durabletask/"
	wakeFunctionName      = "DurableTaskWake"
)

// isManagementAPI reports whether f is the HTTP function that exposes the
// management API behind the host (route durabletask/{*path}).
func (a *App) isManagementAPI(fa *funcapp.App, f *funcapp.Function) bool {
	if f.Kind() != funcapp.KindHTTP || a.http[strings.ToLower(f.Name)] != nil {
		return false
	}
	return strings.HasPrefix(strings.ToLower(f.Trigger.Route()), managementRoutePrefix)
}

func (a *App) isWakeTimer(f *funcapp.Function) bool {
	return f.Kind() == funcapp.KindTimer && strings.EqualFold(f.Name, wakeFunctionName) && a.timer[strings.ToLower(f.Name)] == nil
}

// check matches the function.json declarations against the Go
// registrations and returns every mismatch in one error.
func (a *App) check(fa *funcapp.App) error {
	problems := append([]string(nil), a.problems...)
	declared := map[string]bool{}
	for _, f := range fa.Functions {
		// "disabled" tells the Functions host to leave a function alone. The
		// durable functions are run by this process, not by the host, so a
		// disabled durable function is still ours (see docs/azure.md).
		if f.Trigger == nil || (f.Disabled && !f.Kind().IsDurable()) {
			continue
		}
		name := f.DurableName()
		where := fmt.Sprintf("%s/function.json", f.Name)
		missing := func(kind, call string) {
			problems = append(problems, fmt.Sprintf("function %q (%s trigger in %s) has no Go code: register it with %s", name, kind, where, call))
		}
		switch f.Kind() {
		case funcapp.KindOrchestration:
			declared["orchestrator:"+strings.ToLower(name)] = true
			if !a.reg.HasOrchestrator(name) {
				missing("orchestrationTrigger", fmt.Sprintf("app.Orchestrator(%q, fn)", name))
			}
		case funcapp.KindActivity:
			declared["activity:"+strings.ToLower(name)] = true
			if !a.reg.HasActivity(name) {
				missing("activityTrigger", fmt.Sprintf("app.Activity(%q, fn)", name))
			}
		case funcapp.KindEntity:
			declared["entity:"+strings.ToLower(name)] = true
			if !a.reg.HasEntity(name) {
				missing("entityTrigger", fmt.Sprintf("app.Entity(%q, fn)", name))
			}
		case funcapp.KindHTTP:
			declared["HTTP:"+strings.ToLower(f.Name)] = true
			if a.http[strings.ToLower(f.Name)] == nil && !a.isManagementAPI(fa, f) {
				missing("httpTrigger", fmt.Sprintf("app.HTTP(%q, fn)", f.Name))
			}
		case funcapp.KindQueue:
			declared["queue:"+strings.ToLower(f.Name)] = true
			if a.queue[strings.ToLower(f.Name)] == nil {
				missing("queueTrigger", fmt.Sprintf("app.Queue(%q, fn)", f.Name))
			}
		case funcapp.KindEventHub:
			declared["Event Hub:"+strings.ToLower(f.Name)] = true
			if a.eventHub[strings.ToLower(f.Name)] == nil {
				missing("eventHubTrigger", fmt.Sprintf("app.EventHub(%q, fn)", f.Name))
			}
		case funcapp.KindTimer:
			declared["timer:"+strings.ToLower(f.Name)] = true
			if a.timer[strings.ToLower(f.Name)] == nil && !a.isWakeTimer(f) {
				missing("timerTrigger", fmt.Sprintf("app.Timer(%q, fn)", f.Name))
			}
		default:
			problems = append(problems, fmt.Sprintf("function %q (%s): trigger type %q is not supported by this handler", f.Name, where, f.Trigger.Type))
		}
	}
	undeclared := func(kind string, names []string, trigger string) {
		for _, n := range names {
			if !declared[kind+":"+strings.ToLower(n)] {
				problems = append(problems, fmt.Sprintf("%s %q is registered in Go but no function.json declares it: create %s/function.json with a %q binding (go run ./cmd/durablefunc new --kind %s --name %s)",
					kind, n, n, trigger, strings.ReplaceAll(strings.ToLower(kind), " ", ""), n))
			}
		}
	}
	undeclared("orchestrator", slices.DeleteFunc(a.reg.Orchestrators(), isBuiltinOrchestrator), "orchestrationTrigger")
	undeclared("activity", a.reg.Activities(), "activityTrigger")
	undeclared("entity", a.reg.Entities(), "entityTrigger")
	undeclared("HTTP", names(a, a.http), "httpTrigger")
	undeclared("queue", names(a, a.queue), "queueTrigger")
	undeclared("Event Hub", names(a, a.eventHub), "eventHubTrigger")
	undeclared("timer", names(a, a.timer), "timerTrigger")
	if len(problems) == 0 {
		return nil
	}
	return &funcapp.AppError{Problems: problems}
}

func names[F any](a *App, m map[string]F) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, a.names[k])
	}
	return out
}
