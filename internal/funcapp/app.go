package funcapp

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// FunctionFile is the name of the file that defines a function.
const FunctionFile = "function.json"

// App is a function app: host.json, the app settings and one function per
// folder holding a function.json.
type App struct {
	// Dir is the absolute path of the app directory.
	Dir string
	// Host is the typed host.json.
	Host *HostConfig
	// Settings are the app settings the app was loaded with.
	Settings *Settings
	// Functions are sorted by name.
	Functions []*Function
}

// LoadApp loads the function app in dir with the process environment as
// app settings, as behind the Functions host (local.settings.json is not
// read). See LoadAppWithSettings.
func LoadApp(dir string) (*App, error) {
	settings, err := LoadSettings(dir, false, os.Environ())
	if err != nil {
		return nil, err
	}
	return LoadAppWithSettings(dir, settings)
}

// LoadAppWithSettings loads the function app in dir: it reads host.json,
// applies AzureFunctionsJobHost__* overrides from settings, and reads
// every */function.json. All problems found (in host.json and in every
// function) are returned together as an *AppError.
func LoadAppWithSettings(dir string, settings *Settings) (*App, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("function app directory %q: %w", dir, err)
	}
	app := &App{Dir: abs, Settings: settings}
	var p problems

	root := map[string]any{}
	err = readJSONFile(filepath.Join(abs, HostFile), HostFile, &root)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		p.add(fmt.Sprintf("%s: not found in %s; a function app needs one, at least {\"version\": \"2.0\"}", HostFile, abs))
	case err != nil:
		p.add(err.Error())
	}
	if root == nil {
		root = map[string]any{}
	}
	host, err := parseHostConfig(root, settings)
	p.merge(err)
	if host == nil {
		host = &HostConfig{Raw: root, RoutePrefix: DefaultRoutePrefix}
	}
	app.Host = host

	fns, err := discoverFunctions(abs, host.Functions, settings)
	p.merge(err)
	app.Functions = fns
	for _, prob := range validateApp(app) {
		p.add(prob)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return app, nil
}

// Function returns the function with the given name (case-insensitive),
// or nil.
func (a *App) Function(name string) *Function {
	for _, f := range a.Functions {
		if strings.EqualFold(f.Name, name) {
			return f
		}
	}
	return nil
}

// FunctionsOfKind returns the enabled functions of one kind, sorted by name.
func (a *App) FunctionsOfKind(k Kind) []*Function {
	var out []*Function
	for _, f := range a.Functions {
		if f.Kind() == k && !f.Disabled {
			out = append(out, f)
		}
	}
	return out
}

// HTTPRoute returns the route template of an HTTP-triggered function
// including the route prefix, without a leading slash: with the default
// prefix, function "Hello" without a route gives "api/Hello".
func (a *App) HTTPRoute(f *Function) string {
	route := f.Name
	if f.Trigger != nil {
		if r := strings.Trim(f.Trigger.Route(), "/"); r != "" {
			route = r
		}
	}
	if a.Host.RoutePrefix == "" {
		return route
	}
	return a.Host.RoutePrefix + "/" + route
}

// MatchHTTP finds the enabled HTTP-triggered function that serves a
// request, as the host's router does: the most specific matching route
// wins (literals before constrained parameters before parameters before
// optional and catch-all ones) and the method must be allowed. path is the
// full URL path, including the route prefix.
func (a *App) MatchHTTP(method, path string) (*Function, map[string]string, bool) {
	type candidate struct {
		f     *Function
		route string
	}
	var cands []candidate
	for _, f := range a.FunctionsOfKind(KindHTTP) {
		cands = append(cands, candidate{f, a.HTTPRoute(f)})
	}
	sort.SliceStable(cands, func(i, j int) bool {
		ri, rj := routeRank(cands[i].route), routeRank(cands[j].route)
		if ri != rj {
			return ri < rj
		}
		return cands[i].route < cands[j].route
	})
	for _, c := range cands {
		if !c.f.Trigger.AllowsMethod(method) {
			continue
		}
		if params, ok := MatchRoute(c.route, path); ok {
			return c.f, params, true
		}
	}
	return nil, nil, false
}

// discoverFunctions reads dir/*/function.json. allow, when not empty,
// limits which functions are loaded (host.json "functions").
func discoverFunctions(dir string, allow []string, settings *Settings) ([]*Function, error) {
	matches, err := filepath.Glob(filepath.Join(dir, "*", FunctionFile))
	if err != nil {
		return nil, fmt.Errorf("listing functions in %s: %w", dir, err)
	}
	var p problems
	var fns []*Function
	for _, path := range matches {
		folder := filepath.Dir(path)
		name := filepath.Base(folder)
		if !fileExists(path) || (len(allow) > 0 && !containsFold(allow, name)) {
			continue
		}
		f, err := readFunction(name, folder, path)
		if err != nil {
			p.merge(err)
			continue
		}
		if settingIsTrue(settings.Get("AzureWebJobs." + name + ".Disabled")) {
			f.Disabled = true
		}
		fns = append(fns, f)
	}
	sort.Slice(fns, func(i, j int) bool { return fns[i].Name < fns[j].Name })
	return fns, p.err()
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(strings.TrimSpace(v), s) {
			return true
		}
	}
	return false
}

func settingIsTrue(v string) bool {
	v = strings.TrimSpace(v)
	return strings.EqualFold(v, "true") || v == "1"
}
