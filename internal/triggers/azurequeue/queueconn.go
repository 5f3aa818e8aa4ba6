package azurequeue

import (
	"errors"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"

	"github.com/godurable/durablefunctions/internal/store/azurestorage"
)

// DefaultConnection is the connection a queue binding uses when it names
// none.
const DefaultConnection = "AzureWebJobsStorage"

// ErrNoConnection: the settings a binding's connection names are empty.
var ErrNoConnection = errors.New("no storage connection")

// QueueService opens the queue service a binding's connection names, the
// way the host's storage extension reads it: the setting itself (or
// AzureWebJobs<name>) holds a connection string, UseDevelopmentStorage=true
// meaning Azurite; otherwise <name>__queueServiceUri, <name>__serviceUri or
// <name>__accountName name the service for an identity-based connection,
// with <name>__credential ("managedidentity") and <name>__clientId. It
// returns the service and a description without secrets for the logs.
func QueueService(connection string, setting func(string) (string, bool), opts *azqueue.ClientOptions) (*azqueue.ServiceClient, string, error) {
	if connection == "" {
		connection = DefaultConnection
	}
	get := func(name string) string {
		v, _ := setting(name)
		return strings.TrimSpace(v)
	}
	names := []string{connection}
	if !strings.HasPrefix(strings.ToLower(connection), "azurewebjobs") {
		names = append(names, "AzureWebJobs"+connection)
	}
	for _, name := range names {
		if cs := get(name); cs != "" {
			svc, err := fromConnectionString(cs, opts)
			if err != nil {
				return nil, "", fmt.Errorf("app setting %s: %w", name, err)
			}
			return svc, "connection string in " + name, nil
		}
		if svc, where, ok, err := fromIdentity(name, get, opts); ok || err != nil {
			return svc, where, err
		}
	}
	return nil, "", fmt.Errorf("%w: app setting %s is empty; set it to a connection string (UseDevelopmentStorage=true for Azurite) or set %s__queueServiceUri for an identity-based connection",
		ErrNoConnection, connection, connection)
}

func fromConnectionString(cs string, opts *azqueue.ClientOptions) (*azqueue.ServiceClient, error) {
	kv := map[string]string{}
	for _, part := range strings.Split(cs, ";") {
		if k, v, ok := strings.Cut(strings.TrimSpace(part), "="); ok {
			kv[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
	if strings.EqualFold(kv["usedevelopmentstorage"], "true") {
		return fromConnectionString(azurestorage.DevelopmentConnectionString, opts)
	}
	queueURL, _, _, err := azurestorage.ParseConnectionString(cs)
	if err != nil {
		return nil, err
	}
	if key := kv["accountkey"]; key != "" {
		cred, err := azqueue.NewSharedKeyCredential(kv["accountname"], key)
		if err != nil {
			return nil, fmt.Errorf("account key: %w", err)
		}
		return azqueue.NewServiceClientWithSharedKeyCredential(queueURL+"/", cred, opts)
	}
	return azqueue.NewServiceClientWithNoCredential(queueURL+"/?"+strings.TrimPrefix(kv["sharedaccesssignature"], "?"), opts)
}

// fromIdentity reads an identity-based connection; ok is false when none
// of its settings is present.
func fromIdentity(name string, get func(string) string, opts *azqueue.ClientOptions) (*azqueue.ServiceClient, string, bool, error) {
	sub := func(key string) string {
		for _, sep := range []string{"__", ":"} {
			if v := get(name + sep + key); v != "" {
				return v
			}
		}
		return ""
	}
	uri := sub("queueServiceUri")
	if uri == "" {
		uri = sub("serviceUri")
	}
	if acct := sub("accountName"); uri == "" && acct != "" {
		uri = "https://" + acct + ".queue.core.windows.net"
	}
	if uri == "" {
		return nil, "", false, nil
	}
	tc, err := identityCredential(sub("credential"), sub("clientId"))
	if err != nil {
		return nil, "", true, fmt.Errorf("app settings %s__*: credential: %w", name, err)
	}
	svc, err := azqueue.NewServiceClient(strings.TrimRight(uri, "/")+"/", tc, opts)
	if err != nil {
		return nil, "", true, fmt.Errorf("app settings %s__*: %w", name, err)
	}
	return svc, "identity-based connection " + name + " (" + uri + ")", true, nil
}

// identityCredential is a managed identity when the credential setting
// says so (a user-assigned one with a client id), else the default chain.
func identityCredential(kind, clientID string) (azcore.TokenCredential, error) {
	if strings.EqualFold(kind, "managedidentity") {
		o := &azidentity.ManagedIdentityCredentialOptions{}
		if clientID != "" {
			o.ID = azidentity.ClientID(clientID)
		}
		return azidentity.NewManagedIdentityCredential(o)
	}
	return azidentity.NewDefaultAzureCredential(nil)
}
