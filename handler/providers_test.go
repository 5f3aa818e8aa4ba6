package handler_test

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/godurable/durablefunctions/bindings"
	"github.com/godurable/durablefunctions/handler"
)

// An app links Azure Storage and Redis only when main.go passes their
// providers to App.Use. A host.json that needs one the program does not
// link must stop the app at startup with the exact line to add, not fail
// later or fall back to another store.
func TestAHostJSONNeedingAStoreOrTriggerTheProgramDoesNotLinkFailsStartupNamingTheLineToAdd(t *testing.T) {
	storeHost := func(provider string) string {
		return fmt.Sprintf(`{"version":"2.0","extensions":{"durableTask":{"hubName":"OptInHub","storageProvider":{"type":%q}}}}`, provider)
	}
	tests := []struct {
		name  string
		files map[string]string
		queue bool
		wants []string
	}{
		{
			name:  "the AzureStorage store without azurestore.Provider",
			files: map[string]string{"host.json": storeHost("AzureStorage"), "local.settings.json": `{"Values":{"AzureWebJobsStorage":"UseDevelopmentStorage=true"}}`},
			wants: []string{"AzureStorage", "app.Use(azurestore.Provider)", `"github.com/godurable/durablefunctions/durable/azurestore"`},
		},
		{
			name:  "no storageProvider type and AzureWebJobsStorage set, without azurestore.Provider",
			files: map[string]string{"host.json": `{"version":"2.0","extensions":{"durableTask":{"hubName":"OptInHub"}}}`, "local.settings.json": `{"Values":{"AzureWebJobsStorage":"UseDevelopmentStorage=true"}}`},
			wants: []string{"AzureWebJobsStorage has a value", "app.Use(azurestore.Provider)", `storageProvider.type to "sqlite"`},
		},
		{
			name:  "the redis store without redisstore.Provider",
			files: map[string]string{"host.json": storeHost("redis"), "local.settings.json": `{"Values":{"RedisConnection":"localhost:6379"}}`},
			wants: []string{"redis", "app.Use(redisstore.Provider)", `"github.com/godurable/durablefunctions/durable/redisstore"`},
		},
		{
			name:  "a queue-triggered function standalone without azurestore.Provider",
			files: map[string]string{"host.json": memoryHostJSON, "FromQueue/function.json": fmt.Sprintf(queueJSON, "work-items")},
			queue: true,
			wants: []string{"FromQueue/function.json", "queue-triggered", "app.Use(azurestore.Provider)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := handler.NewApp()
			if tt.queue {
				a.Queue("FromQueue", func(context.Context, *bindings.QueueMessage, *handler.FunctionContext) error { return nil })
			}
			srv, err := handler.Start(t.Context(), a, &handler.Options{Mode: handler.Standalone, AppDir: writeApp(t, tt.files), Addr: "127.0.0.1:0"})
			if err == nil {
				_ = srv.Shutdown(context.Background())
				t.Fatal("Start succeeded without the provider host.json needs")
			}
			t.Logf("startup error: %v", err)
			for _, want := range tt.wants {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("the startup error does not say %s:\n%v", want, err)
				}
			}
		})
	}
}

// The handler links its default SQLite store, but the Azure SDK (and the
// Apache Arrow its blob client pulls in) and the Redis client only come
// with azurestore.Provider and redisstore.Provider. (cmd/durablefunc's
// tests check the same of a generated app, and that the opt-in links them.)
func TestTheHandlerLinksNeitherTheAzureSDKNorTheRedisClient(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH")
	}
	out, err := exec.Command("go", "list", "-deps", "github.com/godurable/durablefunctions/handler").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	sqlite := false
	for _, d := range deps {
		for _, banned := range []string{"github.com/Azure/", "github.com/apache/arrow", "github.com/redis/"} {
			if strings.HasPrefix(d, banned) {
				t.Errorf("handler links %s", d)
			}
		}
		sqlite = sqlite || d == "modernc.org/sqlite"
	}
	if !sqlite {
		t.Errorf("handler does not link the SQLite driver of its default store; go list printed %d packages", len(deps))
	}
}
