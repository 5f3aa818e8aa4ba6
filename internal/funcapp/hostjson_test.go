package funcapp

import (
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestHostJSONOfTheSampleAppIsTyped(t *testing.T) {
	app, err := loadTestApp(t, filepath.Join("testdata", "app"))
	if err != nil {
		t.Fatal(err)
	}
	h := app.Host
	if h.Version != "2.0" || h.FunctionTimeout != 10*time.Minute || h.RoutePrefix != "api" {
		t.Errorf("version %q timeout %v prefix %q", h.Version, h.FunctionTimeout, h.RoutePrefix)
	}
	ch := h.CustomHandler
	if !ch.Present || ch.DefaultExecutablePath != "handler" || !reflect.DeepEqual(ch.Arguments, []string{"--flag"}) || ch.ForwardsHTTP() {
		t.Errorf("customHandler = %+v", ch)
	}
	dt := h.DurableTask
	sp := dt.StorageProvider
	if dt.HubName != "SampleHub" || !dt.HubNameConfigured || sp.Type != StorageUnset || sp.PartitionCount != 2 ||
		sp.ControlQueueVisibilityTimeout != 2*time.Minute || sp.MaxQueuePollingInterval != 5*time.Second ||
		dt.MaxConcurrentActivityFunctions != 20 || dt.MaxConcurrentOrchestratorFunctions != 10*runtime.NumCPU() {
		t.Errorf("durableTask = %+v", dt)
	}
	if !dt.Tracing.Present || !dt.Tracing.TraceInputsAndOutputs {
		t.Errorf("tracing = %+v", dt.Tracing)
	}
}

func TestDurableTaskDefaults(t *testing.T) {
	app, err := loadTestApp(t, writeApp(t, map[string]string{"host.json": minimalHost}))
	if err != nil {
		t.Fatal(err)
	}
	dt := app.Host.DurableTask
	want := StorageProviderConfig{
		Type: StorageUnset, ConnectionName: "AzureWebJobsStorage", PartitionCount: 4,
		ControlQueueBatchSize: 32, ControlQueueBufferThreshold: 256,
		ControlQueueVisibilityTimeout: 5 * time.Minute, WorkItemQueueVisibilityTimeout: 5 * time.Minute,
		MaxQueuePollingInterval: 30 * time.Second,
	}
	if dt.StorageProvider != want {
		t.Errorf("storageProvider = %+v\nwant %+v", dt.StorageProvider, want)
	}
	if dt.HubName != DefaultHubName || dt.HubNameConfigured || dt.MaxEntityOperationBatchSize != 5000 ||
		dt.MaxOrchestrationActions != 100000 || dt.ExtendedSessionIdleTimeout != 30*time.Second ||
		dt.DefaultAsyncRequestSleepTime != 30*time.Second || dt.OverwriteRunningInstances || dt.Tracing != (TracingConfig{}) || dt.EventGrid != nil {
		t.Errorf("durableTask = %+v", dt)
	}
	if app.Host.RoutePrefix != "api" || app.Host.CustomHandler.Present {
		t.Errorf("host = %+v", app.Host)
	}
}

func TestHostJSONValuesAreParsedLikeDotNetConfiguration(t *testing.T) {
	tests := []struct {
		name    string
		host    string
		environ []string
		check   func(t *testing.T, h *HostConfig)
	}{
		{
			name: "the storage type is case-insensitive and emulator means memory",
			host: `{"extensions":{"durableTask":{"storageProvider":{"type":"Emulator"}}}}`,
			check: func(t *testing.T, h *HostConfig) {
				if h.DurableTask.StorageProvider.Type != StorageMemory {
					t.Errorf("type = %q", h.DurableTask.StorageProvider.Type)
				}
			},
		},
		{
			name: "numbers and booleans may be strings",
			host: `{"extensions":{"durableTask":{"extendedSessionsEnabled":"True","maxConcurrentEntityFunctions":"7","storageProvider":{"partitionCount":"16"}}}}`,
			check: func(t *testing.T, h *HostConfig) {
				dt := h.DurableTask
				if !dt.ExtendedSessionsEnabled || dt.MaxConcurrentEntityFunctions != 7 || dt.StorageProvider.PartitionCount != 16 {
					t.Errorf("durableTask = %+v", dt)
				}
			},
		},
		{
			name: "keys are case-insensitive",
			host: `{"Extensions":{"DurableTask":{"HubName":"MyHub","StorageProvider":{"Type":"SQLite","Path":"data/hub.db"}}}}`,
			check: func(t *testing.T, h *HostConfig) {
				sp := h.DurableTask.StorageProvider
				if h.DurableTask.HubName != "MyHub" || sp.Type != StorageSQLite || sp.Path != "data/hub.db" {
					t.Errorf("durableTask = %+v", h.DurableTask)
				}
			},
		},
		{
			name: "connectionStringName is the obsolete name of connectionName",
			host: `{"extensions":{"durableTask":{"storageProvider":{"connectionStringName":"Legacy"}}}}`,
			check: func(t *testing.T, h *HostConfig) {
				if c := h.DurableTask.StorageProvider.ConnectionName; c != "Legacy" {
					t.Errorf("connection = %q", c)
				}
			},
		},
		{
			name: "connectionName wins over connectionStringName",
			host: `{"extensions":{"durableTask":{"storageProvider":{"connectionStringName":"Legacy","connectionName":"Modern"}}}}`,
			check: func(t *testing.T, h *HostConfig) {
				if c := h.DurableTask.StorageProvider.ConnectionName; c != "Modern" {
					t.Errorf("connection = %q", c)
				}
			},
		},
		{
			name: "time spans with days are accepted",
			host: `{"extensions":{"durableTask":{"storageProvider":{"maxQueuePollingInterval":"0.00:01:30","workItemQueueVisibilityTimeout":"1.02:03:04"}}}}`,
			check: func(t *testing.T, h *HostConfig) {
				sp := h.DurableTask.StorageProvider
				if sp.MaxQueuePollingInterval != 90*time.Second || sp.WorkItemQueueVisibilityTimeout != 26*time.Hour+3*time.Minute+4*time.Second {
					t.Errorf("storageProvider = %+v", sp)
				}
			},
		},
		{
			name: "an empty route prefix is kept and slashes are trimmed",
			host: `{"extensions":{"http":{"routePrefix":""}}}`,
			check: func(t *testing.T, h *HostConfig) {
				if h.RoutePrefix != "" {
					t.Errorf("routePrefix = %q", h.RoutePrefix)
				}
			},
		},
		{
			name: "the legacy httpWorker section is read",
			host: `{"httpWorker":{"description":{"defaultExecutablePath":"old"},"enableForwardingHttpRequest":true}}`,
			check: func(t *testing.T, h *HostConfig) {
				if !h.CustomHandler.Present || h.CustomHandler.DefaultExecutablePath != "old" || !h.CustomHandler.ForwardsHTTP() {
					t.Errorf("customHandler = %+v", h.CustomHandler)
				}
			},
		},
		{
			name: "an unlimited function timeout is zero",
			host: `{"functionTimeout":"-1"}`,
			check: func(t *testing.T, h *HostConfig) {
				if h.FunctionTimeout != 0 {
					t.Errorf("functionTimeout = %v", h.FunctionTimeout)
				}
			},
		},
		{
			name:    "environment overrides win over host.json and create missing keys",
			host:    `{"extensions":{"durableTask":{"storageProvider":{"type":"sqlite"}}}}`,
			environ: []string{"AzureFunctionsJobHost__extensions__durableTask__storageProvider__type=memory", "AZUREFUNCTIONSJOBHOST__EXTENSIONS__DURABLETASK__HUBNAME=FromEnv", "AzureFunctionsJobHost__extensions__http__routePrefix=v1"},
			check: func(t *testing.T, h *HostConfig) {
				if h.DurableTask.StorageProvider.Type != StorageMemory || h.DurableTask.HubName != "FromEnv" || h.RoutePrefix != "v1" {
					t.Errorf("type %q hub %q prefix %q", h.DurableTask.StorageProvider.Type, h.DurableTask.HubName, h.RoutePrefix)
				}
			},
		},
		{
			name:    "environment overrides address array elements by index",
			host:    `{"customHandler":{"description":{"defaultExecutablePath":"h","arguments":["a","b"]}}}`,
			environ: []string{"AzureFunctionsJobHost__customHandler__description__arguments__1=B", "AzureFunctionsJobHost__customHandler__description__arguments__2=C"},
			check: func(t *testing.T, h *HostConfig) {
				if !reflect.DeepEqual(h.CustomHandler.Arguments, []string{"a", "B", "C"}) {
					t.Errorf("arguments = %v", h.CustomHandler.Arguments)
				}
			},
		},
		{
			name:    "a hub name may refer to an app setting",
			host:    `{"extensions":{"durableTask":{"hubName":"%HUB%"}}}`,
			environ: []string{"HUB=SlotHub"},
			check: func(t *testing.T, h *HostConfig) {
				if h.DurableTask.HubName != "SlotHub" {
					t.Errorf("hubName = %q", h.DurableTask.HubName)
				}
			},
		},
		{
			name:    "the default hub name comes from the site name, sanitized",
			host:    `{}`,
			environ: []string{"WEBSITE_SITE_NAME=7-my-app"},
			check: func(t *testing.T, h *HostConfig) {
				if h.DurableTask.HubName != "t7myapp" || h.DurableTask.HubNameConfigured {
					t.Errorf("hubName = %q", h.DurableTask.HubName)
				}
			},
		},
		{
			name: "overridableExistingInstanceStates AnyState allows overwriting",
			host: `{"extensions":{"durableTask":{"overridableExistingInstanceStates":"anystate"}}}`,
			check: func(t *testing.T, h *HostConfig) {
				if !h.DurableTask.OverwriteRunningInstances {
					t.Error("OverwriteRunningInstances is false")
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, err := loadTestApp(t, writeApp(t, map[string]string{"host.json": tt.host}), tt.environ...)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, app.Host)
		})
	}
}

func TestInvalidHostJSONValuesNameTheKey(t *testing.T) {
	tests := []struct {
		name    string
		host    string
		environ []string
		want    []string
	}{
		{"partition count out of range", `{"extensions":{"durableTask":{"storageProvider":{"partitionCount":40}}}}`, nil,
			[]string{"host.json: extensions.durableTask.storageProvider.partitionCount: must be between 1 and 16, got 40"}},
		{"a value set by the environment says so", `{}`, []string{"AzureFunctionsJobHost__extensions__durableTask__storageProvider__partitionCount=0"},
			[]string{"partitionCount: must be between 1 and 16, got 0 (set by environment variable AzureFunctionsJobHost__extensions__durableTask__storageProvider__partitionCount)"}},
		{"an unknown storage type", `{"extensions":{"durableTask":{"storageProvider":{"type":"mssql"}}}}`, nil,
			[]string{`storageProvider.type: must be one of "AzureStorage", "sqlite", "memory"`, `got "mssql"`}},
		{"a visibility timeout outside 1-60 minutes", `{"extensions":{"durableTask":{"storageProvider":{"controlQueueVisibilityTimeout":"02:00:00"}}}}`, nil,
			[]string{`controlQueueVisibilityTimeout: must be between 00:01:00 and 01:00:00, got "02:00:00"`}},
		{"a polling interval that is not a time span", `{"extensions":{"durableTask":{"storageProvider":{"maxQueuePollingInterval":"soon"}}}}`, nil,
			[]string{`maxQueuePollingInterval: must be a TimeSpan`}},
		{"a zero polling interval", `{"extensions":{"durableTask":{"storageProvider":{"maxQueuePollingInterval":"00:00:00"}}}}`, nil,
			[]string{`maxQueuePollingInterval: must be greater than zero`}},
		{"an unknown version match strategy", `{"extensions":{"durableTask":{"versionMatchStrategy":"Newest"}}}`, nil,
			[]string{`versionMatchStrategy: must be one of None, Strict, CurrentOrOlder, got "Newest"`}},
		{"an unknown version failure strategy", `{"extensions":{"durableTask":{"versionFailureStrategy":"Retry"}}}`, nil,
			[]string{`versionFailureStrategy: must be one of Reject, Fail, got "Retry"`}},
		{"a negative concurrency", `{"extensions":{"durableTask":{"maxConcurrentActivityFunctions":-1}}}`, nil,
			[]string{`maxConcurrentActivityFunctions: must be at least 1, got -1`}},
		{"a fractional count", `{"extensions":{"durableTask":{"maxConcurrentOrchestratorFunctions":1.5}}}`, nil,
			[]string{`maxConcurrentOrchestratorFunctions: must be an integer, got 1.5`}},
		{"a non-boolean flag", `{"customHandler":{"enableForwardingHttpRequest":"yes"}}`, nil,
			[]string{`customHandler.enableForwardingHttpRequest: must be true or false, got "yes"`}},
		{"an invalid hub name", `{"extensions":{"durableTask":{"hubName":"my-hub"}}}`, nil,
			[]string{`extensions.durableTask.hubName: must start with a letter, contain only letters and digits, and be 3 to 45 characters long, got "my-hub"`}},
		{"a hub name referring to a missing setting", `{"extensions":{"durableTask":{"hubName":"%NOPE%"}}}`, nil,
			[]string{`hubName: refers to app setting NOPE, which is not defined`}},
		{"a section that is not an object", `{"extensions":{"durableTask":{"storageProvider":"AzureStorage"}}}`, nil,
			[]string{`extensions.durableTask.storageProvider: must be a JSON object, got "AzureStorage"`}},
		{"several problems at once", `{"extensions":{"durableTask":{"storageProvider":{"partitionCount":0,"controlQueueBatchSize":64}}}}`, nil,
			[]string{"partitionCount: must be between 1 and 16, got 0", "controlQueueBatchSize: must be between 1 and 32, got 64"}},
		{"invalid JSON with its position", "{\n  \"version\": \"2.0\",\n  oops\n}", nil,
			[]string{"host.json:3:3: invalid JSON"}},
		{"an override with an empty key", `{}`, []string{"AzureFunctionsJobHost__extensions____x=1"},
			[]string{"environment variable AzureFunctionsJobHost__extensions____x: empty key in path"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadTestApp(t, writeApp(t, map[string]string{"host.json": tt.host}), tt.environ...)
			mustContainAll(t, err, tt.want...)
		})
	}
}

func TestResolveStorageFollowsTheDocumentedOrder(t *testing.T) {
	tests := []struct {
		name     string
		host     string
		environ  []string
		want     StorageType
		wantPath string // relative to the app dir
		reason   string
	}{
		{"an explicit type wins over a connection string", `{"extensions":{"durableTask":{"storageProvider":{"type":"memory"}}}}`,
			[]string{"AzureWebJobsStorage=UseDevelopmentStorage=true"}, StorageMemory, "", "type to memory"},
		{"a connection string selects Azure Storage", `{}`,
			[]string{"AzureWebJobsStorage=UseDevelopmentStorage=true"}, StorageAzureStorage, "", "AzureWebJobsStorage has a value"},
		{"an identity-based connection selects Azure Storage", `{"extensions":{"durableTask":{"storageProvider":{"connectionName":"Store"}}}}`,
			[]string{"Store__accountName=acct"}, StorageAzureStorage, "", "Store__accountName has a value"},
		{"nothing configured falls back to sqlite under .durable", `{"extensions":{"durableTask":{"hubName":"Hub1"}}}`,
			nil, StorageSQLite, ".durable/Hub1.db", "is empty"},
		{"an explicit sqlite path is relative to the app", `{"extensions":{"durableTask":{"storageProvider":{"type":"sqlite","path":"db/x.db"}}}}`,
			nil, StorageSQLite, "db/x.db", "type to sqlite"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeApp(t, map[string]string{"host.json": tt.host})
			app, err := loadTestApp(t, dir, tt.environ...)
			if err != nil {
				t.Fatal(err)
			}
			got := app.Host.DurableTask.ResolveStorage(app.Dir, app.Settings)
			if got.Type != tt.want || !strings.Contains(got.Reason, tt.reason) {
				t.Errorf("got %+v, want type %q and a reason containing %q", got, tt.want, tt.reason)
			}
			if tt.wantPath != "" && got.Path != filepath.Join(app.Dir, filepath.FromSlash(tt.wantPath)) {
				t.Errorf("path = %q", got.Path)
			}
		})
	}
}
