package durablevet

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/types/typeutil"
)

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
