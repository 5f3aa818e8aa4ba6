package durablevet

import (
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/types/typeutil"
)

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
	fact   *nondeterministic
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
	fact := new(nondeterministic)
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
