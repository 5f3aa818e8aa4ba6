package extension

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// Kind is the durable trigger a function has.
type Kind int

const (
	// Orchestration: an orchestrationTrigger function.
	Orchestration Kind = iota + 1
	// Activity: an activityTrigger function.
	Activity
	// Entity: an entityTrigger function.
	Entity
)

// maxInvocationBytes bounds an invocation body; histories can be large.
const maxInvocationBytes = 256 << 20

// ServeInvocation answers one invocation of a durable function from the
// host (POST /{function}): it decodes the envelope, runs the orchestrator
// episode, activity or entity batch, and replies as the extension expects:
// 200 with ReturnValue set to the base64 response (orchestrations,
// entities) or to the activity's result; an activity failure is a 500
// whose reason phrase carries the error (see EncodeFailureReason). An
// envelope it cannot read gets the same treatment as any failure of that
// kind, so the extension records a failure that says what was wrong.
func (x *Executor) ServeInvocation(w http.ResponseWriter, r *http.Request, function string, kind Kind) {
	r = withHostTrace(r) // user code's spans join the host's trace (trace.go)
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxInvocationBytes))
	var inv *Invocation
	if err == nil {
		inv, err = DecodeInvocation(body)
	}
	switch kind {
	case Orchestration:
		writeReturn(w, x.orchestrationReply(r, inv, err))
	case Entity:
		writeReturn(w, x.entityReply(r, inv, err))
	case Activity:
		res := protocolFailure(fmt.Errorf("activity %q: %v", function, err))
		if err == nil {
			res = x.RunActivity(r.Context(), function, inv)
		}
		if res.Failure != nil {
			x.log.Info("activity failed", "function", function, "errorType", res.Failure.ErrorType, "error", res.Failure.ErrorMessage)
			ret, _ := json.Marshal(map[string]any{"error": res.Failure})
			writeWithReason(w, http.StatusInternalServerError, EncodeFailureReason(res.Failure), replyBody(ret, nil))
			return
		}
		writeReturn(w, res.ReturnValue())
	default:
		http.Error(w, fmt.Sprintf("function %q is not a durable function", function), http.StatusNotFound)
	}
}

func (x *Executor) orchestrationReply(r *http.Request, inv *Invocation, err error) json.RawMessage {
	var text string
	if err == nil {
		text, err = inv.TriggerText("")
	}
	var out string
	if err != nil {
		out = encodeResponse(failedResponse("", fmt.Errorf("orchestration trigger: %w", err)))
	} else {
		out = x.OrchestrateBase64(r.Context(), text)
	}
	b, _ := json.Marshal(out)
	return b
}

func (x *Executor) entityReply(r *http.Request, inv *Invocation, err error) json.RawMessage {
	var text string
	if err == nil {
		text, err = inv.TriggerText("")
	}
	if err != nil {
		text = "!" // not base64: EntityBase64 reports it as a failed batch
		x.log.Error("entity invocation refused", "error", err)
	}
	b, _ := json.Marshal(x.EntityBase64(r.Context(), text))
	return b
}

func writeReturn(w http.ResponseWriter, ret json.RawMessage) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(replyBody(ret, nil))
}
