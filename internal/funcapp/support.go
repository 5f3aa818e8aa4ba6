package funcapp

import (
	"fmt"
	"sort"
	"strings"
)

// Every host.json key under extensions.durableTask is honoured or named in
// a startup warning; none is read and then silently ignored. The tables
// below say which is which; unsupportedKeys turns the keys a host.json
// actually sets into warnings.

// honoured lists the keys this runtime acts on (lower case).
var honoured = map[string]bool{
	"hubname": true, "storageprovider": true, "finishedinstanceretention": true,
	"maxconcurrentactivityfunctions": true, "maxconcurrentorchestratorfunctions": true,
	"maxconcurrententityfunctions": true, "maxentityoperationbatchsize": true,
	"maxorchestrationactions": true,
	"defaultversion":          true, "versionmatchstrategy": true, "versionfailurestrategy": true,
	"extendedsessionsenabled": true, "extendedsessionidletimeoutinseconds": true,
	// Graceful shutdown and rolling back a failed entity operation are
	// what this runtime always does: true is honoured, false is warned.
	"usegracefulshutdown": true, "rollbackentityoperationsonexceptions": true,
	// Telemetry: parseTelemetry (tracing.go) types these sections and
	// warns about the members inside them that have no effect.
	"tracing": true, "tracking": true, "notifications": true,
}

// honouredStorage lists the storageProvider keys acted on.
var honouredStorage = map[string]bool{
	"type": true, "connectionname": true, "connectionstringname": true, "partitioncount": true,
	"controlqueuebatchsize": true, "controlqueuevisibilitytimeout": true,
	"workitemqueuevisibilitytimeout": true, "maxqueuepollinginterval": true, "path": true,
	"azurestorage": true, "emulator": true, "redis": true,
	"trackingstoreconnectionstringname": true, "trackingstoreconnectionname": true, "trackingstorenameprefix": true,
}

// unsupported explains the keys read but without effect here.
var unsupported = map[string]string{
	"overridableexistinginstancestates":     "starting an id that is still running is always refused (NonRunningStates)",
	"httpsettings":                          "durable HTTP calls (CallHttpAsync) are not built",
	"customlifecyclenotificationhelpertype": "custom lifecycle notifications are a .NET extension point",
	"storeinputsinorchestrationhistory":     "inputs are always kept on the instance, not in history",
	"entitymessagereorderwindowinminutes":   "the reorder window is fixed at 30 minutes",
	"useapplease":                           "there is no app lease: every process serving the hub works",
	"appleaseoptions":                       "there is no app lease",
	"localrpcendpointenabled":               "the management API is served by the app itself",
	"maxgrpcmessagesizeinbytes":             "applies to the host's Durable extension (extension mode)",
	"grpchttpclienttimeout":                 "applies to the host's Durable extension (extension mode)",
	"typedentitiesserialization":            "a .NET setting",
}

// unsupportedStorage explains storageProvider keys without effect here.
var unsupportedStorage = map[string]string{
	"controlqueuebufferthreshold":     "messages are fetched in batches of controlQueueBatchSize",
	"uselegacypartitionmanagement":    "partitions are always leased with blob leases",
	"usetablepartitionmanagement":     "partitions are always leased with blob leases",
	"fetchlargemessagesautomatically": "large messages are always fetched",
	"maxstoragequeuepollinginterval":  "use maxQueuePollingInterval",
}

// unsupportedKeys returns a warning for each key of the durableTask
// section s that has no effect here, sorted.
func unsupportedKeys(s section) []string {
	var out []string
	warn := func(path, why string) {
		out = append(out, fmt.Sprintf("host.json: extensions.durableTask.%s is not supported and has no effect: %s", path, why))
	}
	for k, v := range s.m {
		lk := strings.ToLower(k)
		switch {
		case lk == "usegracefulshutdown" || lk == "rollbackentityoperationsonexceptions":
			if b, ok := v.(bool); ok && !b {
				warn(k, "this runtime always does it")
			}
		case honoured[lk]:
		case unsupported[lk] != "":
			warn(k, unsupported[lk])
		default:
			warn(k, "no such setting")
		}
	}
	sp, _ := findKey(s.m, "storageProvider")
	if m, ok := s.m[sp].(map[string]any); ok {
		storageWarnings(m, "storageProvider", warn)
		for _, n := range nestedProviders {
			if nk, ok := findKey(m, n.key); ok {
				if nm, ok := m[nk].(map[string]any); ok {
					storageWarnings(nm, "storageProvider."+nk, warn)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func storageWarnings(m map[string]any, path string, warn func(path, why string)) {
	for k := range m {
		lk := strings.ToLower(k)
		switch {
		case honouredStorage[lk]:
		case unsupportedStorage[lk] != "":
			warn(path+"."+k, unsupportedStorage[lk])
		default:
			warn(path+"."+k, "no such setting")
		}
	}
}
