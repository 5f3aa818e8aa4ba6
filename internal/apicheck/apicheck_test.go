// Package apicheck holds one test: every name a public package exports can
// be used by a program outside this module. A public function, field or
// method whose type lives under internal/ (and has no public alias), or is
// unexported, is a name users can see in go doc but cannot write down.
package apicheck

import (
	"go/types"
	"sort"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

const module = "github.com/godurable/durablefunctions"

func TestEveryPublicNameCanBeWrittenByUsers(t *testing.T) {
	if testing.Short() {
		t.Skip("type-checks the whole module")
	}
	cfg := &packages.Config{Mode: packages.NeedName | packages.NeedTypes | packages.NeedImports | packages.NeedDeps, Dir: "../.."}
	pkgs, err := packages.Load(cfg, "./...")
	if err != nil {
		t.Fatal(err)
	}
	var public []*types.Package
	for _, p := range pkgs {
		if len(p.Errors) > 0 {
			t.Fatalf("%s: %v", p.PkgPath, p.Errors)
		}
		if isPublic(p.PkgPath) && p.Name != "main" {
			public = append(public, p.Types)
		}
	}
	if len(public) < 5 {
		t.Fatalf("found %d public packages; the loader did not see the module", len(public))
	}
	problems := unnameable(public)
	for _, p := range problems {
		t.Error(p)
	}
}

func isPublic(path string) bool {
	return strings.HasPrefix(path, module) && !strings.Contains(path, "/internal/") &&
		!strings.HasPrefix(path, module+"/cmd/") && !strings.HasPrefix(path, module+"/samples")
}

// unnameable walks everything reachable from the exported names of pkgs
// (signatures, exported fields and methods) and lists the named types a
// user could not write: unexported ones, and those under internal/ that no
// public package aliases.
func unnameable(pkgs []*types.Package) []string {
	nameable := map[*types.TypeName]bool{}
	for _, p := range pkgs {
		for _, name := range p.Scope().Names() {
			if tn, ok := p.Scope().Lookup(name).(*types.TypeName); ok && tn.Exported() {
				if n, ok := types.Unalias(tn.Type()).(*types.Named); ok {
					nameable[n.Origin().Obj()] = true
				}
			}
		}
	}
	w := &walker{nameable: nameable, seen: map[types.Type]bool{}, found: map[string]bool{}}
	for _, p := range pkgs {
		for _, name := range p.Scope().Names() {
			obj := p.Scope().Lookup(name)
			if obj.Exported() {
				w.visit(obj.Type(), p.Path()+"."+name)
			}
		}
	}
	var out []string
	for f := range w.found {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

type walker struct {
	nameable map[*types.TypeName]bool
	seen     map[types.Type]bool
	found    map[string]bool
}

func (w *walker) visit(t types.Type, via string) {
	t = types.Unalias(t)
	if w.seen[t] {
		return
	}
	w.seen[t] = true
	switch t := t.(type) {
	case *types.Named:
		obj := t.Origin().Obj()
		if obj.Pkg() != nil && strings.HasPrefix(obj.Pkg().Path(), module) && !w.nameable[obj] {
			w.found[via+" exposes "+obj.Pkg().Path()+"."+obj.Name()] = true
			return
		}
		for i := 0; i < t.TypeArgs().Len(); i++ {
			w.visit(t.TypeArgs().At(i), via)
		}
		if obj.Pkg() == nil || !strings.HasPrefix(obj.Pkg().Path(), module) {
			return // another module's type: its own API
		}
		for _, recv := range []types.Type{t, types.NewPointer(t)} {
			ms := types.NewMethodSet(recv)
			for i := 0; i < ms.Len(); i++ {
				if m := ms.At(i).Obj(); m.Exported() {
					w.visit(m.Type(), via+"."+m.Name())
				}
			}
		}
		if s, ok := t.Underlying().(*types.Struct); ok {
			for i := 0; i < s.NumFields(); i++ {
				if f := s.Field(i); f.Exported() {
					w.visit(f.Type(), via+"."+f.Name())
				}
			}
		}
		// The underlying type of a named func type (functional options) is
		// deliberately opaque: users pass such values, they never build them.
	case *types.Pointer:
		w.visit(t.Elem(), via)
	case *types.Slice:
		w.visit(t.Elem(), via)
	case *types.Array:
		w.visit(t.Elem(), via)
	case *types.Map:
		w.visit(t.Key(), via)
		w.visit(t.Elem(), via)
	case *types.Chan:
		w.visit(t.Elem(), via)
	case *types.Signature:
		for _, tup := range []*types.Tuple{t.Params(), t.Results()} {
			for i := 0; i < tup.Len(); i++ {
				w.visit(tup.At(i).Type(), via)
			}
		}
	case *types.Struct:
		for i := 0; i < t.NumFields(); i++ {
			if f := t.Field(i); f.Exported() {
				w.visit(f.Type(), via+"."+f.Name())
			}
		}
	}
}
