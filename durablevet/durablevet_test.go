package durablevet_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/godurable/durablefunctions/durablevet"
)

func TestDirect(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), durablevet.Analyzer, "a", "b", "clean", "suppress")
}

func TestFacts(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), durablevet.Analyzer, "helpers", "deeper")
}
