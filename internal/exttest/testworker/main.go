// Command testworker is the Go worker the extension-mode tests run as a
// separate process (so that they can kill it): the sample app's durable
// functions behind a custom-handler HTTP server, in extension mode. It
// listens on FUNCTIONS_CUSTOMHANDLER_PORT, reads the function app from
// its working directory, and gives activities a durable client for the
// stand-in's gRPC endpoint in DURABLE_TEST_RPC.
package main

import (
	"fmt"
	"net/http"
	"os"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/extension"
	"github.com/godurable/durablefunctions/internal/exttest"
	"github.com/godurable/durablefunctions/internal/funcapp"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/sidecar"
	"github.com/godurable/durablefunctions/samples/app"
)

func main() {
	fa, err := funcapp.LoadApp(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	reg := app.New().Registry()
	st, err := sidecar.Dial(os.Getenv("DURABLE_TEST_RPC"), sidecar.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	x := extension.NewExecutor(reg, extension.Options{Client: durable.NewClient(store.NewHandle(st), reg)})
	addr := "127.0.0.1:" + os.Getenv("FUNCTIONS_CUSTOMHANDLER_PORT")
	if err := http.ListenAndServe(addr, exttest.WorkerHandler(fa, x)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
