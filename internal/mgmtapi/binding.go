package mgmtapi

import (
	"net/http"
	"net/url"
)

// InstanceIDPlaceholder stands for the instance id in the management URLs
// of ClientBindingData.
const InstanceIDPlaceholder = "INSTANCEID"

// CreationURLs are the URL templates that start orchestrations, with the
// placeholders {functionName}, [/{instanceId}], {timeoutInSeconds} and
// {intervalInSeconds}.
type CreationURLs struct {
	CreateNewInstancePostURI          string `json:"createNewInstancePostUri"`
	CreateAndWaitOnNewInstancePostURI string `json:"createAndWaitOnNewInstancePostUri"`
}

// ClientBindingData is the value of a durableClient input binding as the
// Durable Functions extension gives it to JavaScript and Python functions
// (the JSON "OrchestratorShim" protocol): the JS and Python DurableClient
// call the management API through these URLs, or through RPCBaseURL when
// it is set.
type ClientBindingData struct {
	TaskHubName                   string       `json:"taskHubName"`
	ConnectionName                string       `json:"connectionName,omitempty"`
	CreationURLs                  CreationURLs `json:"creationUrls"`
	ManagementURLs                Payload      `json:"managementUrls"`
	BaseURL                       string       `json:"baseUrl"`
	RequiredQueryStringParameters string       `json:"requiredQueryStringParameters"`
	RPCBaseURL                    string       `json:"rpcBaseUrl"`
}

// ClientBindingData returns the durableClient binding value for a function
// invoked by r: URLs on r's authority (see BaseURL), management URLs with
// the id placeholder INSTANCEID, and, when the API needs no key,
// RPCBaseURL = the base URL with a trailing slash (callers serving the API
// on a separate local address may replace it). With a key RPCBaseURL stays
// empty: durable-js prefers it to the templates and sends it no key, so
// every call would get a 401 (the extension's rpcBaseUrl is a local
// endpoint that needs none).
func (a *API) ClientBindingData(r *http.Request) ClientBindingData {
	baseURL := a.BaseURL(r)
	required := ""
	if a.key != "" {
		required = "code=" + url.QueryEscape(a.key)
	}
	create := baseURL + "/orchestrators/{functionName}[/{instanceId}]"
	createNew := create
	if required != "" {
		createNew += "?" + required
	}
	createWait := create + "?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}"
	if required != "" {
		createWait += "&" + required
	}
	// The binding goes to the app's own function code, not to its callers:
	// its URL templates (INSTANCEID filled in by the client) need the key.
	mgmt := a.managementPayload(r, InstanceIDPlaceholder, a.key)
	rpc := baseURL + "/"
	if a.key != "" {
		rpc = ""
	}
	return ClientBindingData{
		TaskHubName:                   a.hub,
		ConnectionName:                a.conn,
		CreationURLs:                  CreationURLs{CreateNewInstancePostURI: createNew, CreateAndWaitOnNewInstancePostURI: createWait},
		ManagementURLs:                mgmt,
		BaseURL:                       baseURL,
		RequiredQueryStringParameters: required,
		RPCBaseURL:                    rpc,
	}
}
