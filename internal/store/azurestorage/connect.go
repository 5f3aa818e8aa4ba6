// Package azurestorage is a store.Store over Azure Storage queues,
// tables and blobs, laid out like the Durable Task Framework's Azure
// Storage provider (control queues, a work-item queue, History and
// Instances tables, lease and large-message containers) so that its tools
// can read a task hub. docs/azure-storage.md describes the layout, the
// queue message format and the crash-safety argument.
package azurestorage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"
)

func (s *Store) clientOptions(service string) azcore.ClientOptions {
	o := azcore.ClientOptions{
		PerRetryPolicies: []policy.Policy{countPolicy{c: s.stats, service: service}},
		Retry:            policy.RetryOptions{MaxRetries: 3, TryTimeout: 30 * time.Second, RetryDelay: 200 * time.Millisecond, MaxRetryDelay: 2 * time.Second},
	}
	if service == "table" {
		o.PerRetryPolicies = append(o.PerRetryPolicies, capturePolicy{})
	}
	if s.cfg.HTTPClient != nil {
		o.Transport = s.cfg.HTTPClient
	}
	return o
}

// services are the clients of one storage account.
type services struct {
	queues *azqueue.ServiceClient
	tables *aztables.ServiceClient
	blobs  *azblob.Client
}

// services builds the clients of the account c reaches (no request is
// made).
func (s *Store) services(c Connection) (*services, error) {
	ep, err := c.endpoints()
	if err != nil {
		return nil, fmt.Errorf("azurestorage: %w", err)
	}
	qo := &azqueue.ClientOptions{ClientOptions: s.clientOptions("queue")}
	to_ := &aztables.ClientOptions{ClientOptions: s.clientOptions("table")}
	bo := &azblob.ClientOptions{ClientOptions: s.clientOptions("blob")}
	withSAS := func(u string) string {
		if ep.sas == "" {
			return u
		}
		return u + "?" + ep.sas
	}
	var out services
	switch {
	case ep.key != "":
		qk, err := azqueue.NewSharedKeyCredential(ep.account, ep.key)
		if err != nil {
			return nil, fmt.Errorf("azurestorage: account key: %w", err)
		}
		tk, err := aztables.NewSharedKeyCredential(ep.account, ep.key)
		if err != nil {
			return nil, fmt.Errorf("azurestorage: account key: %w", err)
		}
		bk, err := azblob.NewSharedKeyCredential(ep.account, ep.key)
		if err != nil {
			return nil, fmt.Errorf("azurestorage: account key: %w", err)
		}
		if out.queues, err = azqueue.NewServiceClientWithSharedKeyCredential(ep.queue, qk, qo); err != nil {
			return nil, err
		}
		if out.tables, err = aztables.NewServiceClientWithSharedKey(ep.table, tk, to_); err != nil {
			return nil, err
		}
		if out.blobs, err = azblob.NewClientWithSharedKeyCredential(ep.blob, bk, bo); err != nil {
			return nil, err
		}
	case ep.sas != "":
		if out.queues, err = azqueue.NewServiceClientWithNoCredential(withSAS(ep.queue), qo); err != nil {
			return nil, err
		}
		if out.tables, err = aztables.NewServiceClientWithNoCredential(withSAS(ep.table), to_); err != nil {
			return nil, err
		}
		if out.blobs, err = azblob.NewClientWithNoCredential(withSAS(ep.blob), bo); err != nil {
			return nil, err
		}
	default:
		cred, err := ep.credential(c)
		if err != nil {
			return nil, fmt.Errorf("azurestorage: credential: %w", err)
		}
		if out.queues, err = azqueue.NewServiceClient(ep.queue, cred, qo); err != nil {
			return nil, err
		}
		if out.tables, err = aztables.NewServiceClient(ep.table, cred, to_); err != nil {
			return nil, err
		}
		if out.blobs, err = azblob.NewClient(ep.blob, cred, bo); err != nil {
			return nil, err
		}
	}
	return &out, nil
}

func (s *Store) connect() error {
	hub := s.cfg.HubName
	main, err := s.services(s.cfg.Connection)
	if err != nil {
		return err
	}
	s.queueSvc = main.queues
	s.control = make([]*azqueue.QueueClient, s.cfg.PartitionCount)
	for i := range s.control {
		s.control[i] = s.queueSvc.NewQueueClient(ControlQueueName(hub, i))
	}
	s.workItems = s.queueSvc.NewQueueClient(WorkItemQueueName(hub))
	s.poison = s.queueSvc.NewQueueClient(PoisonQueueName(hub))
	s.leases = main.blobs.ServiceClient().NewContainerClient(LeasesContainerName(hub))
	s.large = main.blobs.ServiceClient().NewContainerClient(LargeMessagesContainerName(hub))
	// The tracking store (History and Instances tables) is in the
	// task hub's account, or in the tracking account when one is set,
	// named after the tracking prefix there (see TrackingTableNames).
	tracking := main
	if s.cfg.TrackingConnection != nil {
		if tracking, err = s.services(*s.cfg.TrackingConnection); err != nil {
			return fmt.Errorf("tracking store: %w", err)
		}
	}
	history, instances := TrackingTableNames(hub, s.cfg.TrackingConnection != nil, s.cfg.TrackingNamePrefix)
	s.historyT = tracking.tables.NewClient(history)
	s.instancesT = tracking.tables.NewClient(instances)
	return nil
}

// taskHubInfo is {hub}-leases/taskhub.json.
type taskHubInfo struct {
	TaskHubName    string    `json:"TaskHubName"`
	CreatedAt      time.Time `json:"CreatedAt"`
	PartitionCount int       `json:"PartitionCount"`
}

// ensureHub creates what is missing: containers, taskhub.json (which
// fixes the partition count), tables, queues and lease blobs.
func (s *Store) ensureHub(ctx context.Context) error {
	for _, c := range []*container.Client{s.leases, s.large} {
		if _, err := c.Create(ctx, nil); err != nil && !isCode(err, 409) {
			return fmt.Errorf("azurestorage: create container: %w", err)
		}
	}
	info := taskHubInfo{TaskHubName: s.cfg.HubName, CreatedAt: time.Now().UTC(), PartitionCount: s.cfg.PartitionCount}
	b, _ := json.Marshal(info)
	_, err := s.leases.NewBlockBlobClient("taskhub.json").UploadBuffer(ctx, b, &blockblob.UploadBufferOptions{
		AccessConditions: &blob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfNoneMatch: to.Ptr(azcore.ETagAny)}},
	})
	if err != nil {
		if !isCode(err, 409) && !isCode(err, 412) {
			return fmt.Errorf("azurestorage: write taskhub.json: %w", err)
		}
		raw, err := s.readBlob(ctx, s.leases, "taskhub.json")
		if err != nil {
			return fmt.Errorf("azurestorage: read taskhub.json: %w", err)
		}
		var got taskHubInfo
		if err := json.Unmarshal(raw, &got); err != nil || got.PartitionCount < 1 || got.PartitionCount > 16 {
			return fmt.Errorf("azurestorage: %s/taskhub.json is invalid: %s", LeasesContainerName(s.cfg.HubName), raw)
		}
		if got.PartitionCount != s.cfg.PartitionCount {
			s.log.Warn("azurestorage: task hub already exists with another partition count; using the existing one",
				"hub", s.cfg.HubName, "configured", s.cfg.PartitionCount, "existing", got.PartitionCount)
			s.cfg.PartitionCount = got.PartitionCount
			s.control = make([]*azqueue.QueueClient, got.PartitionCount)
			for i := range s.control {
				s.control[i] = s.queueSvc.NewQueueClient(ControlQueueName(s.cfg.HubName, i))
			}
		}
	}
	for _, t := range []*aztables.Client{s.historyT, s.instancesT} {
		if _, err := t.CreateTable(ctx, nil); err != nil && !isCode(err, 409) {
			return fmt.Errorf("azurestorage: create table: %w", err)
		}
	}
	queues := append([]*azqueue.QueueClient{s.workItems, s.poison}, s.control...)
	for _, q := range queues {
		if _, err := q.Create(ctx, nil); err != nil && !isCode(err, 409) {
			return fmt.Errorf("azurestorage: create queue: %w", err)
		}
	}
	for i := range s.control {
		lb := leaseBlobName(s.cfg.HubName, i)
		content, _ := json.Marshal(leaseInfo{PartitionID: ControlQueueName(s.cfg.HubName, i)})
		_, err := s.leases.NewBlockBlobClient(lb).UploadBuffer(ctx, content, &blockblob.UploadBufferOptions{
			AccessConditions: &blob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfNoneMatch: to.Ptr(azcore.ETagAny)}},
		})
		if err != nil && !isCode(err, 409) && !isCode(err, 412) {
			return fmt.Errorf("azurestorage: create lease blob: %w", err)
		}
	}
	return nil
}
