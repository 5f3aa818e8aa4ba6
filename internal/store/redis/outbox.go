package redis

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The outbox. Instances of different partitions live in different hash
// slots, so a commit cannot write to another partition in the same
// script. It writes such messages to its own partition's outbox hash
// instead, atomically with everything else; the committer then delivers
// them (one send script per target partition) and deletes the entries.
// If the committer dies in between, the entries stay and the partition's
// owner delivers them: at once when it takes the lease, and every
// OutboxSweepInterval for entries older than two intervals (entries of
// this process's committers are left to them for that long in any case).
// A crash between delivery and deletion delivers a message twice; the engine
// drops duplicates as it does for the other stores (entity messages carry
// ids, completions are matched to their tasks, starts to their execution).

// outMsg is one outbox entry.
type outMsg struct {
	entry   string // the outbox hash field
	created int64  // wall-clock ms, to tell abandoned entries from fresh ones
	to      string
	q       int // the target's partition
	due     int64
	body    string
}

func (o outMsg) value() string {
	return pack(strconv.FormatInt(o.created, 10), o.to, strconv.FormatInt(o.due, 10), o.body)
}

func (s *Store) parseOutMsg(entry, v string) (outMsg, error) {
	f, err := unpack(v, 4)
	if err != nil {
		return outMsg{}, err
	}
	created, err1 := strconv.ParseInt(f[0], 10, 64)
	due, err2 := strconv.ParseInt(f[2], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return outMsg{}, errCorrupt
	}
	return outMsg{entry: entry, created: created, to: f[1], q: s.k.partition(f[1]), due: due, body: f[3]}, nil
}

// deliverOutbox queues outbox entries of partition src at their targets, then
// deletes them from the outbox.
func (s *Store) deliverOutbox(ctx context.Context, src int, msgs []outMsg) error {
	var order []int
	byQ := map[int][]outMsg{}
	for _, m := range msgs {
		if _, ok := byQ[m.q]; !ok {
			order = append(order, m.q)
		}
		byQ[m.q] = append(byQ[m.q], m)
	}
	calls := make([]*call, 0, len(order))
	var notes []*notices
	for _, q := range order {
		c, n := s.sendCall(q, byQ[q])
		calls = append(calls, c)
		notes = append(notes, n)
	}
	if err := s.runAll(calls); err != nil {
		return err
	}
	for _, n := range notes {
		n.apply(s)
	}
	fields := make([]string, len(msgs))
	for i, m := range msgs {
		fields[i] = m.entry
	}
	return s.rdb.HDel(ctx, s.k.outbox(src), fields...).Err()
}

// sendCall is a send script call queuing msgs in partition q.
func (s *Store) sendCall(q int, msgs []outMsg) (*call, *notices) {
	n := &notices{}
	args := make([]any, 0, 3+3*len(msgs))
	args = append(args, s.k.prefix(q), len(msgs))
	for _, m := range msgs {
		args = append(args, m.to, m.due, m.body)
		n.instance(s, q, kindCode(m.to), m.due)
	}
	args = append(args, n.args()...)
	return scriptCall(sendScript, []string{s.k.seq(q)}, args...), n
}

// sweepOutbox delivers partition p's outbox entries older than minAge.
// Sweeps of one partition in this process take turns, so that they do not
// deliver the same entries twice.
func (s *Store) sweepOutbox(ctx context.Context, p int, minAge time.Duration) {
	s.sweeping[p].Lock()
	defer s.sweeping[p].Unlock()
	all, err := s.rdb.HGetAll(ctx, s.k.outbox(p)).Result()
	if err != nil || len(all) == 0 {
		if err != nil && ctx.Err() == nil {
			s.logFailure("reading an outbox failed", err)
		}
		return
	}
	now := time.Now()
	cutoff := now.Add(-minAge).UnixMilli()
	// This process's own fresh entries are being delivered by their
	// committers; only when they stay does the sweep take them.
	ownCutoff := now.Add(-2 * s.cfg.OutboxSweepInterval).UnixMilli()
	var msgs []outMsg
	for entry, v := range all {
		m, err := s.parseOutMsg(entry, v)
		if err != nil {
			s.log.Error("redis store: dropping an unreadable outbox entry", "partition", p, "entry", entry)
			s.rdb.HDel(ctx, s.k.outbox(p), entry)
			continue
		}
		if m.created <= cutoff && (m.created <= ownCutoff || !strings.HasPrefix(entry, s.tokenPrefix)) {
			msgs = append(msgs, m)
		}
	}
	slices.SortFunc(msgs, func(a, b outMsg) int {
		return cmp.Or(cmp.Compare(a.created, b.created), cmp.Compare(a.entry, b.entry))
	})
	if len(msgs) == 0 {
		return
	}
	if err := s.deliverOutbox(ctx, p, msgs); err != nil && ctx.Err() == nil {
		s.logFailure("delivering outbox entries failed", err)
		return
	}
	s.log.Info("redis store: delivered outbox entries a committer left behind", "partition", p, "count", len(msgs))
}

func (s *Store) sweepLoop() {
	s.every(s.cfg.OutboxSweepInterval, func() {
		for _, p := range s.owned() {
			s.sweepOutbox(s.ctx, p, 2*s.cfg.OutboxSweepInterval)
		}
	})
}

// runAll runs calls through the batcher, all queued at once so that they
// share pipelines, and returns the first error.
func (s *Store) runAll(calls []*call) error {
	s.batch.submit(calls...)
	for _, c := range calls {
		if err := c.cmd.Err(); err != nil {
			return err
		}
	}
	return nil
}
