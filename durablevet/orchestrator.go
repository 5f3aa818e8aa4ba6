package durablevet

import "go/types"

// hasOrchestrationContextParam reports whether t is a signature with a
// *durable.OrchestrationContext parameter (receivers do not count).
func hasOrchestrationContextParam(t types.Type) bool {
	return hasParam(t, "OrchestrationContext")
}

// hasActivityContextParam reports whether t is a signature with a
// *durable.ActivityContext parameter.
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
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == durablePath && n.Obj().Name() == name
}
