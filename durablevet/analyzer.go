package durablevet

import (
	"go/ast"
	"go/build"
	"go/types"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/tools/go/analysis"
)

const (
	// durablePath is the import path of the durable package.
	durablePath = "github.com/godurable/durablefunctions/durable"
	// modulePath is the module of the durable runtime.
	modulePath = "github.com/godurable/durablefunctions"
)

const doc = `report nondeterministic code in Durable Functions orchestrators

Orchestrators (functions with a *durable.OrchestrationContext parameter) are
replayed from history and must be deterministic. This analyzer checks them and
the functions of the module they call for: time.Now/Since/Until (use
ctx.CurrentUTCDateTime()), time.Sleep/After/Tick/NewTimer/NewTicker/AfterFunc
(use ctx.CreateTimer), math/rand and crypto/rand (use ctx.NewGUID() or an
activity), go statements, channels and select (use ctx.WhenAll/WhenAny), range
over maps (sort the keys), I/O through os, net, net/http, io/ioutil,
database/sql, os/exec and syscall (use an activity), assignments to package
variables, and sync.Mutex/RWMutex/WaitGroup methods.

Suppress a finding with a "//durable:nondeterministic-ok" comment on its line.`

// Analyzer reports nondeterministic constructs in orchestrator code. Run it
// with cmd/durablevet (directly or as go vet -vettool), from golangci-lint
// as a module plugin, or in your own checker; see the package documentation.
var Analyzer = &analysis.Analyzer{
	Name:      "durablevet",
	Doc:       doc,
	URL:       "https://pkg.go.dev/github.com/godurable/durablefunctions/durablevet",
	Run:       run,
	FactTypes: []analysis.Fact{new(nondeterministic)},
}

// state is the analysis of one package.
type state struct {
	pass     *analysis.Pass
	units    map[*types.Func]*unit
	order    []*unit
	exempt   map[*types.Func]bool
	litNames map[*ast.FuncLit]string
	// suppression: per file name, lines covered by the directive.
	suppressed map[string]map[int]bool
}

// run analyzes a package: it indexes the suppression directives, scans
// every top-level declaration once, exports a fact for each function that
// reaches a nondeterministic construct, and reports what orchestrators reach.
func run(pass *analysis.Pass) (any, error) {
	if skipPackage(pass) {
		return nil, nil
	}
	st := &state{
		pass:       pass,
		units:      map[*types.Func]*unit{},
		exempt:     map[*types.Func]bool{},
		litNames:   map[*ast.FuncLit]string{},
		suppressed: map[string]map[int]bool{},
	}
	st.indexDirectives()

	// Exempt functions first, so that scanning drops edges to them.
	for _, f := range pass.Files {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && hasDirective(fd.Doc) {
				if fn, ok := pass.TypesInfo.Defs[fd.Name].(*types.Func); ok {
					st.exempt[fn] = true
				}
			}
		}
	}
	for _, f := range pass.Files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				fn, _ := pass.TypesInfo.Defs[d.Name].(*types.Func)
				if fn == nil || d.Body == nil || st.exempt[fn] {
					continue
				}
				u := &unit{name: funcName(fn), fn: fn, root: hasOrchestrationContextParam(fn.Type())}
				st.scan(u, d)
				u.own = u.outside(u.lits, u.activities)
				st.units[fn] = u
				st.order = append(st.order, u)
			case *ast.GenDecl:
				u := &unit{}
				st.scan(u, d)
				if len(u.lits) > 0 {
					st.order = append(st.order, u)
				}
			}
		}
	}
	st.exportFacts()
	st.report()
	return nil, nil
}

// skipPackage reports whether the package is outside the code checked:
// the durable runtime itself, the standard library and dependency modules.
func skipPackage(pass *analysis.Pass) bool {
	path := pass.Pkg.Path()
	if trusted(path) {
		return true
	}
	if m := pass.Module; m != nil && m.Version != "" {
		return true // a dependency (from the module cache), not the module checked
	}
	return len(pass.Files) > 0 && isStd(pass.Fset.File(pass.Files[0].Pos()).Name(), path)
}

// trusted reports whether path is part of the durable runtime: its
// functions are deterministic by contract and are never followed. The
// runtime is package durable and everything under the module's internal/
// (a prefix, so that moving a package inside it cannot make it untrusted).
func trusted(path string) bool {
	return path == durablePath || strings.HasPrefix(path, modulePath+"/internal/")
}

var stdRoots sync.Map // candidate GOROOT -> bool

// isStd reports whether file (of package path) is in a GOROOT.
func isStd(file, path string) bool {
	if goroot := build.Default.GOROOT; goroot != "" {
		src := filepath.Join(goroot, "src") + string(filepath.Separator)
		if strings.HasPrefix(file, src) {
			return true
		}
	}
	dir := filepath.Dir(file)
	suffix := string(filepath.Separator) + filepath.Join("src", filepath.FromSlash(path))
	if !strings.HasSuffix(dir, suffix) {
		return false
	}
	root := strings.TrimSuffix(dir, suffix)
	if v, ok := stdRoots.Load(root); ok {
		return v.(bool)
	}
	fi, err := os.Stat(filepath.Join(root, "src", "runtime"))
	std := err == nil && fi.IsDir()
	stdRoots.Store(root, std)
	return std
}
