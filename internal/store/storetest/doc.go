// Package storetest is the conformance suite every store runs: Run
// exercises each operation of store.Store the way the engine relies on
// it, against fresh stores made by the caller's factory, on a virtual
// Clock so that timer tests never depend on wall-clock speed.
//
// A store's test file needs only:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, storetest.Factory{New: newStore, Reopen: reopen})
//	}
//
// Reopen is optional; stores that persist provide it so the suite can
// check that timers, messages and locked work survive a restart.
package storetest
