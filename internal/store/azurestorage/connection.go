package azurestorage

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Connection says how to reach the storage account: a connection string,
// or identity-based settings (service URIs or an account name, and an
// Azure AD credential).
type Connection struct {
	// ConnectionString is a storage connection string
	// ("UseDevelopmentStorage=true" or
	// "DefaultEndpointsProtocol=…;AccountName=…;AccountKey=…;…").
	ConnectionString string

	// Identity-based settings, used when ConnectionString is empty.
	AccountName     string
	QueueServiceURI string
	TableServiceURI string
	BlobServiceURI  string
	// Credential is "managedidentity" for a managed identity, anything
	// else (or empty) for azidentity's DefaultAzureCredential.
	Credential string
	// ClientID selects a user-assigned managed identity.
	ClientID string
	// TokenCredential, when set, is used instead of Credential/ClientID.
	TokenCredential azcore.TokenCredential
}

// String describes the connection without secrets.
func (c Connection) String() string {
	if c.ConnectionString != "" {
		ep, err := parseConnectionString(c.ConnectionString)
		if err != nil {
			return "connection string (invalid)"
		}
		return "connection string for account " + ep.account + " (queues " + ep.queue + ")"
	}
	return "identity-based connection (queues " + c.QueueServiceURI + ")"
}

// DevelopmentConnectionString is what "UseDevelopmentStorage=true" means:
// Azurite on 127.0.0.1:10000-10002 with the well-known account.
const DevelopmentConnectionString = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;"

// ConnectionFromSettings reads connection name the way the Functions host
// does: the app setting name itself holds a connection string; otherwise
// name__accountName, name__queueServiceUri, name__tableServiceUri,
// name__blobServiceUri, name__credential and name__clientId (':' is
// accepted in place of "__") describe an identity-based connection.
func ConnectionFromSettings(name string, get func(string) string) (Connection, error) {
	if name == "" {
		name = "AzureWebJobsStorage"
	}
	lookup := func(suffix string) string {
		for _, sep := range []string{"__", ":"} {
			if v := strings.TrimSpace(get(name + sep + suffix)); v != "" {
				return v
			}
		}
		return ""
	}
	if cs := strings.TrimSpace(get(name)); cs != "" {
		if _, err := parseConnectionString(cs); err != nil {
			return Connection{}, fmt.Errorf("app setting %s: %w", name, err)
		}
		return Connection{ConnectionString: cs}, nil
	}
	c := Connection{
		AccountName:     lookup("accountName"),
		QueueServiceURI: lookup("queueServiceUri"),
		TableServiceURI: lookup("tableServiceUri"),
		BlobServiceURI:  lookup("blobServiceUri"),
		Credential:      lookup("credential"),
		ClientID:        lookup("clientId"),
	}
	if c.AccountName == "" && (c.QueueServiceURI == "" || c.TableServiceURI == "" || c.BlobServiceURI == "") {
		return Connection{}, fmt.Errorf("no storage connection: set app setting %s to a connection string, or %s__accountName (or all of %s__queueServiceUri, __tableServiceUri and __blobServiceUri) for an identity-based connection", name, name, name)
	}
	if _, err := c.endpoints(); err != nil {
		return Connection{}, fmt.Errorf("app setting %s: %w", name, err)
	}
	return c, nil
}

// endpoints is a resolved connection.
type endpoints struct {
	queue, table, blob string // service URLs, no trailing slash
	account, key       string // shared key, when given
	sas                string // SAS query (no '?'), when given
	token              azcore.TokenCredential
	identity           bool
}

func (c Connection) endpoints() (*endpoints, error) {
	if c.ConnectionString != "" {
		return parseConnectionString(c.ConnectionString)
	}
	ep := &endpoints{queue: c.QueueServiceURI, table: c.TableServiceURI, blob: c.BlobServiceURI, identity: true, account: c.AccountName}
	if c.AccountName != "" {
		if ep.queue == "" {
			ep.queue = "https://" + c.AccountName + ".queue.core.windows.net"
		}
		if ep.table == "" {
			ep.table = "https://" + c.AccountName + ".table.core.windows.net"
		}
		if ep.blob == "" {
			ep.blob = "https://" + c.AccountName + ".blob.core.windows.net"
		}
	}
	for _, u := range []*string{&ep.queue, &ep.table, &ep.blob} {
		*u = strings.TrimRight(*u, "/")
		if _, err := url.ParseRequestURI(*u); err != nil || *u == "" {
			return nil, fmt.Errorf("invalid service URI %q", *u)
		}
	}
	return ep, nil
}

func (ep *endpoints) credential(c Connection) (azcore.TokenCredential, error) {
	if c.TokenCredential != nil {
		return c.TokenCredential, nil
	}
	if strings.EqualFold(c.Credential, "managedidentity") {
		opts := &azidentity.ManagedIdentityCredentialOptions{}
		if c.ClientID != "" {
			opts.ID = azidentity.ClientID(c.ClientID)
		}
		return azidentity.NewManagedIdentityCredential(opts)
	}
	return azidentity.NewDefaultAzureCredential(nil)
}

// ParseConnectionString checks a storage connection string and returns
// its queue, table and blob service URLs.
func ParseConnectionString(cs string) (queueURL, tableURL, blobURL string, err error) {
	ep, err := parseConnectionString(cs)
	if err != nil {
		return "", "", "", err
	}
	return ep.queue, ep.table, ep.blob, nil
}

func parseConnectionString(cs string) (*endpoints, error) {
	kv := map[string]string{}
	for _, part := range strings.Split(cs, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("malformed storage connection string: segment %q has no '='", redact(k))
		}
		kv[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
	}
	if strings.EqualFold(kv["usedevelopmentstorage"], "true") {
		ep, err := parseConnectionString(DevelopmentConnectionString)
		if err != nil {
			return nil, err
		}
		if proxy := kv["developmentstorageproxyuri"]; proxy != "" {
			u, err := url.Parse(proxy)
			if err != nil || u.Hostname() == "" {
				return nil, fmt.Errorf("invalid DevelopmentStorageProxyUri %q", proxy)
			}
			for _, s := range []*string{&ep.queue, &ep.table, &ep.blob} {
				su, _ := url.Parse(*s)
				su.Scheme = u.Scheme
				su.Host = u.Hostname() + ":" + su.Port()
				*s = su.String()
			}
		}
		return ep, nil
	}
	ep := &endpoints{account: kv["accountname"], key: kv["accountkey"], sas: strings.TrimPrefix(kv["sharedaccesssignature"], "?")}
	if ep.key == "" && ep.sas == "" {
		return nil, errors.New("storage connection string has neither AccountKey nor SharedAccessSignature")
	}
	if ep.key != "" && ep.account == "" {
		return nil, errors.New("storage connection string has an AccountKey but no AccountName")
	}
	proto := kv["defaultendpointsprotocol"]
	if proto == "" {
		proto = "https"
	}
	suffix := kv["endpointsuffix"]
	if suffix == "" {
		suffix = "core.windows.net"
	}
	pick := func(key, service string) (string, error) {
		if v := kv[key]; v != "" {
			if _, err := url.ParseRequestURI(v); err != nil {
				return "", fmt.Errorf("invalid %s in storage connection string: %q", key, v)
			}
			return strings.TrimRight(v, "/"), nil
		}
		if ep.account == "" {
			return "", fmt.Errorf("storage connection string has no AccountName and no %s", key)
		}
		return proto + "://" + ep.account + "." + service + "." + suffix, nil
	}
	var err error
	if ep.queue, err = pick("queueendpoint", "queue"); err != nil {
		return nil, err
	}
	if ep.table, err = pick("tableendpoint", "table"); err != nil {
		return nil, err
	}
	if ep.blob, err = pick("blobendpoint", "blob"); err != nil {
		return nil, err
	}
	return ep, nil
}

func redact(s string) string {
	if len(s) > 12 {
		return s[:12] + "…"
	}
	return s
}
