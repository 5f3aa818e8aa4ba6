package funcapp

import (
	"strings"
	"testing"
	"time"
)

// hostWith returns a host.json whose durableTask section is the given
// JSON members.
func hostWith(members string) string {
	return `{"version":"2.0","extensions":{"durableTask":{` + members + `}}}`
}

func loadDurableTask(t *testing.T, members string, environ ...string) (*App, error) {
	t.Helper()
	return loadTestApp(t, writeApp(t, map[string]string{"host.json": hostWith(members)}), environ...)
}

// Every key of the Durable Functions 2.0 schema (the seed's) and of the
// current one is honoured or named in a warning: nothing is read and then
// silently ignored.
func TestEveryDurableTaskKeyIsHonouredOrWarnedAbout(t *testing.T) {
	tests := []struct {
		member string
		// honoured keys: a check that the value took effect; warned keys:
		// the key the warning must name.
		effect func(*DurableTaskConfig) bool
		warned string
	}{
		{member: `"hubName":"SeedHub"`, effect: func(c *DurableTaskConfig) bool { return c.HubName == "SeedHub" }},
		{member: `"maxConcurrentActivityFunctions":3`, effect: func(c *DurableTaskConfig) bool { return c.MaxConcurrentActivityFunctions == 3 }},
		{member: `"maxConcurrentOrchestratorFunctions":4`, effect: func(c *DurableTaskConfig) bool { return c.MaxConcurrentOrchestratorFunctions == 4 }},
		{member: `"maxConcurrentEntityFunctions":5`, effect: func(c *DurableTaskConfig) bool { return c.MaxConcurrentEntityFunctions == 5 }},
		{member: `"maxEntityOperationBatchSize":7`, effect: func(c *DurableTaskConfig) bool { return c.MaxEntityOperationBatchSize == 7 }},
		{member: `"maxOrchestrationActions":9`, effect: func(c *DurableTaskConfig) bool { return c.MaxOrchestrationActions == 9 }},
		{member: `"defaultVersion":"1.0"`, effect: func(c *DurableTaskConfig) bool {
			v := c.Versioning
			return v.Enabled && v.DefaultVersion == "1.0" && v.MatchStrategy == "CurrentOrOlder" && v.FailureStrategy == "Reject"
		}},
		{member: `"versionMatchStrategy":"strict"`, effect: func(c *DurableTaskConfig) bool {
			return c.Versioning.Enabled && c.Versioning.MatchStrategy == "Strict"
		}},
		{member: `"versionFailureStrategy":"Fail"`, effect: func(c *DurableTaskConfig) bool {
			return c.Versioning.Enabled && c.Versioning.FailureStrategy == "Fail"
		}},
		{member: `"useGracefulShutdown":true`, effect: func(*DurableTaskConfig) bool { return true }},
		{member: `"storageProvider":{"partitionCount":2,"controlQueueBatchSize":8,"controlQueueVisibilityTimeout":"00:02:00","workItemQueueVisibilityTimeout":"00:03:00","maxQueuePollingInterval":"00:00:05"}`,
			effect: func(c *DurableTaskConfig) bool {
				sp := c.StorageProvider
				return sp.PartitionCount == 2 && sp.ControlQueueBatchSize == 8 && sp.ControlQueueVisibilityTimeout.Minutes() == 2 &&
					sp.WorkItemQueueVisibilityTimeout.Minutes() == 3 && sp.MaxQueuePollingInterval.Seconds() == 5
			}},
		{member: `"storageProvider":{"azureStorage":{"connectionStringName":"Conn"}}`, effect: func(c *DurableTaskConfig) bool {
			return c.StorageProvider.Type == StorageAzureStorage && c.StorageProvider.ConnectionName == "Conn"
		}},
		{member: `"useGracefulShutdown":false`, warned: "useGracefulShutdown"},
		{member: `"extendedSessionsEnabled":true`, effect: func(c *DurableTaskConfig) bool { return c.ExtendedSessionsEnabled }},
		{member: `"extendedSessionIdleTimeoutInSeconds":60`, effect: func(c *DurableTaskConfig) bool { return c.ExtendedSessionIdleTimeout == time.Minute }},
		{member: `"overridableExistingInstanceStates":"AnyState"`, warned: "overridableExistingInstanceStates"},
		{member: `"httpSettings":{"defaultAsyncRequestSleepTimeMilliseconds":5000}`, warned: "httpSettings"},
		// tracing, tracking and notifications are typed here and acted on
		// by internal/telemetry/otelsetup, whose tests check the result.
		{member: `"tracing":{"traceInputsAndOutputs":true,"distributedTracingEnabled":"true"}`, effect: func(c *DurableTaskConfig) bool {
			return c.Tracing.Present && c.Tracing.TraceInputsAndOutputs && c.Tracing.DistributedTracingEnabled
		}},
		{member: `"tracking":{"traceInputsAndOutputs":true,"traceReplayEvents":false}`, effect: func(c *DurableTaskConfig) bool {
			return c.Tracing.Present && c.Tracing.TraceInputsAndOutputs && !c.Tracing.TraceReplayEvents
		}},
		{member: `"tracing":{"version":"V1"}`, warned: "tracing.version"},
		{member: `"tracking":{"distributedTracingEnabled":true}`, warned: "tracking.distributedTracingEnabled"},
		{member: `"notifications":{"eventGrid":{"topicEndpoint":"https://x","keySettingName":"K","publishRetryCount":3,"publishRetryInterval":"00:00:30","publishRetryHttpStatus":[400,"500"],"publishEventTypes":["Started"]}}`,
			effect: func(c *DurableTaskConfig) bool {
				eg := c.EventGrid
				return eg != nil && eg.TopicEndpoint == "https://x" && eg.KeySettingName == "K" && eg.PublishRetryCount == 3 &&
					eg.PublishRetryInterval == 30*time.Second && len(eg.PublishRetryHTTPStatus) == 2 && eg.PublishRetryHTTPStatus[1] == 500 &&
					len(eg.PublishEventTypes) == 1
			}},
		{member: `"notifications":{"eventGrid":{"topicEndpoint":"https://x","keySettingName":"K","retries":1}}`, warned: "notifications.eventGrid.retries"},
		{member: `"customLifeCycleNotificationHelperType":"X"`, warned: "customLifeCycleNotificationHelperType"},
		{member: `"storeInputsInOrchestrationHistory":true`, warned: "storeInputsInOrchestrationHistory"},
		{member: `"entityMessageReorderWindowInMinutes":5`, warned: "entityMessageReorderWindowInMinutes"},
		{member: `"useAppLease":true`, warned: "useAppLease"},
		{member: `"noSuchSetting":1`, warned: "noSuchSetting"},
		{member: `"storageProvider":{"azureStorage":{"trackingStoreConnectionStringName":"T","trackingStoreNamePrefix":"p"}}`, effect: func(c *DurableTaskConfig) bool {
			return c.StorageProvider.TrackingStoreConnectionName == "T" && c.StorageProvider.TrackingStoreNamePrefix == "p"
		}},
		{member: `"storageProvider":{"controlQueueBufferThreshold":64}`, warned: "storageProvider.controlQueueBufferThreshold"},
	}
	for _, tc := range tests {
		t.Run(tc.member, func(t *testing.T) {
			app, err := loadDurableTask(t, tc.member)
			if err != nil {
				t.Fatal(err)
			}
			dt := &app.Host.DurableTask
			if tc.effect != nil {
				if !tc.effect(dt) {
					t.Errorf("the setting had no effect: %+v", dt)
				}
				if len(dt.Warnings) != 0 {
					t.Errorf("an honoured setting was warned about: %q", dt.Warnings)
				}
				return
			}
			joined := strings.Join(dt.Warnings, "\n")
			if !strings.Contains(joined, "extensions.durableTask."+tc.warned+" is not supported") {
				t.Errorf("no warning names %s: %q", tc.warned, dt.Warnings)
			}
		})
	}
}

// The seed's host.json schema nests provider settings by name; the current
// schema uses a type. Both select the store; a conflicting pair fails.
func TestTheSeedsStorageFormsSelectTheStore(t *testing.T) {
	tests := []struct {
		provider string
		want     StorageType
		conn     string
		fails    string
	}{
		{provider: `{"azureStorage":{"connectionStringName":"MyStorage","partitionCount":3}}`, want: StorageAzureStorage, conn: "MyStorage"},
		{provider: `{"emulator":{}}`, want: StorageMemory},
		{provider: `{"redis":{"connectionStringName":"RedisConnection"}}`, want: StorageRedis, conn: "RedisConnection"},
		{provider: `{"redis":{}}`, want: StorageRedis, conn: DefaultRedisConnectionName},
		{provider: `{"type":"Redis","connectionName":"Cache"}`, want: StorageRedis, conn: "Cache"},
		{provider: `{"type":"sqlite","azureStorage":{}}`, fails: "conflicts with storageProvider.type"},
		{provider: `{"azureStorage":{},"emulator":{}}`, fails: "give one provider"},
	}
	for _, tc := range tests {
		t.Run(tc.provider, func(t *testing.T) {
			app, err := loadDurableTask(t, `"hubName":"SeedHub","storageProvider":`+tc.provider)
			if tc.fails != "" {
				if err == nil || !strings.Contains(err.Error(), tc.fails) {
					t.Fatalf("loading %s: %v, want an error saying %q", tc.provider, err, tc.fails)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			choice := app.Host.DurableTask.ResolveStorage(app.Dir, app.Settings)
			if choice.Type != tc.want || (tc.conn != "" && choice.ConnectionName != tc.conn) {
				t.Fatalf("chose %+v, want %s with connection %q", choice, tc.want, tc.conn)
			}
			if tc.want == StorageAzureStorage && app.Host.DurableTask.StorageProvider.PartitionCount != 3 {
				t.Errorf("the nested azureStorage settings were not read: %+v", app.Host.DurableTask.StorageProvider)
			}
			if len(app.Host.DurableTask.Warnings) != 0 {
				t.Errorf("warnings for a supported form: %q", app.Host.DurableTask.Warnings)
			}
		})
	}
}
