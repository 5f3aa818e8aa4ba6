package exttest

import (
	"net/http"
	"strings"

	"github.com/godurable/durablefunctions/internal/extension"
	"github.com/godurable/durablefunctions/internal/funcapp"
)

// WorkerHandler serves the durable functions of app (a custom handler's
// POST /{function}) with the executor, as the handler does in extension
// mode once wired (see docs/extension-mode.md, "Wiring"); other functions
// get 404. GET / answers the host's readiness probe.
func WorkerHandler(app *funcapp.App, x *extension.Executor) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/" {
			w.WriteHeader(http.StatusOK)
			return
		}
		f := app.Function(strings.TrimPrefix(r.URL.Path, "/"))
		if f == nil || r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		x.ServeInvocation(w, r, f.Name, KindOf(f))
	})
}

// KindOf maps a function's trigger to the executor's kind (0: not durable).
func KindOf(f *funcapp.Function) extension.Kind {
	switch f.Kind() {
	case funcapp.KindOrchestration:
		return extension.Orchestration
	case funcapp.KindActivity:
		return extension.Activity
	case funcapp.KindEntity:
		return extension.Entity
	}
	return 0
}
