package extension

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/godurable/durablefunctions/internal/mgmtapi"
)

// ClientBinding is the value of a durableClient binding in extension mode
// (the extension's OrchestrationClientInputData for the passthrough
// protocol): where its gRPC endpoint is, which task hub to use, and how to
// build the management URLs the host serves.
type ClientBinding struct {
	TaskHubName    string `json:"taskHubName"`
	ConnectionName string `json:"connectionName"`
	// RPCBaseURL is the extension's TaskHubSidecarService endpoint,
	// "http://localhost:4001" by default.
	RPCBaseURL string `json:"rpcBaseUrl"`
	// HTTPBaseURL is the host's management API:
	// "http://localhost:7071/runtime/webhooks/durabletask".
	HTTPBaseURL string `json:"httpBaseUrl"`
	// RequiredQueryStringParameters go on every management URL
	// ("taskHub=...&connection=...&code=...").
	RequiredQueryStringParameters string `json:"requiredQueryStringParameters"`
	// MaxGrpcMessageSizeInBytes, when the extension sends it, bounds gRPC
	// messages.
	MaxGrpcMessageSizeInBytes int `json:"maxGrpcMessageSizeInBytes"`
}

// ParseClientBinding reads a durableClient binding value as it arrives in
// an invocation's Data: a JSON string holding the JSON object (the host
// encodes string values once more), or the object itself.
func ParseClientBinding(raw json.RawMessage) (*ClientBinding, error) {
	text := raw
	var s string
	if json.Unmarshal(raw, &s) == nil {
		text = json.RawMessage(s)
		var inner string
		if json.Unmarshal(text, &inner) == nil {
			text = json.RawMessage(inner)
		}
	}
	var b ClientBinding
	if err := json.Unmarshal(text, &b); err != nil {
		return nil, fmt.Errorf("the durable client binding is not the extension's JSON object: %w", err)
	}
	if b.RPCBaseURL == "" {
		return nil, fmt.Errorf("the durable client binding has no rpcBaseUrl, so the extension is not in its gRPC (passthrough) mode: set FUNCTIONS_WORKER_RUNTIME=custom")
	}
	return &b, nil
}

// CheckStatus returns the management URLs of instanceID on the host's own
// API (the httpBaseUrl), as the extension builds them.
func (b *ClientBinding) CheckStatus(instanceID string) mgmtapi.Payload {
	base := strings.TrimSuffix(b.HTTPBaseURL, "/")
	inst := base + "/instances/" + url.PathEscape(instanceID)
	qs := b.RequiredQueryStringParameters
	q, amp := "", ""
	if qs != "" {
		q, amp = "?"+qs, "&"+qs
	}
	return mgmtapi.Payload{
		ID:                    instanceID,
		StatusQueryGetURI:     inst + q,
		SendEventPostURI:      inst + "/raiseEvent/{eventName}" + q,
		TerminatePostURI:      inst + "/terminate?reason={text}" + amp,
		PurgeHistoryDeleteURI: inst + q,
		RestartPostURI:        inst + "/restart" + q,
		SuspendPostURI:        inst + "/suspend?reason={text}" + amp,
		ResumePostURI:         inst + "/resume?reason={text}" + amp,
		RewindPostURI:         inst + "/rewind?reason={text}" + amp,
	}
}
