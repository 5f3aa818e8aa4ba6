package versiontest

import (
	"os"
	"testing"

	"github.com/godurable/durablefunctions/internal/azurite"
)

func TestMain(m *testing.M) { os.Exit(azurite.Main(m)) }
