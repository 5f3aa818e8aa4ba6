package main

import (
	"bytes"
	"embed"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"text/template"

	functemplates "github.com/godurable/durablefunctions/func-templates"
)

// The skeleton app `durablefunc init` writes. The files end in .tmpl so that
// the Go tool does not build or test them as part of this module.
//
//go:embed skeleton/*.tmpl
var skeleton embed.FS

// modulePath is the import path of this project's module.
const modulePath = "github.com/godurable/durablefunctions"

// skeletonFiles maps each template to the file it becomes.
var skeletonFiles = map[string]string{
	"go.mod.tmpl":                      "go.mod",
	"main.go.tmpl":                     "main.go",
	"functions.go.tmpl":                "functions.go",
	"starter.go.tmpl":                  "starter.go",
	"functions_test.go.tmpl":           "functions_test.go",
	"host.json.tmpl":                   "host.json",
	"local.settings.json.example.tmpl": "local.settings.json.example",
	"Makefile.tmpl":                    "Makefile",
	"gitignore.tmpl":                   ".gitignore",
}

// skeletonFunctions are the function.json files of the skeleton's functions.
var skeletonFunctions = []struct{ kind, name, route string }{
	{"orchestrator", "Hello", ""},
	{"activity", "SayHello", ""},
	{"http", "StartHello", "hello"},
	{"management-api", "DurableTaskApi", ""},
}

type skeletonData struct {
	Module, Binary, Hub, Replace, Version string
	// Extension writes an app for extension mode: host.json loads the
	// extension bundle, so behind the host its Durable extension owns the
	// task hub (docs/extension-mode.md). Standalone the app still runs on
	// its own engine.
	Extension bool
}

var validModule = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._~/-]*$`)

// initApp writes a working app into an empty (or new) folder.
func initApp(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	module := fs.String("module", "", "module path of the new app (default: the folder's name)")
	replace := fs.String("replace", "", "use the durablefunctions checkout in this folder instead of a released version")
	ext := fs.Bool("extension", false, "behind the host, let its Durable extension own the task hub (host.json loads the extension bundle)")
	if err := fs.Parse(reorderFlags(args)); err != nil {
		return fmt.Errorf("%v\n%s", err, usage)
	}
	dir := "."
	if fs.NArg() > 1 {
		return fmt.Errorf("init takes one folder, got %q\n%s", fs.Args(), usage)
	} else if fs.NArg() == 1 {
		dir = fs.Arg(0)
	}
	d, err := newSkeletonData(dir, *module, *replace)
	if err != nil {
		return err
	}
	d.Extension = *ext
	if err := checkEmpty(dir); err != nil {
		return err
	}
	if err := writeSkeleton(dir, d); err != nil {
		return err
	}
	fmt.Fprintf(out, "wrote a Durable Functions app (module %s) in %s\n\nnext:\n", d.Module, dir)
	if dir != "." {
		fmt.Fprintf(out, "  cd %s\n", dir)
	}
	fmt.Fprintf(out, "  go mod tidy      # fetches %s and its dependencies\n", modulePath)
	fmt.Fprintf(out, "  make test        # the unit tests (go test ./...)\n")
	fmt.Fprintf(out, "  make run         # serves http://127.0.0.1:7071 (go build -o %s . && ./%s)\n", d.Binary, d.Binary)
	fmt.Fprintf(out, "  curl -s -X POST http://127.0.0.1:7071/api/hello -d '[\"Tokyo\",\"London\"]'\n")
	if d.Extension {
		fmt.Fprintf(out, "  func start       # behind the host: its Durable extension owns the task hub (Azurite or a storage account in AzureWebJobsStorage)\n")
	}
	return nil
}

func newSkeletonData(dir, module, replace string) (*skeletonData, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	base := filepath.Base(abs)
	if module == "" {
		module = base
	}
	if !validModule.MatchString(module) {
		return nil, fmt.Errorf("invalid module path %q: pass --module example.com/myapp", module)
	}
	binary := strings.ToLower(regexp.MustCompile(`[^A-Za-z0-9_-]+`).ReplaceAllString(filepath.Base(module), ""))
	if binary == "" || binary == "durablefunctions" {
		binary = "app"
	}
	d := &skeletonData{Module: module, Binary: binary, Hub: hubName(binary)}
	if replace != "" {
		if d.Replace, err = filepath.Abs(replace); err != nil {
			return nil, err
		}
		if _, err := os.Stat(filepath.Join(d.Replace, "durable")); err != nil {
			return nil, fmt.Errorf("--replace %s: not a checkout of %s (no durable folder)", replace, modulePath)
		}
	} else {
		d.Version = moduleVersion()
	}
	return d, nil
}

// hubName derives a task hub name (letters and digits, starting with a
// letter, 3 to 45 characters) from the binary's name.
func hubName(binary string) string {
	var b strings.Builder
	up := true
	for _, r := range binary {
		switch {
		case r >= 'a' && r <= 'z':
			if up {
				r -= 'a' - 'A'
			}
			b.WriteRune(r)
			up = false
		case r >= '0' && r <= '9' && b.Len() > 0:
			b.WriteRune(r)
		default:
			up = true
		}
	}
	hub := b.String() + "Hub"
	if len(hub) > 45 {
		hub = hub[:45]
	}
	if len(hub) < 4 {
		hub = "AppHub"
	}
	return hub
}

// moduleVersion is the version of this module the running durablefunc was
// built from (go install or go run of module@version); "" for a build
// inside a checkout, where go mod tidy picks the latest release instead.
func moduleVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok || info.Main.Path != modulePath || info.Main.Version == "(devel)" {
		return ""
	}
	return info.Main.Version
}

func checkEmpty(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") {
			return fmt.Errorf("%s is not empty (it holds %s): init writes a new app into an empty folder", dir, e.Name())
		}
	}
	return nil
}

func writeSkeleton(dir string, d *skeletonData) error {
	for tmpl, name := range skeletonFiles {
		src, err := skeleton.ReadFile("skeleton/" + tmpl)
		if err != nil {
			return err
		}
		t, err := template.New(tmpl).Parse(string(src))
		if err != nil {
			return fmt.Errorf("skeleton %s: %w", tmpl, err)
		}
		var b bytes.Buffer
		if err := t.Execute(&b, d); err != nil {
			return fmt.Errorf("skeleton %s: %w", tmpl, err)
		}
		data := b.Bytes()
		if strings.HasSuffix(name, ".go") {
			if data, err = format.Source(data); err != nil {
				return fmt.Errorf("skeleton %s: %w", tmpl, err)
			}
		}
		if err := writeFile(filepath.Join(dir, name), data); err != nil {
			return err
		}
	}
	for _, f := range skeletonFunctions {
		if f.kind == "management-api" && d.Extension {
			continue // the host serves the management API itself
		}
		js, _, err := functemplates.Render(f.kind, f.name, map[string]string{"Route": f.route})
		if err != nil {
			return err
		}
		if err := writeFile(filepath.Join(dir, f.name, "function.json"), js); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// reorderFlags moves flags before the positional folder, so that both
// `init DIR --module M` and `init --module M DIR` work.
func reorderFlags(args []string) []string {
	var flags, rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case strings.HasPrefix(a, "-") && strings.Contains(a, "="):
			flags = append(flags, a)
		case strings.HasPrefix(a, "-"):
			flags = append(flags, a)
			if i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
		default:
			rest = append(rest, a)
		}
	}
	return append(flags, rest...)
}
