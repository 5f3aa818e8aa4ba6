package durablevet

import (
	"fmt"
	"go/token"
	"go/types"
	"path/filepath"
	"strings"
)

// nondeterministic is the fact exported for a function of the module whose
// body (or a function it calls) contains a nondeterministic construct. It
// records the first such construct.
type nondeterministic struct {
	Kind int      // the construct's kind
	What string   // e.g. "call to time.Now"
	Pos  string   // file:line of the construct
	Via  []string // functions between this one and the construct
}

// AFact marks nondeterministic as an analysis fact.
func (*nondeterministic) AFact() {}

func (f *nondeterministic) String() string {
	return "nondeterministic: " + f.describe()
}

// describe renders "call to time.Now (file.go:12, via a.B)".
func (f *nondeterministic) describe() string {
	s := f.What + " (" + f.Pos
	if len(f.Via) > 0 {
		s += ", via " + strings.Join(f.Via, " -> ")
	}
	return s + ")"
}

// exportFacts computes, for each function of the package, the first
// nondeterministic construct it reaches (directly, through functions of the
// package, or through facts of other packages), and exports it.
func (st *state) exportFacts() {
	facts := map[*types.Func]*nondeterministic{}
	for _, u := range st.order {
		if u.fn == nil || u.root || len(u.own.findings) == 0 {
			continue
		}
		f := u.own.findings[0]
		if f.fact != nil {
			facts[u.fn] = &nondeterministic{Kind: f.fact.Kind, What: f.fact.What, Pos: f.fact.Pos,
				Via: append([]string{f.callee}, f.fact.Via...)}
		} else {
			facts[u.fn] = &nondeterministic{Kind: int(f.kind), What: f.what, Pos: st.posString(f.pos)}
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
					facts[u.fn] = &nondeterministic{Kind: g.Kind, What: g.What, Pos: g.Pos,
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
