// Command durablevet reports nondeterministic code in Durable Functions
// orchestrators (see docs/determinism.md).
//
// Run it directly on packages:
//
//	go run ./cmd/durablevet ./...
//
// or as a go vet tool:
//
//	go build -o /tmp/durablevet ./cmd/durablevet
//	go vet -vettool=/tmp/durablevet ./...
//
// singlechecker serves both: given a single *.cfg argument (the go vet
// protocol) it runs as a unitchecker.
package main

import (
	"golang.org/x/tools/go/analysis/singlechecker"

	"github.com/godurable/durablefunctions/internal/analysis/determinism"
)

func main() { singlechecker.Main(determinism.Analyzer) }
