package durablevet

import (
	"fmt"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
)

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

// categories are the diagnostic categories of the kinds.
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
