package durablevet

import "go/types"

// qualifiedVar names a package variable, qualified when it is not of pkg:
// counter, helpers.Cache.
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
