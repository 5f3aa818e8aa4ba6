// The sample function app: every Durable Functions pattern in Go. Run it with
// `make run` (standalone, embedded store) or under `func start`.
package main

import (
	"github.com/godurable/durablefunctions/handler"
	"github.com/godurable/durablefunctions/samples/app"
)

func main() { handler.Main(app.New()) }
