package funcapp

import (
	"encoding/json"
	"testing"
	"time"
)

func TestExtensionsQueuesTakesTheHostsDefaultsAndLimits(t *testing.T) {
	tests := []struct {
		name    string
		host    string
		environ []string
		want    QueuesConfig
		wantErr []string
	}{
		{"no section: the host's defaults", minimalHost, nil,
			QueuesConfig{BatchSize: 16, NewBatchThreshold: -1, MaxPollingInterval: time.Minute, MaxDequeueCount: 5, MessageEncoding: "base64"}, nil},
		{"every key set", `{"version":"2.0","extensions":{"queues":{"batchSize":8,"newBatchThreshold":4,"maxPollingInterval":"00:00:02",
			"visibilityTimeout":"00:00:30","maxDequeueCount":3,"messageEncoding":"None"}}}`, nil,
			QueuesConfig{BatchSize: 8, NewBatchThreshold: 4, MaxPollingInterval: 2 * time.Second, VisibilityTimeout: 30 * time.Second,
				MaxDequeueCount: 3, MessageEncoding: "none"}, nil},
		{"an environment override", minimalHost, []string{"AzureFunctionsJobHost__extensions__queues__messageEncoding=none"},
			QueuesConfig{BatchSize: 16, NewBatchThreshold: -1, MaxPollingInterval: time.Minute, MaxDequeueCount: 5, MessageEncoding: "none"}, nil},
		{"values out of range name their keys", `{"version":"2.0","extensions":{"queues":{"batchSize":33,"maxPollingInterval":"00:00:00.05",
			"maxDequeueCount":0,"messageEncoding":"utf8","visibilityTimeout":"soon"}}}`, nil, QueuesConfig{},
			[]string{"extensions.queues.batchSize", "extensions.queues.maxPollingInterval", "extensions.queues.maxDequeueCount",
				"extensions.queues.messageEncoding", "extensions.queues.visibilityTimeout"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, err := loadTestApp(t, writeApp(t, map[string]string{"host.json": tt.host}), tt.environ...)
			if tt.wantErr != nil {
				mustContainAll(t, err, tt.wantErr...)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if app.Host.Queues != tt.want {
				t.Errorf("extensions.queues = %+v, want %+v", app.Host.Queues, tt.want)
			}
		})
	}
}

func TestTimerBindingFlags(t *testing.T) {
	tests := []struct {
		name                  string
		binding               string
		runOnStartup, monitor bool
		wantErr               bool
	}{
		{"absent: no runOnStartup, monitored", `{}`, false, true, false},
		{"booleans", `{"runOnStartup":true,"useMonitor":false}`, true, false, false},
		{"strings, as tooling writes them", `{"runOnStartup":"True","useMonitor":"false"}`, true, false, false},
		{"anything else is an error", `{"runOnStartup":"yes"}`, false, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &Binding{Type: TypeTimerTrigger}
			if err := json.Unmarshal([]byte(tt.binding), &b.props); err != nil {
				t.Fatal(err)
			}
			run, err := b.RunOnStartup()
			if (err != nil) != tt.wantErr || run != tt.runOnStartup {
				t.Errorf("RunOnStartup() = %v, %v; want %v (error %v)", run, err, tt.runOnStartup, tt.wantErr)
			}
			if mon, _ := b.UseMonitor(); mon != tt.monitor {
				t.Errorf("UseMonitor() = %v, want %v", mon, tt.monitor)
			}
		})
	}
}
