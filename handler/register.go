package handler

import "github.com/godurable/durablefunctions/durable"

// Register registers durable functions by their typed handles
// (durable.NewActivity, durable.NewOrchestrator, durable.NewEntity), each
// under the name it carries, so a function.json folder, the registration
// and every call site name the same function:
//
//	app.Register(SayHello, HelloSequence)
//
// Problems are reported as Orchestrator, Activity and Entity report them:
// a name registered twice, or used by another function, fails the app's
// startup.
func (a *App) Register(fns ...durable.Function) {
	for _, fn := range fns {
		if fn != nil {
			a.claim(fn.Name(), fn.Kind())
		}
		a.note(a.reg.Register(fn))
	}
}
