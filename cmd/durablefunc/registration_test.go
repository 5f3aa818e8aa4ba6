package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	functemplates "github.com/godurable/durablefunctions/func-templates"
)

// shapes declares, for each kind, a function of every Go shape the kind's
// registration lines name, under the names the lines use.
var shapes = map[string]string{
	"orchestrator": `
func Plain(ctx *durable.OrchestrationContext) (any, error) { return nil, nil }
func Typed(ctx *durable.OrchestrationContext, in int) (string, error) { return "", nil }
var Handle = durable.NewOrchestrator("Handle", func(ctx *durable.OrchestrationContext, in int) (string, error) { return "", nil })`,
	"activity": `
func Plain(ctx *durable.ActivityContext) (any, error) { return nil, nil }
func Typed(ctx context.Context, in int) (string, error) { return "", nil }
var Handle = durable.NewActivity("Handle", func(ctx context.Context, in int) (string, error) { return "", nil })`,
	"entity": `
func Plain(ctx *durable.EntityContext) error { return nil }
type Typed struct{ N int }
func (t *Typed) Add(n int) { t.N += n }`,
	"http":     `func Plain(w http.ResponseWriter, r *http.Request, fc *handler.FunctionContext) {}`,
	"queue":    `func Plain(ctx context.Context, msg *bindings.QueueMessage, fc *handler.FunctionContext) error { return nil }`,
	"eventhub": `func Plain(ctx context.Context, b *bindings.EventHubBatch, fc *handler.FunctionContext) error { return nil }`,
	"timer":    `func Plain(ctx context.Context, t *bindings.TimerInfo, fc *handler.FunctionContext) error { return nil }`,
}

// Every line `durablefunc new` prints compiles for the Go shape its comment
// names: a user who pastes it gets a program that builds.
func TestEveryPrintedRegistrationLineCompilesForItsShape(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a program")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH")
	}
	var decls, body bytes.Buffer
	for kind, src := range shapes {
		prefix := strings.ToUpper(kind[:1]) + kind[1:]
		decls.WriteString(strings.NewReplacer("Plain", prefix+"Plain", "Typed", prefix+"Typed", "Handle", prefix+"Handle").Replace(src) + "\n")
		// Line i of the printed registration is for shape i: Plain is
		// the first shape, Typed the second, Handle the third (durable
		// kinds only).
		for i, name := range []string{prefix + "Plain", prefix + "Typed", prefix + "Handle"} {
			_, reg, err := functemplates.Render(kind, name, nil)
			if err != nil {
				t.Fatal(err)
			}
			if lines := strings.Split(reg, "\n"); i < len(lines) {
				body.WriteString("\t" + lines[i] + "\n")
			}
		}
	}
	if n := strings.Count(body.String(), "app."); n != 12 {
		t.Fatalf("matched %d registration lines to shapes, want 12 (3 for orchestrators and activities, 2 for entities, 1 per trigger):\n%s", n, body.String())
	}
	src := "package main\n\nimport (\n\t\"context\"\n\t\"net/http\"\n\n" +
		"\t\"github.com/godurable/durablefunctions/bindings\"\n\t\"github.com/godurable/durablefunctions/durable\"\n\t\"github.com/godurable/durablefunctions/handler\"\n)\n\n" +
		"var _ = context.Background\nvar _ http.Handler\nvar _ *bindings.QueueMessage\n" + decls.String() +
		"\nfunc main() {\n\tapp := handler.NewApp()\n" + body.String() + "\thandler.Main(app)\n}\n"
	dir, err := os.MkdirTemp("../..", "_registration-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "build", "-o", os.DevNull, "./"+filepath.Base(dir))
	cmd.Dir = "../.."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the printed registration lines do not compile: %v\n%s\n%s", err, out, src)
	}
}
