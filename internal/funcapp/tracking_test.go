package funcapp

import (
	"strings"
	"testing"
)

func TestTheTrackingStoreSettingsReachTheStorageConfig(t *testing.T) {
	tests := []struct {
		name, member   string
		conn, prefix   string
		warns, failure string
	}{
		{name: "the seed's nested form", member: `"storageProvider":{"azureStorage":{"trackingStoreConnectionStringName":"Tracking","trackingStoreNamePrefix":"Audit"}}`,
			conn: "Tracking", prefix: "Audit"},
		{name: "the current name of the connection setting", member: `"storageProvider":{"type":"AzureStorage","trackingStoreConnectionName":"Tracking"}`,
			conn: "Tracking"},
		{name: "a prefix without a tracking connection is warned about", member: `"storageProvider":{"type":"AzureStorage","trackingStoreNamePrefix":"Audit"}`,
			prefix: "Audit", warns: "trackingStoreNamePrefix has no effect without trackingStoreConnectionStringName"},
		{name: "a prefix that cannot start a table name fails", member: `"storageProvider":{"type":"AzureStorage","trackingStoreConnectionStringName":"T","trackingStoreNamePrefix":"audit-log"}`,
			failure: "trackingStoreNamePrefix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, err := loadDurableTask(t, tt.member)
			if tt.failure != "" {
				if err == nil || !strings.Contains(err.Error(), tt.failure) {
					t.Fatalf("load = %v; want an error naming %s", err, tt.failure)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			dt := app.Host.DurableTask
			sp := dt.StorageProvider
			if sp.TrackingStoreConnectionName != tt.conn || sp.TrackingStoreNamePrefix != tt.prefix {
				t.Fatalf("tracking connection %q, prefix %q; want %q, %q", sp.TrackingStoreConnectionName, sp.TrackingStoreNamePrefix, tt.conn, tt.prefix)
			}
			joined := strings.Join(dt.Warnings, "\n")
			if tt.warns == "" && joined != "" || !strings.Contains(joined, tt.warns) {
				t.Fatalf("warnings %q; want %q", dt.Warnings, tt.warns)
			}
		})
	}
}
