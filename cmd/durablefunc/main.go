// Command durablefunc scaffolds and inspects Go Durable Functions apps.
//
//	durablefunc init [--module PATH] [--replace CHECKOUT] [--extension] [DIR]
//	durablefunc new --kind orchestrator --name HelloSequence [--app DIR]
//	durablefunc kinds
//
// `init` writes a working app into an empty folder: go.mod, main.go, an
// orchestrator, an activity, an HTTP starter, a unit test, host.json naming
// the binary that `make build` writes, and their function.json files.
//
// `new` writes DIR/<name>/function.json from func-templates and prints the Go
// line that registers the function.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	functemplates "github.com/godurable/durablefunctions/func-templates"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "durablefunc:", err)
		os.Exit(2)
	}
}

const usage = `usage:
  durablefunc init [--module PATH] [--replace CHECKOUT] [--extension] [DIR]
  durablefunc new --kind KIND --name NAME [--app DIR] [--route R] [--queue Q] [--eventhub E] [--schedule CRON] [--force]
  durablefunc kinds
  durablefunc history export INSTANCE_ID [--app DIR] [--db FILE] [--out FILE]
  durablefunc replay-check [--app DIR | --db FILE | --azure CONN --hub NAME | --dir DIR] [--pkg PACKAGE]`

func run(args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	switch args[0] {
	case "kinds":
		for _, k := range functemplates.Names() {
			fmt.Fprintf(out, "%-15s %s\n", k, functemplates.Kinds[k].Description)
		}
		return nil
	case "init":
		return initApp(args[1:], out)
	case "new":
		return newFunction(args[1:], out)
	case "history":
		return historyCommand(args[1:], out)
	case "replay-check":
		return replayCheckCommand(args[1:], out)
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], usage)
}

var validName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,127}$`)

func newFunction(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("new", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	kind := fs.String("kind", "", "template kind (see `durablefunc kinds`)")
	name := fs.String("name", "", "function name (folder name)")
	app := fs.String("app", ".", "function app directory")
	route := fs.String("route", "", "http: route template")
	queue := fs.String("queue", "", "queue: queue name")
	eventHub := fs.String("eventhub", "", "eventhub: event hub name")
	schedule := fs.String("schedule", "", "timer/wake: NCRONTAB schedule")
	force := fs.Bool("force", false, "overwrite an existing function.json")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%v\n%s", err, usage)
	}
	if *kind == "" || *name == "" {
		return fmt.Errorf("--kind and --name are required\n%s", usage)
	}
	if !validName.MatchString(*name) {
		return fmt.Errorf("invalid function name %q: start with a letter; use letters, digits, '_' and '-'", *name)
	}
	js, reg, err := functemplates.Render(*kind, *name, map[string]string{
		"Route": *route, "Queue": *queue, "EventHub": *eventHub, "Schedule": *schedule,
	})
	if err != nil {
		return err
	}
	dir := filepath.Join(*app, *name)
	path := filepath.Join(dir, "function.json")
	if _, err := os.Stat(path); err == nil && !*force {
		return fmt.Errorf("%s exists: pass --force to overwrite it", path)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(path, js, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(out, "wrote %s\nregister it in main.go (the line for your function's Go shape):\n\t%s\n", path, strings.ReplaceAll(reg, "\n", "\n\t"))
	if *kind == "queue" {
		// Standalone the app polls the queue itself, with the Azure SDK
		// that only apps asking for it link.
		fmt.Fprintf(out, "and, so that the app polls the queue when it serves itself, once in main.go:\n\tapp.Use(azurestore.Provider) // import %q\n",
			"github.com/godurable/durablefunctions/durable/azurestore")
	}
	return nil
}
