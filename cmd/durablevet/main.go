// Command durablevet reports nondeterministic code in Durable Functions
// orchestrators. It runs the analyzer of package
// github.com/godurable/durablefunctions/durablevet (see its documentation and
// docs/determinism.md).
//
// Run it directly on packages:
//
//	go run github.com/godurable/durablefunctions/cmd/durablevet ./...
//
// or as a go vet tool:
//
//	go install github.com/godurable/durablefunctions/cmd/durablevet
//	go vet -vettool=$(go env GOPATH)/bin/durablevet ./...
//
// One binary serves both ways: [singlechecker.Main] loads the packages itself
// when given package patterns, and speaks the go vet protocol when go vet
// invokes it (-V=full to identify the tool, -flags to list its flags, then
// one *.cfg file per package, handled by the unitchecker driver).
//
// Exit status: 0 when nothing is reported; 3 when run directly and something
// is reported (go vet exits 1); 1 on errors.
package main

import (
	"golang.org/x/tools/go/analysis/singlechecker"

	"github.com/godurable/durablefunctions/durablevet"
)

func main() { singlechecker.Main(durablevet.Analyzer) }
