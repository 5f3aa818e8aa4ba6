package durablevet

import (
	"go/ast"
	"go/types"
)

// underlying returns the underlying type of t, or nil.
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
