package azurestorage

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/lease"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"
)

// Partition ownership: one blob per control queue in {hub}-leases at
// "default/{hub}-control-NN". A worker reads a control queue only while it
// holds that blob's lease. Each balancing pass lists the lease blobs (one
// request, with metadata naming each holder), takes free or expired
// leases up to its fair share ceil(partitions/workers), and otherwise
// steals one lease from the most loaded worker above that share (break +
// acquire). Leases are renewed every LeaseRenewInterval; a failed renewal
// drops the partition (its buffered messages are made visible again).

// leaseInfo is the content of a lease blob.
type leaseInfo struct {
	PartitionID string `json:"PartitionId"`
	Owner       string `json:"Owner,omitempty"`
	Token       string `json:"Token,omitempty"`
	Epoch       int    `json:"Epoch"`
}

func leaseBlobName(hub string, i int) string { return "default/" + ControlQueueName(hub, i) }

// partition is one control queue.
type partition struct {
	index int
	queue *azqueue.QueueClient
	wake  chan struct{}

	// guarded by Store.mu
	enqSeq    uint64 // local immediate enqueues to this queue
	polledSeq uint64 // enqSeq as of the start of the last finished poll
	owned     bool
	leaseID   string
	epoch     int
	stop      context.CancelFunc
}

func newLeaseID() string {
	h := newID()
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func (s *Store) leaseLoop() {
	defer s.wg.Done()
	renew := time.NewTicker(s.cfg.LeaseRenewInterval)
	acquire := time.NewTicker(s.cfg.LeaseAcquireInterval)
	defer renew.Stop()
	defer acquire.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-renew.C:
			s.renewAll(s.ctx)
		case <-acquire.C:
			s.balance(s.ctx)
		}
	}
}

type leaseView struct {
	index  int
	leased bool
	owner  string
}

// balance runs one balancing pass.
func (s *Store) balance(ctx context.Context) {
	prefix := "default/" + strings.ToLower(s.cfg.HubName) + "-control-"
	pager := s.leases.NewListBlobsFlatPager(&container.ListBlobsFlatOptions{Prefix: &prefix, Include: container.ListBlobsInclude{Metadata: true}})
	var views []leaseView
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("azurestorage: listing partition leases failed", "err", err)
			}
			return
		}
		for _, b := range page.Segment.BlobItems {
			var idx int
			if _, err := fmt.Sscanf(strings.TrimPrefix(*b.Name, prefix), "%d", &idx); err != nil || idx < 0 || idx >= len(s.parts) {
				continue
			}
			v := leaseView{index: idx}
			if p := b.Properties; p != nil && p.LeaseState != nil && *p.LeaseState == lease.StateTypeLeased {
				v.leased = true
				for k, val := range b.Metadata {
					if strings.EqualFold(k, "owner") && val != nil {
						v.owner = *val
					}
				}
			}
			views = append(views, v)
		}
	}
	me := s.cfg.WorkerID
	counts := map[string]int{me: 0}
	s.mu.Lock()
	for _, v := range views {
		if v.leased {
			owner := v.owner
			if s.parts[v.index].owned {
				owner = me
			}
			counts[owner]++
		}
	}
	mine := 0
	for _, p := range s.parts {
		if p.owned {
			mine++
		}
	}
	s.mu.Unlock()
	workers := len(counts)
	target := (len(s.parts) + workers - 1) / workers
	if mine >= target {
		return
	}
	// Free (never leased, released, expired or broken) leases first.
	for _, v := range views {
		if mine >= target {
			return
		}
		if !v.leased && !s.owns(v.index) {
			if s.acquire(ctx, v.index, false) {
				mine++
			}
		}
	}
	if mine >= target {
		return
	}
	// Steal one from the most loaded worker above the target.
	type load struct {
		owner string
		n     int
	}
	var loads []load
	for o, n := range counts {
		if o != me {
			loads = append(loads, load{o, n})
		}
	}
	sort.Slice(loads, func(i, j int) bool { return loads[i].n > loads[j].n })
	if len(loads) == 0 || loads[0].n <= target {
		return
	}
	for _, v := range views {
		if v.leased && v.owner == loads[0].owner {
			s.acquire(ctx, v.index, true)
			return
		}
	}
}

func (s *Store) owns(i int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.parts[i].owned
}

// acquire takes partition i's lease (breaking another holder's when
// steal) and starts polling its control queue.
func (s *Store) acquire(ctx context.Context, i int, steal bool) bool {
	bc := s.leases.NewBlockBlobClient(leaseBlobName(s.cfg.HubName, i))
	id := newLeaseID()
	lc, err := lease.NewBlobClient(bc, &lease.BlobClientOptions{LeaseID: &id})
	if err != nil {
		return false
	}
	if steal {
		if _, err := lc.BreakLease(ctx, &lease.BlobBreakOptions{BreakPeriod: to.Ptr(int32(0))}); err != nil {
			return false
		}
	}
	if _, err := lc.AcquireLease(ctx, int32(s.cfg.LeaseDuration/time.Second), nil); err != nil {
		return false // someone else was faster
	}
	s.mu.Lock()
	p := s.parts[i]
	p.epoch++
	epoch := p.epoch
	s.mu.Unlock()
	content, _ := json.Marshal(leaseInfo{PartitionID: ControlQueueName(s.cfg.HubName, i), Owner: s.cfg.WorkerID, Token: id, Epoch: epoch})
	_, err = bc.UploadBuffer(ctx, content, &blockblob.UploadBufferOptions{
		Metadata:         map[string]*string{"owner": to.Ptr(sanitizeMeta(s.cfg.WorkerID))},
		AccessConditions: &blob.AccessConditions{LeaseAccessConditions: &blob.LeaseAccessConditions{LeaseID: &id}},
	})
	if err != nil {
		s.log.Warn("azurestorage: writing lease owner failed", "partition", i, "err", err)
	}
	s.mu.Lock()
	if s.closed.Load() {
		s.mu.Unlock()
		_, _ = lc.ReleaseLease(context.Background(), nil)
		return false
	}
	p.owned, p.leaseID = true, id
	pctx, cancel := context.WithCancel(s.ctx)
	p.stop = cancel
	s.mu.Unlock()
	if steal {
		s.log.Info("azurestorage: stole partition", "partition", i, "worker", s.cfg.WorkerID)
	}
	s.wg.Add(1)
	go s.pollControl(pctx, p)
	return true
}

// sanitizeMeta keeps a metadata value ASCII-printable.
func sanitizeMeta(v string) string {
	b := []byte(v)
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			b[i] = '_'
		}
	}
	return string(b)
}

func (s *Store) renewAll(ctx context.Context) {
	s.mu.Lock()
	var owned []*partition
	var ids []string
	for _, p := range s.parts {
		if p.owned {
			owned = append(owned, p)
			ids = append(ids, p.leaseID)
		}
	}
	s.mu.Unlock()
	for k, p := range owned {
		bc := s.leases.NewBlockBlobClient(leaseBlobName(s.cfg.HubName, p.index))
		lc, err := lease.NewBlobClient(bc, &lease.BlobClientOptions{LeaseID: &ids[k]})
		if err != nil {
			continue
		}
		_, err = lc.RenewLease(ctx, nil)
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			return
		}
		st := statusOf(err)
		if st == 409 || st == 412 || st == 404 {
			s.log.Info("azurestorage: lost partition lease", "partition", p.index, "worker", s.cfg.WorkerID)
			s.dropPartition(p, ids[k])
		} else {
			s.log.Warn("azurestorage: renewing partition lease failed", "partition", p.index, "err", err)
		}
	}
}

// dropPartition stops polling p and makes its buffered messages visible
// again.
func (s *Store) dropPartition(p *partition, leaseID string) {
	s.mu.Lock()
	if !p.owned || p.leaseID != leaseID {
		s.mu.Unlock()
		return
	}
	p.owned, p.leaseID = false, ""
	if p.stop != nil {
		p.stop()
	}
	rel := s.takeBufferedLocked(p.index)
	s.forgetPartitionLocked(p.index)
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s.makeVisible(ctx, rel)
}

// releaseAll (Close) releases every lease and makes every buffered or
// locked message visible at once.
func (s *Store) releaseAll(ctx context.Context) {
	s.mu.Lock()
	type held struct {
		i  int
		id string
	}
	var leases []held
	for _, p := range s.parts {
		if p.owned {
			leases = append(leases, held{p.index, p.leaseID})
			p.owned, p.leaseID = false, ""
		}
	}
	var rel []*qmsg
	for _, m := range s.byMsgID {
		rel = append(rel, m)
	}
	s.byMsgID = map[string]*qmsg{}
	s.insts = map[string]*instState{}
	s.cache = map[string]*cachedInst{}
	acts := s.acts
	s.acts = nil
	for a := range s.actFlight {
		acts = append(acts, a)
	}
	s.actFlight = map[*actMsg]struct{}{}
	s.mu.Unlock()
	s.makeVisible(ctx, rel)
	for _, a := range acts {
		_, _ = s.workItems.UpdateMessage(ctx, a.msgID, a.popReceipt, a.raw, &azqueue.UpdateMessageOptions{VisibilityTimeout: to.Ptr(int32(0))})
	}
	for _, l := range leases {
		bc := s.leases.NewBlockBlobClient(leaseBlobName(s.cfg.HubName, l.i))
		if lc, err := lease.NewBlobClient(bc, &lease.BlobClientOptions{LeaseID: &l.id}); err == nil {
			_, _ = lc.ReleaseLease(ctx, nil)
		}
	}
}
