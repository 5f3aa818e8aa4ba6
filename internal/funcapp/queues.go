package funcapp

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// QueuesConfig is host.json's extensions.queues: how the host polls the
// queues of queue-triggered functions.
type QueuesConfig struct {
	// BatchSize is how many messages one poll takes, 1-32 (default 16).
	BatchSize int
	// NewBatchThreshold: a new batch is fetched once no more than this many
	// messages are in flight; -1 when unset (the host then uses
	// BatchSize/2 × the processor count).
	NewBatchThreshold int
	// MaxPollingInterval caps the back-off of an idle queue (default 1
	// minute, at least 100 ms).
	MaxPollingInterval time.Duration
	// VisibilityTimeout is the delay before a failed message is retried
	// (default 0).
	VisibilityTimeout time.Duration
	// MaxDequeueCount is how many times a message is tried before it moves
	// to the poison queue (default 5).
	MaxDequeueCount int
	// MessageEncoding is "base64" (the default) or "none".
	MessageEncoding string
}

// parseQueues reads extensions.queues with the host's defaults and limits.
func parseQueues(s section) QueuesConfig {
	cfg := QueuesConfig{
		BatchSize:          s.integer("batchSize", 16, 1, 32),
		NewBatchThreshold:  s.integer("newBatchThreshold", -1, 0, maxInt),
		MaxPollingInterval: s.timeSpan("maxPollingInterval", time.Minute, 100*time.Millisecond, 0),
		MaxDequeueCount:    s.integer("maxDequeueCount", 5, 1, maxInt),
	}
	if v, ok := s.get("visibilityTimeout"); ok {
		// Zero is valid here (retry at once), which timeSpan refuses.
		text, isString := v.(string)
		d, err := ParseTimeSpan(text)
		if !isString || err != nil || d < 0 {
			s.fail("visibilityTimeout", v, `must be a TimeSpan such as "00:00:30"`)
		} else {
			cfg.VisibilityTimeout = d
		}
	}
	switch enc := strings.ToLower(strings.TrimSpace(s.str("messageEncoding", "base64"))); enc {
	case "base64", "none":
		cfg.MessageEncoding = enc
	default:
		s.fail("messageEncoding", enc, `must be "base64" or "none"`)
		cfg.MessageEncoding = "base64"
	}
	return cfg
}

// RunOnStartup is a timer trigger's runOnStartup (false when absent).
func (b *Binding) RunOnStartup() (bool, error) { return b.flag("runOnStartup", false) }

// UseMonitor is a timer trigger's useMonitor (true when absent).
func (b *Binding) UseMonitor() (bool, error) { return b.flag("useMonitor", true) }

// flag reads a boolean property, written as true/false or as a string.
func (b *Binding) flag(key string, def bool) (bool, error) {
	raw, ok := b.Property(key)
	if !ok || string(raw) == "null" {
		return def, nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err == nil {
		switch t := v.(type) {
		case bool:
			return t, nil
		case string:
			switch strings.ToLower(strings.TrimSpace(t)) {
			case "true":
				return true, nil
			case "false":
				return false, nil
			}
		}
	}
	return def, fmt.Errorf("%s must be true or false, got %s", key, raw)
}
