package main_test

import (
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"

	"github.com/godurable/durablefunctions/internal/azurite"
)

// Standalone, CounterFromQueue reads the counter-signals queue of the
// account in AzureWebJobsStorage: messages put with the Azure SDK reach it
// and the counter counts each one once.
func TestCounterFromQueueCountsEveryMessagePutOnItsQueue(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the Azurite test")
	}
	inst := azurite.Start(t)
	svc, err := azqueue.NewServiceClientFromConnectionString(inst.ConnectionString(), nil)
	if err != nil {
		t.Fatal(err)
	}
	q := svc.NewQueueClient("counter-signals")
	if _, err := q.Create(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		encoding string // extensions.queues.messageEncoding
	}{
		{"base64 messages, the default encoding", "base64"},
		{"plain messages with messageEncoding none", "none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := startApp(t, "AzureWebJobsStorage="+inst.ConnectionString(),
				"AzureFunctionsJobHost__extensions__queues__maxPollingInterval=00:00:00.500",
				"AzureFunctionsJobHost__extensions__queues__messageEncoding="+tt.encoding)
			key := uniq("queue")
			for amount := 1; amount <= 10; amount++ {
				text := fmt.Sprintf(`{"key":%q,"amount":%d}`, key, amount)
				if tt.encoding == "base64" {
					text = base64.StdEncoding.EncodeToString([]byte(text))
				}
				if _, err := q.EnqueueMessage(t.Context(), text, nil); err != nil {
					t.Fatal(err)
				}
			}
			p.waitEntity(t, "Counter", key, "55")
			time.Sleep(time.Second) // a message counted twice would show now
			p.waitEntity(t, "Counter", key, "55")
		})
	}
}
