package determinism_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/godurable/durablefunctions/internal/analysis/determinism"
)

func TestDirect(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), determinism.Analyzer, "a", "b", "clean", "suppress")
}

func TestFacts(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), determinism.Analyzer, "helpers", "deeper")
}
