package redis

import (
	"strconv"
	"strings"
	"sync"

	goredis "github.com/redis/go-redis/v9"
)

// Notifications. Scripts PUBLISH when work appears that another process
// should take: a message for an instance of a partition the sender does
// not own (on that partition's wake channel, which only its owner
// listens to), or activity requests more than this process has idle
// slots for (on the hub's activity channel). Pub/sub may drop messages
// while a connection is re-made; the safety poll covers that.

type subscriber struct {
	s  *Store
	mu sync.Mutex
	ps *goredis.PubSub
}

func newSubscriber(s *Store) *subscriber {
	return &subscriber{s: s, ps: s.rdb.Subscribe(s.ctx, s.k.actsChannel())}
}

// watch subscribes to the wake channels of partitions ps.
func (b *subscriber) watch(ps ...int) {
	channels := make([]string, len(ps))
	for i, p := range ps {
		channels[i] = b.s.k.wakeChannel(p)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.ps.Subscribe(b.s.ctx, channels...); err != nil && b.s.ctx.Err() == nil {
		b.s.logFailure("subscribing to a partition's notifications failed", err)
	}
}

// unwatch unsubscribes from partition p's wake channel.
func (b *subscriber) unwatch(p int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.s.ctx.Err() == nil {
		_ = b.ps.Unsubscribe(b.s.ctx, b.s.k.wakeChannel(p))
	}
}

// run hands notifications to the dispatchers until Close.
func (b *subscriber) run() {
	defer b.ps.Close()
	ch := b.ps.Channel()
	wake := b.s.k.wakeChannel(0)
	wake = wake[:len(wake)-1]
	for {
		select {
		case <-b.s.ctx.Done():
			return
		case m, ok := <-ch:
			if !ok {
				return
			}
			b.handle(m, wake)
		}
	}
}

func (b *subscriber) handle(m *goredis.Message, wakePrefix string) {
	now := floorMs(b.s.clock.Now())
	if m.Channel == b.s.k.actsChannel() {
		if p, err := strconv.Atoi(m.Payload); err == nil && p >= 0 && p < len(b.s.parts) {
			b.s.act.signal(p, now, now)
		}
		return
	}
	ps, ok := strings.CutPrefix(m.Channel, wakePrefix)
	p, err := strconv.Atoi(ps)
	if !ok || err != nil || p < 0 || p >= len(b.s.parts) || m.Payload == "" {
		return
	}
	due, err := strconv.ParseInt(m.Payload[1:], 10, 64)
	if err != nil {
		return
	}
	d := b.s.orch
	if m.Payload[0] == 'e' {
		d = b.s.ent
	}
	d.signal(p, due, now)
}

// notices collects, while a script's arguments are built, who must hear
// of the work it creates: dispatchers of this process (signaled once the
// script succeeded) and other processes (published by the script).
type notices struct {
	pub   []any
	local []localNotice
}

type localNotice struct {
	d   *dispatcher
	p   int
	due int64
}

// args is the trailing ARGV section of a script: a count, then
// (channel, payload) pairs.
func (n *notices) args() []any { return append([]any{len(n.pub) / 2}, n.pub...) }

// instance notes work due at dueMs for an instance of kind ("o" or "e")
// in partition q: for this process if it owns q, else for q's owner.
func (n *notices) instance(s *Store, q int, kind string, dueMs int64) {
	if s.owns(q) {
		d := s.orch
		if kind == "e" {
			d = s.ent
		}
		n.local = append(n.local, localNotice{d, q, dueMs})
		return
	}
	n.pub = append(n.pub, s.k.wakeChannel(q), kind+strconv.FormatInt(dueMs, 10))
}

// activities notes count new requests in partition p: for this process,
// and for the other workers when this process has fewer idle activity
// slots than that.
func (n *notices) activities(s *Store, p, count int) {
	if count == 0 {
		return
	}
	n.local = append(n.local, localNotice{s.act, p, 0})
	if s.liveWorkers() > 1 && s.act.idle() < count {
		n.pub = append(n.pub, s.k.actsChannel(), strconv.Itoa(p))
	}
}

// apply signals this process's dispatchers.
func (n *notices) apply(s *Store) {
	now := floorMs(s.clock.Now())
	for _, l := range n.local {
		l.d.signal(l.p, max(l.due, 0), now)
	}
}
