package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/godurable/durablefunctions/bindings"
	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/durable/azurestore"
	"github.com/godurable/durablefunctions/durable/redisstore"
	"github.com/godurable/durablefunctions/handler"
)

// maxStartBody bounds the input HttpStart accepts.
const maxStartBody = 1 << 20

// HttpStart starts the orchestrator named in the route with the request
// body as its input and replies with the check-status response (202).
func HttpStart(w http.ResponseWriter, r *http.Request, fc *handler.FunctionContext) {
	name := r.PathValue("functionName")
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxStartBody))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "the request body is larger than 1 MiB")
		return
	}
	var input any
	if len(body) > 0 {
		if !json.Valid(body) {
			writeError(w, http.StatusBadRequest, "the request body must be JSON (the orchestrator's input)")
			return
		}
		input = json.RawMessage(body)
	}
	id, err := fc.Client().StartNew(r.Context(), name, input)
	var unknown *durable.UnknownFunctionError
	switch {
	case errors.As(err, &unknown):
		writeError(w, http.StatusBadRequest, err.Error())
		return
	case err != nil:
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	fc.Logger().Info("started orchestration", "orchestrator", name, "instanceId", id)
	fc.CreateCheckStatusResponse(w, r, id)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"Message": msg})
}

// CounterSignal is the message CounterFromQueue and CounterFromEventHub read.
type CounterSignal struct {
	Key    string `json:"key"`
	Amount int    `json:"amount"`
}

func (s CounterSignal) validate() error {
	if s.Key == "" {
		return errors.New(`the message needs a "key"`)
	}
	return nil
}

// CounterFromQueue signals the Counter entity named by each queue message.
func CounterFromQueue(ctx context.Context, msg *bindings.QueueMessage, fc *handler.FunctionContext) error {
	var s CounterSignal
	if err := json.Unmarshal([]byte(msg.Text), &s); err != nil {
		return fmt.Errorf(`queue message %q is not {"key","amount"} JSON: %w`, msg.Text, err)
	}
	if err := s.validate(); err != nil {
		return err
	}
	return fc.Client().SignalEntity(ctx, durable.NewEntityID("Counter", s.Key), "add", s.Amount)
}

// CounterFromEventHub signals Counter once per event of a batch.
func CounterFromEventHub(ctx context.Context, batch *bindings.EventHubBatch, fc *handler.FunctionContext) error {
	for i, ev := range batch.Events {
		var s CounterSignal
		if err := json.Unmarshal(ev.Body, &s); err != nil {
			return fmt.Errorf(`event %d is not {"key","amount"} JSON: %w`, i, err)
		}
		if err := s.validate(); err != nil {
			return fmt.Errorf("event %d: %w", i, err)
		}
		if err := fc.Client().SignalEntity(ctx, durable.NewEntityID("Counter", s.Key), "add", s.Amount); err != nil {
			return err
		}
	}
	return nil
}

// New returns the sample app with every function registered.
func New() *handler.App {
	a := handler.NewApp()
	// The samples run on every store and poll queues standalone: link
	// Azure Storage (store and queue triggers) and Redis. An app that keeps
	// the default SQLite store leaves these out and links neither SDK.
	a.Use(azurestore.Provider, redisstore.Provider)
	// Typed handles register under the names they carry.
	a.Register(FanOutFanIn, SayHelloActivity, SquareActivity)

	a.Orchestrator("HelloSequence", HelloSequence)
	a.Orchestrator("Monitor", Monitor)
	a.Orchestrator("ApprovalWorkflow", ApprovalWorkflow)
	a.Orchestrator("TransferFunds", TransferFunds)
	a.Orchestrator("RetryThenSucceed", RetryThenSucceed)
	a.Orchestrator("SubOrchestrationParent", SubOrchestrationParent)
	a.Orchestrator("ContinueAsNewCounter", ContinueAsNewCounter)

	a.Activity("GetJobStatus", durable.ActivityOf(GetJobStatus))
	a.Activity("SendAlert", durable.ActivityOf(SendAlert))
	a.Activity("RequestApproval", durable.ActivityOf(RequestApproval))
	a.Activity("ProcessApproval", durable.ActivityOf(ProcessApproval))
	a.Activity("Escalate", durable.ActivityOf(Escalate))
	a.Activity("FlakyActivity", durable.ActivityOf(FlakyActivity))

	a.Entity("Counter", Counter)
	a.Entity("Account", accountEntity())

	a.HTTP("HttpStart", HttpStart)
	a.Queue("CounterFromQueue", CounterFromQueue)
	a.EventHub("CounterFromEventHub", CounterFromEventHub)
	return a
}
