package jsclienttest

import (
	"os"
	"testing"

	"github.com/godurable/durablefunctions/internal/redisserver"
)

// TestMain starts the package's Redis server (internal/redisserver).
func TestMain(m *testing.M) { os.Exit(redisserver.Main(m)) }
