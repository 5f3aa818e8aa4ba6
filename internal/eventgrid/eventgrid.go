// Package eventgrid publishes orchestration lifecycle notifications to an
// Azure Event Grid custom topic, as Durable Functions does when host.json
// sets notifications.eventGrid.
//
// The Azure SDK for Go's Event Grid publisher is not available to this
// module, and the protocol is one request, so this is a small client of its
// own: each event is POSTed to the topic endpoint as a one-element JSON
// array in the Event Grid schema, with the topic key in the aeg-sas-key
// header (https://learn.microsoft.com/azure/event-grid/post-to-custom-topic).
//
//	p, err := eventgrid.New(eventgrid.Config{TopicEndpoint: url, Key: key, HubName: "MyHub"})
//	...
//	p.Publish(eventgrid.Notification{InstanceID: id, Name: "Hello", Status: history.StatusCompleted})
//	...
//	p.Close(ctx) // sends what is queued, until ctx ends
//
// Publishing never blocks the caller and never fails an orchestration:
// events go to a bounded queue that one goroutine drains; when the queue is
// full, or the topic keeps failing past the retries configured, the event
// is dropped and logged.
//
// The events are the ones Durable Functions sends: eventType
// "orchestratorEvent", subject "durable/orchestrator/{status}", dataVersion
// "1.0", and data {hubName, functionName, instanceId, reason,
// runtimeStatus} for the statuses Running (an orchestration started),
// Completed, Failed and Terminated. Retries follow the extension too: a
// request that fails to connect, answers 503, or answers a status listed in
// publishRetryHttpStatus is sent again after publishRetryInterval, up to
// publishRetryCount more times.
package eventgrid

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/telemetry"
)

// Config is notifications.eventGrid, resolved.
type Config struct {
	// TopicEndpoint is the custom topic's URL.
	TopicEndpoint string
	// Key is the topic key (the value of the app setting keySettingName
	// names).
	Key string
	// HubName goes in every event's data.
	HubName string
	// RetryCount is publishRetryCount: how many times a failed publish is
	// sent again (default 0).
	RetryCount int
	// RetryInterval is publishRetryInterval (default 5 minutes).
	RetryInterval time.Duration
	// RetryStatuses is publishRetryHttpStatus: the HTTP statuses, besides
	// 503, that are retried.
	RetryStatuses []int
	// EventTypes is publishEventTypes: some of Started, Completed, Failed,
	// Terminated (all when empty).
	EventTypes []string
	// QueueSize bounds the events waiting to be sent (default 10,000).
	QueueSize int
	// Client sends the requests (default: a client with a 30 s timeout).
	Client *http.Client
	// Logger receives failures (default: discarded).
	Logger *slog.Logger
}

// Notification is one lifecycle change to publish: the runtime's
// lifecycle change as package telemetry reports it (Name is the
// orchestration's, the event's functionName).
type Notification = telemetry.Lifecycle

// Event is an event in the Event Grid schema, as Durable Functions fills it.
type Event struct {
	ID              string    `json:"id"`
	Subject         string    `json:"subject"`
	Data            Data      `json:"data"`
	EventType       string    `json:"eventType"`
	EventTime       time.Time `json:"eventTime"`
	DataVersion     string    `json:"dataVersion"`
	MetadataVersion string    `json:"metadataVersion,omitempty"`
	Topic           string    `json:"topic,omitempty"`
}

// Data is an event's payload.
type Data struct {
	HubName       string `json:"hubName"`
	FunctionName  string `json:"functionName"`
	InstanceID    string `json:"instanceId"`
	Reason        string `json:"reason"`
	RuntimeStatus string `json:"runtimeStatus"`
}

// Publisher sends notifications in the background.
type Publisher struct {
	cfg      Config
	statuses map[history.RuntimeStatus]bool
	queue    chan Notification
	done     chan struct{}
	stop     context.CancelFunc
	ctx      context.Context
	once     sync.Once

	mu      sync.Mutex
	dropped int
}

// eventTypes maps publishEventTypes names to statuses.
var eventTypes = map[string]history.RuntimeStatus{
	"started": history.StatusRunning, "running": history.StatusRunning, "completed": history.StatusCompleted,
	"failed": history.StatusFailed, "terminated": history.StatusTerminated,
}

// New validates cfg and starts the publisher's goroutine.
func New(cfg Config) (*Publisher, error) {
	if cfg.TopicEndpoint == "" {
		return nil, errors.New("eventgrid: topicEndpoint is empty")
	}
	if !strings.HasPrefix(cfg.TopicEndpoint, "http://") && !strings.HasPrefix(cfg.TopicEndpoint, "https://") {
		return nil, fmt.Errorf("eventgrid: topicEndpoint %q is not an http(s) URL", cfg.TopicEndpoint)
	}
	if cfg.Key == "" {
		return nil, errors.New("eventgrid: the topic key is empty (set the app setting keySettingName names)")
	}
	if cfg.RetryCount < 0 {
		return nil, fmt.Errorf("eventgrid: publishRetryCount %d is negative", cfg.RetryCount)
	}
	if cfg.RetryInterval <= 0 {
		cfg.RetryInterval = 5 * time.Minute
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = 10000
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	p := &Publisher{cfg: cfg, statuses: map[history.RuntimeStatus]bool{}, queue: make(chan Notification, cfg.QueueSize), done: make(chan struct{})}
	for _, t := range cfg.EventTypes {
		s, ok := eventTypes[strings.ToLower(t)]
		if !ok {
			return nil, fmt.Errorf("eventgrid: publishEventTypes has %q; use Started, Completed, Failed or Terminated", t)
		}
		p.statuses[s] = true
	}
	if len(p.statuses) == 0 {
		for _, s := range eventTypes {
			p.statuses[s] = true
		}
	}
	p.ctx, p.stop = context.WithCancel(context.Background())
	go p.run()
	return p, nil
}

// Publish queues n if its type is published. It never blocks: with the
// queue full, n is dropped and logged.
func (p *Publisher) Publish(n Notification) {
	if !p.statuses[n.Status] {
		return
	}
	select {
	case p.queue <- n:
	default:
		p.mu.Lock()
		p.dropped++
		p.mu.Unlock()
		p.cfg.Logger.Warn("durable: Event Grid queue is full; dropping a notification", "instanceId", n.InstanceID, "status", n.Status.String())
	}
}

// Dropped returns how many notifications were dropped (queue full or
// retries exhausted).
func (p *Publisher) Dropped() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dropped
}

// Close sends what is queued until ctx ends, then stops (pending retries
// are abandoned).
func (p *Publisher) Close(ctx context.Context) error {
	p.once.Do(func() { close(p.queue) })
	select {
	case <-p.done:
		return nil
	case <-ctx.Done():
		p.stop()
		<-p.done
		return ctx.Err()
	}
}

func (p *Publisher) run() {
	defer close(p.done)
	for n := range p.queue {
		if p.ctx.Err() != nil {
			continue // closing past the deadline: drain without sending
		}
		if err := p.send(p.ctx, n); err != nil {
			p.mu.Lock()
			p.dropped++
			p.mu.Unlock()
			p.cfg.Logger.Warn("durable: publishing to Event Grid failed", "instanceId", n.InstanceID, "status", n.Status.String(), "error", err)
		}
	}
}

// NewEvent returns the Event Grid event for n.
func (p *Publisher) NewEvent(n Notification) Event {
	var id [16]byte
	_, _ = rand.Read(id[:])
	at := n.Time
	if at.IsZero() {
		at = time.Now()
	}
	h := hex.EncodeToString(id[:])
	return Event{
		ID:        h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:],
		EventType: "orchestratorEvent", Subject: "durable/orchestrator/" + n.Status.String(),
		EventTime: at.UTC(), DataVersion: "1.0", MetadataVersion: "1",
		Data: Data{HubName: p.cfg.HubName, FunctionName: n.Name, InstanceID: n.InstanceID, Reason: n.Reason, RuntimeStatus: n.Status.String()},
	}
}

// send posts n, retrying as configured.
func (p *Publisher) send(ctx context.Context, n Notification) error {
	body, err := json.Marshal([]Event{p.NewEvent(n)})
	if err != nil {
		return fmt.Errorf("instance %s: %w", n.InstanceID, err)
	}
	var last error
	for attempt := 0; attempt <= p.cfg.RetryCount; attempt++ {
		if attempt > 0 {
			select {
			case <-time.After(p.cfg.RetryInterval):
			case <-ctx.Done():
				return fmt.Errorf("instance %s: %w (after %v)", n.InstanceID, ctx.Err(), last)
			}
		}
		status, err := p.post(ctx, body)
		switch {
		case err == nil && status/100 == 2:
			return nil
		case err != nil:
			last = err
		default:
			last = fmt.Errorf("topic answered %d", status)
			if status != http.StatusServiceUnavailable && !slices.Contains(p.cfg.RetryStatuses, status) {
				return fmt.Errorf("instance %s: %w (not retried)", n.InstanceID, last)
			}
		}
	}
	return fmt.Errorf("instance %s: %w (after %d attempts)", n.InstanceID, last, p.cfg.RetryCount+1)
}

func (p *Publisher) post(ctx context.Context, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.cfg.TopicEndpoint, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("aeg-sas-key", p.cfg.Key)
	resp, err := p.cfg.Client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}
