package funcapp

import (
	"fmt"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"
)

// DefaultHubName is the task hub name used when host.json sets none and
// WEBSITE_SITE_NAME is not defined (that is, when running locally).
const DefaultHubName = "TestHubName"

// DefaultConnectionName is the app setting that holds the Azure Storage
// connection when storageProvider.connectionName is not set.
const DefaultConnectionName = "AzureWebJobsStorage"

// StorageType names a durable store backend.
type StorageType string

// Store backends. StorageUnset means host.json chose none; see
// DurableTaskConfig.ResolveStorage for how one is picked then.
const (
	StorageUnset        StorageType = ""
	StorageAzureStorage StorageType = "AzureStorage"
	StorageSQLite       StorageType = "sqlite"
	StorageMemory       StorageType = "memory"
	StorageRedis        StorageType = "Redis"
)

// DefaultRedisConnectionName is the app setting holding the Redis
// connection when the seed's storageProvider.redis names none.
const DefaultRedisConnectionName = "RedisConnection"

// DurableTaskConfig is extensions.durableTask in host.json, with defaults
// filled in. Durations come from .NET TimeSpan strings.
type DurableTaskConfig struct {
	// HubName is the task hub name (hubName, with %Setting% resolved).
	HubName string
	// HubNameConfigured reports whether host.json (or an override) set it.
	HubNameConfigured bool
	StorageProvider   StorageProviderConfig

	// Concurrency limits per worker. Defaults are 10 × the CPU count.
	MaxConcurrentActivityFunctions     int
	MaxConcurrentOrchestratorFunctions int
	MaxConcurrentEntityFunctions       int
	// MaxEntityOperationBatchSize bounds operations per entity batch (5000).
	MaxEntityOperationBatchSize int
	// MaxOrchestrationActions bounds actions per orchestration (100000).
	MaxOrchestrationActions int
	ExtendedSessionsEnabled bool
	// ExtendedSessionIdleTimeout is extendedSessionIdleTimeoutInSeconds (30s).
	ExtendedSessionIdleTimeout time.Duration
	// OverwriteRunningInstances is true when
	// overridableExistingInstanceStates is "AnyState": starting an
	// instance id that is still running replaces it instead of failing.
	OverwriteRunningInstances bool
	// DefaultAsyncRequestSleepTime is
	// httpSettings.defaultAsyncRequestSleepTimeMilliseconds (30s): the
	// Retry-After hint of check-status responses.
	DefaultAsyncRequestSleepTime time.Duration
	// Versioning is defaultVersion, versionMatchStrategy and
	// versionFailureStrategy.
	Versioning VersioningConfig
	// Tracing is the tracing section (or the seed's tracking section).
	Tracing TracingConfig
	// EventGrid is notifications.eventGrid, nil when absent.
	EventGrid *EventGridConfig
	// Warnings name the keys that were read but have no effect here, for
	// the startup log (see support.go).
	Warnings []string
	// Raw is the whole section as written (after overrides).
	Raw map[string]any
}

// StorageProviderConfig is extensions.durableTask.storageProvider.
type StorageProviderConfig struct {
	// Type is the backend, or StorageUnset. Accepted (case-insensitive):
	// AzureStorage, sqlite, memory, emulator (an alias of memory) and
	// Redis; or the Durable Functions 2.0 nested forms {"azureStorage":
	// {...}}, {"emulator": {}} and {"redis": {...}}.
	Type StorageType
	// ConnectionName is the app setting (or identity-based prefix) of
	// the Azure Storage connection: connectionName, else the obsolete
	// connectionStringName, else AzureWebJobsStorage.
	ConnectionName string
	// PartitionCount is the number of control queues (1-16, default 4).
	PartitionCount int
	// ControlQueueBatchSize is messages fetched per poll (1-32, default 32).
	ControlQueueBatchSize int
	// ControlQueueBufferThreshold bounds prefetched messages (1-1000, 256).
	ControlQueueBufferThreshold    int
	ControlQueueVisibilityTimeout  time.Duration // 1-60 minutes, default 5m
	WorkItemQueueVisibilityTimeout time.Duration // default 5m
	MaxQueuePollingInterval        time.Duration // default 30s
	// TrackingStoreConnectionName is the app setting of the account
	// holding the History and Instances tables (trackingStoreConnectionName,
	// else trackingStoreConnectionStringName); empty: the hub's account.
	TrackingStoreConnectionName string
	// TrackingStoreNamePrefix names those tables in that account (default
	// DurableTask); without a tracking connection it has no effect, as in
	// Durable Functions, and a startup warning says so.
	TrackingStoreNamePrefix string
	// Path is the sqlite database file, relative to the app directory.
	Path string
}

// VersioningConfig is Durable Functions' orchestration versioning.
type VersioningConfig struct {
	// Enabled is true when host.json sets any of the three keys.
	Enabled bool
	// DefaultVersion is stamped on new orchestrations and is the version
	// this worker runs.
	DefaultVersion string
	// MatchStrategy is None, Strict or CurrentOrOlder (the default).
	MatchStrategy string
	// FailureStrategy is Reject (the default) or Fail.
	FailureStrategy string
}

// parseVersioning reads the versioning keys; values are checked here so
// that a typo fails at startup rather than changing which work runs.
func parseVersioning(s section) VersioningConfig {
	v := VersioningConfig{
		DefaultVersion:  s.str("defaultVersion", ""),
		MatchStrategy:   oneOf(s, "versionMatchStrategy", "CurrentOrOlder", "None", "Strict", "CurrentOrOlder"),
		FailureStrategy: oneOf(s, "versionFailureStrategy", "Reject", "Reject", "Fail"),
	}
	for _, k := range []string{"defaultVersion", "versionMatchStrategy", "versionFailureStrategy"} {
		if _, ok := s.get(k); ok {
			v.Enabled = true
		}
	}
	return v
}

// oneOf returns key's value spelled as in choices (matched
// case-insensitively), def when it is absent.
func oneOf(s section, key, def string, choices ...string) string {
	got := s.str(key, def)
	for _, c := range choices {
		if strings.EqualFold(got, c) {
			return c
		}
	}
	s.fail(key, got, fmt.Sprintf("must be one of %s", strings.Join(choices, ", ")))
	return def
}

var hubNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{2,44}$`)

// parseDurableTask types the durableTask section; problems go to s.p.
func parseDurableTask(s section, settings *Settings) DurableTaskConfig {
	defConcurrency := 10 * runtime.NumCPU()
	cfg := DurableTaskConfig{
		Raw:                                s.m,
		MaxConcurrentActivityFunctions:     s.integer("maxConcurrentActivityFunctions", defConcurrency, 1, maxInt),
		MaxConcurrentOrchestratorFunctions: s.integer("maxConcurrentOrchestratorFunctions", defConcurrency, 1, maxInt),
		MaxConcurrentEntityFunctions:       s.integer("maxConcurrentEntityFunctions", defConcurrency, 1, maxInt),
		MaxEntityOperationBatchSize:        s.integer("maxEntityOperationBatchSize", 5000, 1, maxInt),
		MaxOrchestrationActions:            s.integer("maxOrchestrationActions", 100000, 1, maxInt),
		ExtendedSessionsEnabled:            s.boolean("extendedSessionsEnabled", false),
		ExtendedSessionIdleTimeout:         time.Duration(s.integer("extendedSessionIdleTimeoutInSeconds", 30, 1, maxInt)) * time.Second,
	}
	cfg.HubName, cfg.HubNameConfigured = parseHubName(s, settings)

	switch states := s.str("overridableExistingInstanceStates", "NonRunningStates"); {
	case strings.EqualFold(states, "AnyState"):
		cfg.OverwriteRunningInstances = true
	case strings.EqualFold(states, "NonRunningStates"):
	default:
		s.fail("overridableExistingInstanceStates", states, `must be "NonRunningStates" or "AnyState"`)
	}
	cfg.Versioning = parseVersioning(s)
	httpSec := s.child("httpSettings")
	cfg.DefaultAsyncRequestSleepTime = time.Duration(httpSec.integer("defaultAsyncRequestSleepTimeMilliseconds", 30000, 1, maxInt)) * time.Millisecond

	sp, typ := storageSection(s.child("storageProvider"))
	defConn := DefaultConnectionName
	if typ == StorageRedis {
		defConn = DefaultRedisConnectionName
	}
	cfg.StorageProvider = StorageProviderConfig{
		Type:                           typ,
		ConnectionName:                 sp.str("connectionName", sp.str("connectionStringName", defConn)),
		PartitionCount:                 sp.integer("partitionCount", 4, 1, 16),
		ControlQueueBatchSize:          sp.integer("controlQueueBatchSize", 32, 1, 32),
		ControlQueueBufferThreshold:    sp.integer("controlQueueBufferThreshold", 256, 1, 1000),
		ControlQueueVisibilityTimeout:  sp.timeSpan("controlQueueVisibilityTimeout", 5*time.Minute, time.Minute, time.Hour),
		WorkItemQueueVisibilityTimeout: sp.timeSpan("workItemQueueVisibilityTimeout", 5*time.Minute, 0, 0),
		MaxQueuePollingInterval:        sp.timeSpan("maxQueuePollingInterval", 30*time.Second, 0, 0),
		Path:                           sp.str("path", ""),
		TrackingStoreConnectionName:    sp.str("trackingStoreConnectionName", sp.str("trackingStoreConnectionStringName", "")),
		TrackingStoreNamePrefix:        trackingPrefix(sp),
	}
	if cfg.StorageProvider.ConnectionName == "" {
		cfg.StorageProvider.ConnectionName = defConn
	}
	cfg.Warnings = unsupportedKeys(s)
	var telemetryWarnings []string
	cfg.Tracing, cfg.EventGrid, telemetryWarnings = parseTelemetry(s)
	cfg.Warnings = append(cfg.Warnings, telemetryWarnings...)
	if p := cfg.StorageProvider; p.TrackingStoreNamePrefix != "" && p.TrackingStoreConnectionName == "" {
		cfg.Warnings = append(cfg.Warnings, "host.json: extensions.durableTask.storageProvider: trackingStoreNamePrefix has no effect without trackingStoreConnectionStringName: the tracking tables stay {hubName}History and {hubName}Instances in the hub's account, as in Durable Functions")
	}
	return cfg
}

// trackingPrefixPattern is a table name prefix that leaves room for
// "Instances" (table names: a letter, then letters and digits, at most 63).
var trackingPrefixPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{0,53}$`)

// trackingPrefix reads trackingStoreNamePrefix, which must make valid
// table names.
func trackingPrefix(sp section) string {
	p := sp.str("trackingStoreNamePrefix", "")
	if p != "" && !trackingPrefixPattern.MatchString(p) {
		sp.fail("trackingStoreNamePrefix", p, "must be a letter then letters and digits, at most 54 characters (it starts table names)")
		return ""
	}
	return p
}

// nestedProviders are the Durable Functions 2.0 schema's storageProvider
// forms, which nest a provider's settings under its name.
var nestedProviders = []struct {
	key string
	typ StorageType
}{{"azureStorage", StorageAzureStorage}, {"emulator", StorageMemory}, {"redis", StorageRedis}}

// storageSection returns the section holding the provider's settings and
// the provider: the flat form ({"type": ..., settings}) or a nested one
// ({"azureStorage": {settings}}). A nested form beside a different type, or
// two nested forms, is an error.
func storageSection(sp section) (section, StorageType) {
	flat := parseStorageType(sp)
	var found []string
	out, typ := sp, flat
	for _, n := range nestedProviders {
		if _, ok := sp.get(n.key); !ok {
			continue
		}
		found = append(found, n.key)
		if flat != StorageUnset && flat != n.typ {
			sp.fail(n.key, nil, fmt.Sprintf("conflicts with storageProvider.type %q: give one provider", flat))
		}
		out, typ = sp.child(n.key), n.typ
	}
	if len(found) > 1 {
		sp.fail(found[1], nil, fmt.Sprintf("conflicts with storageProvider.%s: give one provider", found[0]))
	}
	return out, typ
}

func parseStorageType(sp section) StorageType {
	raw := strings.TrimSpace(sp.str("type", ""))
	switch strings.ToLower(raw) {
	case "":
		return StorageUnset
	case "azurestorage":
		return StorageAzureStorage
	case "sqlite":
		return StorageSQLite
	case "memory", "emulator":
		return StorageMemory
	case "redis":
		return StorageRedis
	}
	sp.fail("type", raw, `must be one of "AzureStorage", "sqlite", "memory" (or its alias "emulator"), "Redis"`)
	return StorageUnset
}

// parseHubName reads hubName, resolving %Setting% references, or derives
// the default the way Durable Functions does.
func parseHubName(s section, settings *Settings) (string, bool) {
	name := strings.TrimSpace(s.str("hubName", ""))
	if name == "" {
		if site := settings.Get("WEBSITE_SITE_NAME"); site != "" {
			return sanitizeHubName(site), false
		}
		return DefaultHubName, false
	}
	if len(name) > 2 && strings.HasPrefix(name, "%") && strings.HasSuffix(name, "%") {
		ref := name[1 : len(name)-1]
		v, ok := settings.Lookup(ref)
		if !ok || strings.TrimSpace(v) == "" {
			s.fail("hubName", name, fmt.Sprintf("refers to app setting %s, which is not defined", ref))
			return DefaultHubName, true
		}
		name = strings.TrimSpace(v)
	}
	if !hubNamePattern.MatchString(name) {
		s.fail("hubName", name, "must start with a letter, contain only letters and digits, and be 3 to 45 characters long")
		return DefaultHubName, true
	}
	return name, true
}

// sanitizeHubName turns a site name into a valid hub name: letters and
// digits only, starting with a letter, 3 to 45 characters.
func sanitizeHubName(site string) string {
	var b strings.Builder
	for _, r := range site {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	name := b.String()
	if name == "" {
		return "DefaultTaskHub"
	}
	if name[0] >= '0' && name[0] <= '9' {
		name = "t" + name
	}
	if len(name) > 45 {
		name = name[:45]
	}
	if len(name) < 3 {
		name += "Hub"
	}
	return name
}

// StorageChoice is the store a runtime should open, and why.
type StorageChoice struct {
	Type StorageType
	// ConnectionName is the app setting of the Azure Storage or Redis
	// connection.
	ConnectionName string
	// Path is the absolute sqlite database file (sqlite only).
	Path string
	// Reason is a sentence for the startup log.
	Reason string
}

// ResolveStorage picks the store: an explicit storageProvider.type wins;
// otherwise AzureStorage when the connection setting (or an identity-based
// "<name>__accountName"/"__queueServiceUri" setting) has a value; otherwise
// sqlite at appDir/.durable/<hubName>.db.
func (c DurableTaskConfig) ResolveStorage(appDir string, settings *Settings) StorageChoice {
	sp := c.StorageProvider
	sqlitePath := func() string {
		p := sp.Path
		if p == "" {
			p = filepath.Join(".durable", c.HubName+".db")
		}
		if !filepath.IsAbs(p) {
			p = filepath.Join(appDir, p)
		}
		return p
	}
	switch sp.Type {
	case StorageAzureStorage:
		return StorageChoice{Type: StorageAzureStorage, ConnectionName: sp.ConnectionName,
			Reason: "host.json sets extensions.durableTask.storageProvider.type to AzureStorage"}
	case StorageSQLite:
		return StorageChoice{Type: StorageSQLite, Path: sqlitePath(),
			Reason: "host.json sets extensions.durableTask.storageProvider.type to sqlite"}
	case StorageMemory:
		return StorageChoice{Type: StorageMemory,
			Reason: "host.json sets extensions.durableTask.storageProvider.type to memory (nothing survives a restart)"}
	case StorageRedis:
		return StorageChoice{Type: StorageRedis, ConnectionName: sp.ConnectionName,
			Reason: "host.json sets extensions.durableTask.storageProvider to Redis (app setting " + sp.ConnectionName + ")"}
	}
	for _, name := range []string{sp.ConnectionName, sp.ConnectionName + "__accountName", sp.ConnectionName + "__queueServiceUri"} {
		if strings.TrimSpace(settings.Get(name)) != "" {
			return StorageChoice{Type: StorageAzureStorage, ConnectionName: sp.ConnectionName,
				Reason: fmt.Sprintf("no storageProvider.type in host.json and app setting %s has a value", name)}
		}
	}
	return StorageChoice{Type: StorageSQLite, Path: sqlitePath(),
		Reason: fmt.Sprintf("no storageProvider.type in host.json and app setting %s is empty", sp.ConnectionName)}
}
