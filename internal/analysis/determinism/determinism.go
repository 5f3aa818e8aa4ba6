// Package determinism defines an analyzer that reports nondeterministic code
// in Durable Functions orchestrators.
//
// An orchestrator is replayed from its history every time it wakes up, so
// every run must take the same decisions in the same order. The analyzer
// finds orchestrators (functions, methods and function literals with a
// *durable.OrchestrationContext parameter), checks their bodies and the
// bodies of the functions of the module they call (transitively, across
// packages, through analysis facts), and reports wall-clock time, real
// timers, random numbers, goroutines and channels, map iteration, I/O,
// writes to package variables and locks.
//
// A finding is suppressed by a line comment
//
//	//durable:nondeterministic-ok reason
//
// on the reported line or alone on the line above it; in a function's doc
// comment it exempts the whole function (it is neither checked nor
// followed). See docs/determinism.md.
package determinism

import (
	"fmt"
	"go/ast"
	"go/build"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/types/typeutil"
)

const (
	// DurablePath is the import path of the durable package.
	DurablePath = "github.com/godurable/durablefunctions/durable"
	// modulePath is the module of the durable runtime.
	modulePath = "github.com/godurable/durablefunctions"

	// Directive suppresses a finding on its line (or, alone on a line, on
	// the next line); in a doc comment it exempts the whole function.
	Directive = "durable:nondeterministic-ok"
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

// Analyzer reports nondeterministic constructs in orchestrator code.
var Analyzer = &analysis.Analyzer{
	Name:      "durabledeterminism",
	Doc:       doc,
	Run:       run,
	FactTypes: []analysis.Fact{new(Nondeterministic)},
}

// Nondeterministic is the fact exported for a function of the module whose
// body (or a function it calls) contains a nondeterministic construct. It
// records the first such construct.
type Nondeterministic struct {
	Kind int      // the construct's kind
	What string   // e.g. "call to time.Now"
	Pos  string   // file:line of the construct
	Via  []string // functions between this one and the construct
}

// AFact marks Nondeterministic as an analysis fact.
func (*Nondeterministic) AFact() {}

func (f *Nondeterministic) String() string {
	return "nondeterministic: " + f.describe()
}

// describe renders "call to time.Now (file.go:12, via a.B)".
func (f *Nondeterministic) describe() string {
	s := f.What + " (" + f.Pos
	if len(f.Via) > 0 {
		s += ", via " + strings.Join(f.Via, " -> ")
	}
	return s + ")"
}

// finding is one nondeterministic construct found in a body.
type finding struct {
	pos  token.Pos
	kind kind
	what string // the message's subject, e.g. "call to time.Now"
	// reach, for calls into other packages of the module, says what the
	// callee reaches: " reaches call to time.Now (file.go:12)".
	reach string
	// For calls into other packages of the module: the callee and its fact.
	callee string
	fact   *Nondeterministic
}

// edge is a reference from a body to a function declared in the package.
type edge struct {
	pos    token.Pos
	callee *types.Func
}

// contents are the findings of a body and its edges to functions of the
// package.
type contents struct {
	findings []finding
	edges    []edge
}

// unit is a top-level declaration scanned once.
type unit struct {
	name string
	fn   *types.Func // nil unless a FuncDecl
	root bool        // a FuncDecl orchestrator
	contents
	lits       []*ast.FuncLit // orchestrator literals inside the declaration
	activities []*ast.FuncLit // activity literals inside the declaration
	// own is what running the function does: the contents outside the
	// orchestrator and activity literals, which are only defined (to be
	// registered), not run.
	own contents
}

// outside returns the contents of u outside the given literals.
func (u *unit) outside(lits ...[]*ast.FuncLit) contents {
	in := func(pos token.Pos) bool {
		for _, ls := range lits {
			for _, l := range ls {
				if pos >= l.Pos() && pos < l.End() {
					return true
				}
			}
		}
		return false
	}
	var c contents
	for _, f := range u.findings {
		if !in(f.pos) {
			c.findings = append(c.findings, f)
		}
	}
	for _, e := range u.edges {
		if !in(e.pos) {
			c.edges = append(c.edges, e)
		}
	}
	return c
}

// within returns the contents of u inside lit.
func (u *unit) within(lit *ast.FuncLit) contents {
	var c contents
	for _, f := range u.findings {
		if f.pos >= lit.Pos() && f.pos < lit.End() {
			c.findings = append(c.findings, f)
		}
	}
	for _, e := range u.edges {
		if e.pos >= lit.Pos() && e.pos < lit.End() {
			c.edges = append(c.edges, e)
		}
	}
	return c
}

type state struct {
	pass     *analysis.Pass
	units    map[*types.Func]*unit
	order    []*unit
	exempt   map[*types.Func]bool
	litNames map[*ast.FuncLit]string
	// suppression: per file name, lines covered by the directive.
	suppressed map[string]map[int]bool
}

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
// functions are deterministic by contract and are never followed.
func trusted(path string) bool {
	return path == DurablePath || runtimePackages[path]
}

// runtimePackages implement the durable package.
var runtimePackages = map[string]bool{
	modulePath + "/internal/replay":       true,
	modulePath + "/internal/history":      true,
	modulePath + "/internal/engine":       true,
	modulePath + "/internal/backend":      true,
	modulePath + "/internal/store/memory": true,
	modulePath + "/internal/store/sqlite": true,
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

// isDirective reports whether a comment is the suppression directive.
func isDirective(c *ast.Comment) bool {
	t, ok := strings.CutPrefix(c.Text, "//")
	if !ok {
		return false
	}
	t = strings.TrimLeft(t, " \t")
	rest, ok := strings.CutPrefix(t, Directive)
	return ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t')
}

func hasDirective(g *ast.CommentGroup) bool {
	if g == nil {
		return false
	}
	for _, c := range g.List {
		if isDirective(c) {
			return true
		}
	}
	return false
}

// indexDirectives records the lines each directive covers: its own line,
// and the next line when the comment is alone on its line.
func (st *state) indexDirectives() {
	for _, f := range st.pass.Files {
		tf := st.pass.Fset.File(f.Pos())
		if tf == nil {
			continue
		}
		var src []byte
		for _, g := range f.Comments {
			for _, c := range g.List {
				if !isDirective(c) {
					continue
				}
				p := st.pass.Fset.Position(c.Slash)
				lines := st.suppressed[p.Filename]
				if lines == nil {
					lines = map[int]bool{}
					st.suppressed[p.Filename] = lines
				}
				lines[p.Line] = true
				if src == nil {
					src, _ = st.pass.ReadFile(tf.Name())
					if src == nil {
						src = []byte{}
					}
				}
				if aloneOnLine(src, p.Offset) {
					lines[p.Line+1] = true
				}
			}
		}
	}
}

// aloneOnLine reports whether only blanks precede offset on its line.
func aloneOnLine(src []byte, offset int) bool {
	if offset > len(src) {
		return false
	}
	for i := offset - 1; i >= 0 && src[i] != '\n'; i-- {
		if src[i] != ' ' && src[i] != '\t' {
			return false
		}
	}
	return true
}

func (st *state) isSuppressed(pos token.Pos) bool {
	p := st.pass.Fset.Position(pos)
	return st.suppressed[p.Filename][p.Line]
}

// scan walks a top-level declaration once, collecting findings, edges to
// functions of the package, and orchestrator literals.
func (st *state) scan(u *unit, root ast.Node) {
	info := st.pass.TypesInfo
	var stack []ast.Node
	var bodies []*ast.BlockStmt // enclosing function bodies
	skip := map[ast.Node]bool{} // channel operations of select cases
	called := map[*ast.Ident]bool{}

	add := func(pos token.Pos, k kind, what string) {
		if !st.isSuppressed(pos) {
			u.findings = append(u.findings, finding{pos: pos, kind: k, what: what})
		}
	}
	global := func(e ast.Expr, verb string) {
		if v := packageVarRoot(info, e); v != nil {
			add(e.Pos(), kindGlobal, verb+" package variable "+qualifiedVar(st.pass.Pkg, v))
		}
	}

	ast.Inspect(root, func(n ast.Node) bool {
		if n == nil {
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			switch top.(type) {
			case *ast.FuncLit, *ast.FuncDecl:
				bodies = bodies[:len(bodies)-1]
			}
			return true
		}
		stack = append(stack, n)
		switch n := n.(type) {
		case *ast.FuncDecl:
			bodies = append(bodies, n.Body)
		case *ast.FuncLit:
			bodies = append(bodies, n.Body)
			if hasOrchestrationContextParam(info.TypeOf(n)) {
				u.lits = append(u.lits, n)
			} else if hasActivityContextParam(info.TypeOf(n)) {
				u.activities = append(u.activities, n)
			}
		case *ast.GoStmt:
			add(n.Pos(), kindGoroutine, "go statement")
		case *ast.SendStmt:
			if !skip[n] {
				add(n.Pos(), kindChannel, "channel send")
			}
		case *ast.UnaryExpr:
			if n.Op == token.ARROW && !skip[n] {
				add(n.Pos(), kindChannel, "channel receive")
			}
		case *ast.SelectStmt:
			add(n.Pos(), kindSelect, "select statement")
			for _, s := range n.Body.List {
				switch c := s.(*ast.CommClause).Comm.(type) {
				case *ast.SendStmt:
					skip[c] = true
				case *ast.ExprStmt:
					skip[ast.Unparen(c.X)] = true
				case *ast.AssignStmt:
					if len(c.Rhs) == 1 {
						skip[ast.Unparen(c.Rhs[0])] = true
					}
				}
			}
		case *ast.RangeStmt:
			if n.Tok == token.ASSIGN {
				for _, e := range []ast.Expr{n.Key, n.Value} {
					if e != nil {
						global(e, "assignment to")
					}
				}
			}
			switch underlying(info.TypeOf(n.X)).(type) {
			case *types.Chan:
				add(n.Pos(), kindChannel, "range over channel")
			case *types.Map:
				if !orderIndependentMapLoop(info, n, bodies[len(bodies)-1]) {
					add(n.Pos(), kindMapRange, "range over map")
				}
			case *types.Signature:
				if name := mapsIterator(info, n.X); name != "" &&
					!orderIndependentMapLoop(info, n, bodies[len(bodies)-1]) {
					add(n.Pos(), kindMapRange, "range over "+name)
				}
			}
		case *ast.AssignStmt:
			if n.Tok != token.DEFINE {
				for _, e := range n.Lhs {
					global(e, "assignment to")
				}
			}
		case *ast.IncDecStmt:
			global(n.X, map[token.Token]string{token.INC: "increment of", token.DEC: "decrement of"}[n.Tok])
		case *ast.CallExpr:
			if id := funIdent(n.Fun); id != nil {
				called[id] = true
			}
			switch obj := typeutil.Callee(info, n).(type) {
			case *types.Builtin:
				switch obj.Name() {
				case "make":
					if len(n.Args) > 0 {
						if _, ok := underlying(info.TypeOf(n.Args[0])).(*types.Chan); ok {
							add(n.Pos(), kindChannel, "make(chan)")
						}
					}
				case "delete", "clear":
					if len(n.Args) > 0 {
						global(n.Args[0], obj.Name()+" on")
					}
				}
			case *types.Func:
				if obj.Pkg() != nil && trusted(obj.Pkg().Path()) {
					// Functions handed to the runtime (AddActivity,
					// ActivityOf, ...) are registered, not run here.
					for _, a := range n.Args {
						if id := funIdent(a); id != nil {
							called[id] = true
						}
					}
				}
				st.nameOrchestratorLiteral(n, obj)
				st.use(u, n.Pos(), obj, "call to", false)
			}
		case *ast.Ident:
			if called[n] {
				break
			}
			switch obj := info.Uses[n].(type) {
			case *types.Func:
				st.use(u, n.Pos(), obj, "use of", true)
			case *types.Var:
				if k, ok := classifyVar(obj); ok {
					add(n.Pos(), k, "use of "+obj.Pkg().Path()+"."+obj.Name())
				}
			}
		}
		return true
	})
}

// use records a call to (or reference of) fn at pos.
func (st *state) use(u *unit, pos token.Pos, fn *types.Func, verb string, ref bool) {
	fn = fn.Origin()
	if fn.Pkg() == nil {
		return
	}
	if k, ok := classifyFunc(fn); ok {
		if !st.isSuppressed(pos) {
			u.findings = append(u.findings, finding{pos: pos, kind: k, what: verb + " " + qualifiedFunc(fn)})
		}
		return
	}
	if ref && (hasOrchestrationContextParam(fn.Type()) || hasActivityContextParam(fn.Type())) {
		return // a function passed around, e.g. registered, not run here
	}
	if fn.Pkg() == st.pass.Pkg {
		if !st.exempt[fn] && !st.isSuppressed(pos) {
			u.edges = append(u.edges, edge{pos: pos, callee: fn})
		}
		return
	}
	if trusted(fn.Pkg().Path()) || hasOrchestrationContextParam(fn.Type()) {
		// The runtime is trusted; an orchestrator-like function of another
		// package is checked (and reported) in its own package.
		return
	}
	fact := new(Nondeterministic)
	if !st.pass.ImportObjectFact(fn, fact) || st.isSuppressed(pos) {
		return
	}
	name := shortFunc(fn)
	u.findings = append(u.findings, finding{
		pos:    pos,
		kind:   kind(fact.Kind),
		what:   verb + " " + name,
		reach:  " reaches " + fact.describe(),
		callee: name,
		fact:   fact,
	})
}

// nameOrchestratorLiteral names the literal passed to
// Registry.AddOrchestrator("Name", ...) after its registered name.
func (st *state) nameOrchestratorLiteral(call *ast.CallExpr, fn *types.Func) {
	if fn.Name() != "AddOrchestrator" || len(call.Args) != 2 {
		return
	}
	tv, ok := st.pass.TypesInfo.Types[call.Args[0]]
	if !ok || tv.Value == nil {
		return
	}
	name := tv.Value.ExactString()
	switch a := ast.Unparen(call.Args[1]).(type) {
	case *ast.FuncLit:
		st.litNames[a] = name
	case *ast.CallExpr: // durable.OrchestratorOf(func ...)
		if len(a.Args) == 1 {
			if lit, ok := ast.Unparen(a.Args[0]).(*ast.FuncLit); ok {
				st.litNames[lit] = name
			}
		}
	}
}

// exportFacts computes, for each function of the package, the first
// nondeterministic construct it reaches (directly, through functions of the
// package, or through facts of other packages), and exports it.
func (st *state) exportFacts() {
	facts := map[*types.Func]*Nondeterministic{}
	for _, u := range st.order {
		if u.fn == nil || u.root || len(u.own.findings) == 0 {
			continue
		}
		f := u.own.findings[0]
		if f.fact != nil {
			facts[u.fn] = &Nondeterministic{Kind: f.fact.Kind, What: f.fact.What, Pos: f.fact.Pos,
				Via: append([]string{f.callee}, f.fact.Via...)}
		} else {
			facts[u.fn] = &Nondeterministic{Kind: int(f.kind), What: f.what, Pos: st.posString(f.pos)}
		}
	}
	for changed := true; changed; {
		changed = false
		for _, u := range st.order {
			if u.fn == nil || u.root || facts[u.fn] != nil {
				continue
			}
			for _, e := range u.own.edges {
				if g := facts[e.callee]; g != nil {
					facts[u.fn] = &Nondeterministic{Kind: g.Kind, What: g.What, Pos: g.Pos,
						Via: append([]string{shortFunc(e.callee)}, g.Via...)}
					changed = true
					break
				}
			}
		}
	}
	for _, u := range st.order {
		if f := facts[u.fn]; f != nil {
			if len(f.Via) > 5 {
				f.Via = append(f.Via[:4:4], "...")
			}
			st.pass.ExportObjectFact(u.fn, f)
		}
	}
}

func (st *state) posString(pos token.Pos) string {
	p := st.pass.Fset.Position(pos)
	return fmt.Sprintf("%s:%d", filepath.Base(p.Filename), p.Line)
}

// report reports the findings of each orchestrator and of every function of
// the package reachable from one.
func (st *state) report() {
	type key struct {
		pos  token.Pos
		what string
	}
	done := map[key]bool{}
	emit := func(f finding, where string) {
		k := key{f.pos, f.what}
		if done[k] {
			return
		}
		done[k] = true
		st.pass.Report(analysis.Diagnostic{
			Pos:      f.pos,
			Category: categories[f.kind],
			Message:  fmt.Sprintf("%s %s%s: %s; %s", f.what, where, f.reach, f.kind.why(), f.kind.fix()),
		})
	}

	type item struct {
		u    *unit
		root string
	}
	var queue []item
	seen := map[*types.Func]bool{}
	follow := func(edges []edge, root string) {
		for _, e := range edges {
			if u := st.units[e.callee]; u != nil && !seen[e.callee] {
				seen[e.callee] = true
				queue = append(queue, item{u, root})
			}
		}
	}
	for _, u := range st.order {
		if u.root {
			seen[u.fn] = true
		}
	}
	for _, u := range st.order {
		if u.root {
			for _, f := range u.own.findings {
				emit(f, "in orchestrator "+u.name)
			}
			follow(u.own.edges, u.name)
		}
		for _, lit := range u.lits {
			name := st.litNames[lit]
			if name == "" {
				name = "func literal at line " + fmt.Sprint(st.pass.Fset.Position(lit.Pos()).Line)
			}
			c := u.within(lit)
			for _, f := range c.findings {
				emit(f, "in orchestrator "+name)
			}
			follow(c.edges, name)
		}
	}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		for _, f := range it.u.own.findings {
			emit(f, fmt.Sprintf("in %s (called from orchestrator %s)", it.u.name, it.root))
		}
		follow(it.u.own.edges, it.root)
	}
}

var categories = map[kind]string{
	kindClock:     "time",
	kindTimer:     "timer",
	kindRandom:    "random",
	kindGoroutine: "goroutine",
	kindChannel:   "channel",
	kindSelect:    "select",
	kindMapRange:  "maprange",
	kindIO:        "io",
	kindGlobal:    "global",
	kindSync:      "sync",
}

// hasOrchestrationContextParam reports whether t is a signature with a
// *durable.OrchestrationContext parameter (receivers do not count).
func hasOrchestrationContextParam(t types.Type) bool {
	return hasParam(t, "OrchestrationContext")
}

func hasActivityContextParam(t types.Type) bool {
	return hasParam(t, "ActivityContext")
}

func hasParam(t types.Type, name string) bool {
	sig, ok := t.(*types.Signature)
	if !ok {
		return false
	}
	for i := 0; i < sig.Params().Len(); i++ {
		if isDurablePointer(sig.Params().At(i).Type(), name) {
			return true
		}
	}
	return false
}

func isDurablePointer(t types.Type, name string) bool {
	p, ok := types.Unalias(t).(*types.Pointer)
	if !ok {
		return false
	}
	n, ok := types.Unalias(p.Elem()).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == DurablePath && n.Obj().Name() == name
}

func underlying(t types.Type) types.Type {
	if t == nil {
		return nil
	}
	return t.Underlying()
}

// funIdent returns the identifier naming the called function, if any.
func funIdent(e ast.Expr) *ast.Ident {
	for {
		switch x := ast.Unparen(e).(type) {
		case *ast.Ident:
			return x
		case *ast.SelectorExpr:
			return x.Sel
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		default:
			return nil
		}
	}
}

// packageVarRoot returns the package-level variable that an assignment to e
// modifies (g, g.f, g[i], *g, pkg.G ...), or nil.
func packageVarRoot(info *types.Info, e ast.Expr) *types.Var {
	for {
		switch x := e.(type) {
		case *ast.ParenExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.StarExpr:
			e = x.X
		case *ast.SelectorExpr:
			if _, ok := info.Selections[x]; ok {
				e = x.X // field selection
				continue
			}
			e = x.Sel // qualified identifier pkg.V
		case *ast.Ident:
			v, ok := info.Uses[x].(*types.Var)
			if !ok || v.IsField() || v.Pkg() == nil || v.Pkg().Scope().Lookup(v.Name()) != v {
				return nil
			}
			return v
		default:
			return nil
		}
	}
}

func qualifiedVar(pkg *types.Package, v *types.Var) string {
	if v.Pkg() == pkg {
		return v.Name()
	}
	return v.Pkg().Name() + "." + v.Name()
}

// qualifiedFunc names a standard library function: time.Now,
// (*sync.Mutex).Lock.
func qualifiedFunc(fn *types.Func) string {
	sig := fn.Type().(*types.Signature)
	if recv := sig.Recv(); recv != nil {
		return "(" + types.TypeString(recv.Type(), func(p *types.Package) string { return p.Path() }) + ")." + fn.Name()
	}
	return fn.Pkg().Path() + "." + fn.Name()
}

// funcName names a function of the package: F, T.M.
func funcName(fn *types.Func) string {
	sig := fn.Type().(*types.Signature)
	if recv := sig.Recv(); recv != nil {
		t := recv.Type()
		if p, ok := t.(*types.Pointer); ok {
			t = p.Elem()
		}
		if n, ok := types.Unalias(t).(*types.Named); ok {
			return n.Obj().Name() + "." + fn.Name()
		}
	}
	return fn.Name()
}

// shortFunc names a function with its package name: helpers.F, helpers.T.M.
func shortFunc(fn *types.Func) string {
	return fn.Pkg().Name() + "." + funcName(fn)
}

// mapsIterator returns "maps.Keys(...)" when e calls maps.Keys, maps.Values
// or maps.All of the standard library.
func mapsIterator(info *types.Info, e ast.Expr) string {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok {
		return ""
	}
	fn, ok := typeutil.Callee(info, call).(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() != "maps" {
		return ""
	}
	switch fn.Name() {
	case "Keys", "Values", "All":
		return "maps." + fn.Name() + "(...)"
	}
	return ""
}

// orderIndependentMapLoop recognizes the loops over a map whose result does
// not depend on the iteration order:
//
//   - collecting the keys and sorting them later in the same function:
//     for k := range m { keys = append(keys, k) } ... sort.Strings(keys)
//     (any sort.* or slices.Sort* call whose first argument mentions keys);
//   - copying into another map under the same key:
//     for k, v := range m { dst[k] = v } (right-hand sides without calls).
func orderIndependentMapLoop(info *types.Info, rs *ast.RangeStmt, body *ast.BlockStmt) bool {
	key, ok := rs.Key.(*ast.Ident)
	if !ok || key.Name == "_" {
		return false
	}
	keyObj := info.ObjectOf(key)
	if keyObj == nil || len(rs.Body.List) == 0 {
		return false
	}
	if sliceObj := appendedKeys(info, rs, keyObj); sliceObj != nil {
		return sortedLater(info, body, rs.End(), sliceObj)
	}
	for _, s := range rs.Body.List {
		as, ok := s.(*ast.AssignStmt)
		if !ok || as.Tok != token.ASSIGN || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
			return false
		}
		ix, ok := as.Lhs[0].(*ast.IndexExpr)
		if !ok {
			return false
		}
		if _, ok := underlying(info.TypeOf(ix.X)).(*types.Map); !ok {
			return false
		}
		if id, ok := ix.Index.(*ast.Ident); !ok || info.ObjectOf(id) != keyObj {
			return false
		}
		if containsCall(info, as.Rhs[0]) || containsCall(info, ix.X) {
			return false
		}
	}
	return true
}

// appendedKeys returns s when the loop body is exactly s = append(s, k).
func appendedKeys(info *types.Info, rs *ast.RangeStmt, keyObj types.Object) types.Object {
	if rs.Value != nil {
		if id, ok := rs.Value.(*ast.Ident); !ok || id.Name != "_" {
			return nil
		}
	}
	if len(rs.Body.List) != 1 {
		return nil
	}
	as, ok := rs.Body.List[0].(*ast.AssignStmt)
	if !ok || as.Tok != token.ASSIGN || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
		return nil
	}
	lhs, ok := as.Lhs[0].(*ast.Ident)
	if !ok {
		return nil
	}
	call, ok := as.Rhs[0].(*ast.CallExpr)
	if !ok || len(call.Args) != 2 || call.Ellipsis.IsValid() {
		return nil
	}
	if b, ok := typeutil.Callee(info, call).(*types.Builtin); !ok || b.Name() != "append" {
		return nil
	}
	first, ok := call.Args[0].(*ast.Ident)
	second, ok2 := call.Args[1].(*ast.Ident)
	sliceObj := info.ObjectOf(lhs)
	if !ok || !ok2 || sliceObj == nil || info.ObjectOf(first) != sliceObj || info.ObjectOf(second) != keyObj {
		return nil
	}
	return sliceObj
}

// sortedLater reports whether body sorts the slice after pos.
func sortedLater(info *types.Info, body *ast.BlockStmt, after token.Pos, slice types.Object) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if found {
			return false
		}
		call, ok := n.(*ast.CallExpr)
		if !ok || call.Pos() < after || len(call.Args) == 0 {
			return true
		}
		fn, ok := typeutil.Callee(info, call).(*types.Func)
		if !ok || fn.Pkg() == nil {
			return true
		}
		switch p := fn.Pkg().Path(); {
		case p == "sort":
		case p == "slices" && strings.HasPrefix(fn.Name(), "Sort"):
		default:
			return true
		}
		ast.Inspect(call.Args[0], func(m ast.Node) bool {
			if id, ok := m.(*ast.Ident); ok && info.ObjectOf(id) == slice {
				found = true
			}
			return !found
		})
		return true
	})
	return found
}

// containsCall reports whether e contains a function call (conversions
// excluded).
func containsCall(info *types.Info, e ast.Expr) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok {
			if tv, ok := info.Types[call.Fun]; !ok || !tv.IsType() {
				found = true
			}
		}
		return !found
	})
	return found
}
