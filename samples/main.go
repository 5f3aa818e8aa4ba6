// The sample function app: every Durable Functions pattern in Go. Run it with
// `make run` (standalone, embedded store) or under `func start`. app.New
// opts in to every store and trigger (Azure Storage, Redis), so host.json
// may select any of them.
package main

import (
	"github.com/godurable/durablefunctions/handler"
	"github.com/godurable/durablefunctions/samples/app"
)

func main() { handler.Main(app.New()) }
