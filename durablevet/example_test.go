package durablevet_test

import (
	"fmt"
	"log"
	"path/filepath"
	"slices"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"

	"github.com/godurable/durablefunctions/durablevet"
)

// The analyzer can run from Go code, for example in a test of your module
// that fails when an orchestrator is nondeterministic. This one checks
// testdata/example/greet, whose orchestrator Greeting reads the wall clock.
func Example() {
	cfg := &packages.Config{
		Mode: packages.LoadAllSyntax,
		Dir:  "testdata/example", // your module's root
	}
	pkgs, err := packages.Load(cfg, "./...")
	if err != nil {
		log.Fatal(err)
	}
	if packages.PrintErrors(pkgs) > 0 {
		log.Fatal("packages have errors")
	}
	graph, err := checker.Analyze([]*analysis.Analyzer{durablevet.Analyzer}, pkgs, nil)
	if err != nil {
		log.Fatal(err)
	}
	var found []string
	for act := range graph.All() {
		if !act.IsRoot {
			continue // a dependency, analyzed only for its facts
		}
		for _, d := range act.Diagnostics {
			p := act.Package.Fset.Position(d.Pos)
			found = append(found, fmt.Sprintf("%s:%d:%d: %s", filepath.Base(p.Filename), p.Line, p.Column, d.Message))
		}
	}
	slices.Sort(found)
	for _, f := range found {
		fmt.Println(f)
	}
	// Output:
	// greet.go:13:5: call to time.Now in orchestrator Greeting: the wall clock gives a different value each time the orchestrator is replayed; use ctx.CurrentUTCDateTime()
}
