package webhooks_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/webhooks"
)

// Example shows how to serve the management API next to your own routes.
func Example() {
	reg := durable.NewRegistry()
	_ = reg.AddOrchestrator("Hello", func(ctx *durable.OrchestrationContext) (any, error) {
		return "Hello!", nil
	})
	rt := durable.NewRuntime(reg, durable.NewMemoryStore())
	rt.Start()
	defer rt.Close(context.Background())

	api := webhooks.New(rt.Client(),
		webhooks.WithBasePath("/runtime/webhooks/durabletask"),
		webhooks.WithHubName("MyHub"),
	)
	mux := http.NewServeMux()
	mux.Handle("/runtime/webhooks/durabletask/", api)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	// Start an instance and wait up to 10 seconds for its output.
	resp, err := http.Post(srv.URL+"/runtime/webhooks/durabletask/orchestrators/Hello/greeting-1?timeout=10&pollingInterval=1", "application/json", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, string(out))

	// The management URLs of an instance, as a client function returns
	// them: the status URL is also the Location header.
	req := httptest.NewRequest("POST", "https://myapp.azurewebsites.net/api/HttpStart", nil)
	w := httptest.NewRecorder()
	api.CreateCheckStatusResponse(w, req, "greeting-1")
	fmt.Println(w.Header().Get("Location"))
	// Output:
	// 200 "Hello!"
	// https://myapp.azurewebsites.net/runtime/webhooks/durabletask/instances/greeting-1?taskHub=MyHub&connection=Storage
}
