package redis

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/storekit"
)

// orchLock is OrchestrationWorkItem.Lock.
type orchLock struct {
	p     int
	pt    *partition
	lease string // the partition lease value the fetch ran under
	token string
	mids  []string        // delivered message ids, deleted by the commit
	row   *store.Instance // the row as locked, to skip unchanged payloads
	// cur is the row's status, index and retention members as the fetch
	// read them: the commit's writeRow needs them and, the row being
	// locked, they cannot have changed since.
	cur [3]string
	// start is set for an inline start (inline.go): the instance has no
	// row and no lock in Redis yet; the commit creates it.
	start *inlineStart
	// result is set for a result hand-off (result.go): the activity
	// request the commit deletes.
	result *actLock
	// copy is set for a result hand-off run on this process's copy of
	// the instance (copies.go): there is no lock in Redis; the commit
	// checks that row and history are still the copy's.
	copy *instanceCopy
	// raw is the stored history the work item was read with, which a
	// commit's copy (copies.go) extends.
	raw  []string
	once sync.Once
}

// end stops counting the work item in flight on its partition and ends
// its token.
func (l *orchLock) end(s *Store) {
	l.once.Do(func() {
		s.untrack(l.pt)
		s.endToken(l.token)
	})
}

// NextOrchestrationWorkItem locks, in one of the partitions this worker
// owns, the instance of kind whose messages became visible first, and
// returns its row, history and visible messages.
func (s *Store) NextOrchestrationWorkItem(ctx context.Context, kind store.WorkKind) (*store.OrchestrationWorkItem, error) {
	s.join(ctx)
	code := "o"
	if kind == store.Entities {
		code = "e"
	}
	return nextWork(s, ctx, s.dispatcherOf(kind), func(ctx context.Context, p int) (*store.OrchestrationWorkItem, fetched, error) {
		return s.fetchOrchestration(ctx, p, code)
	})
}

func (s *Store) fetchOrchestration(ctx context.Context, p int, kind string) (*store.OrchestrationWorkItem, fetched, error) {
	lease, pt, ok := s.hold(p)
	if !ok {
		return nil, fetched{}, nil
	}
	lock := &orchLock{p: p, pt: pt, lease: lease, token: s.lockToken()}
	now := floorMs(s.clock.Now())
	res, err := s.runScript(fetchScript, []string{s.k.lease(p)}, s.k.prefix(p), lease, now, lock.token, kind).Slice()
	if err != nil {
		lock.end(s)
		return nil, fetched{}, err
	}
	switch str(res, 0) {
	case "L":
		lock.end(s)
		s.drop(p, lease)
		return nil, fetched{}, nil
	case "N":
		lock.end(s)
		return nil, fetched{next: parseScore(str(res, 1))}, nil
	}
	wi, more, err := s.lockWorkItem(ctx, res, lock)
	if err != nil {
		return nil, fetched{}, err
	}
	return wi, fetched{found: true, more: more}, nil
}

// decodeWorkItem reads the fetch script's {'W', ...} reply; it also
// returns the stored history as read.
func (s *Store) decodeWorkItem(res []any) (*store.OrchestrationWorkItem, []string, bool, error) {
	id := str(res, 1)
	wi := &store.OrchestrationWorkItem{InstanceID: id}
	if meta := str(res, 2); meta != "" {
		row, err := decodeRow(id, meta, str(res, 3), str(res, 4), str(res, 5))
		if err != nil {
			return nil, nil, false, err
		}
		wi.Instance = row
	}
	i := 9 // after the status and members, which lockWorkItem keeps
	nh := int(num(res, i))
	i++
	raw := make([]string, nh)
	for k := range raw {
		raw[k] = str(res, i+k)
	}
	var err error
	if wi.History, err = s.hist.decode(id, raw); err != nil {
		return nil, nil, false, fmt.Errorf("history of instance %q: %w", id, err)
	}
	i += nh
	nm := int(num(res, i))
	i++
	for k := 0; k < nm; k++ {
		m, err := decodeMessage(id, str(res, i), int(num(res, i+1)), str(res, i+2))
		if err != nil {
			return nil, nil, false, err
		}
		wi.Messages = append(wi.Messages, m)
		i += 3
	}
	return wi, raw, num(res, i) > 0, nil
}

func lockOf(wi *store.OrchestrationWorkItem) (*orchLock, bool) {
	l, ok := wi.Lock.(*orchLock)
	return l, ok && l != nil
}

// CompleteOrchestrationWorkItem applies c in one script on the instance's
// partition: row, history, the deletion of the delivered messages,
// messages to instances of the same partition, timers, activity requests
// and outbox entries for messages to other partitions, which are then
// delivered (see outbox.go). The script refuses the commit when the
// partition lease or the instance lock is no longer this work item's.
func (s *Store) CompleteOrchestrationWorkItem(ctx context.Context, wi *store.OrchestrationWorkItem, c *store.OrchestrationCommit) error {
	if err := storekit.ValidateCommit(wi.InstanceID, c); err != nil {
		return err
	}
	if err := s.begin(ctx); err != nil {
		return opError("complete work item", wi.InstanceID, err)
	}
	lock, ok := lockOf(wi)
	if !ok {
		return lostError("complete work item", wi.InstanceID)
	}
	if lock.start != nil && c.Instance == nil {
		// An inline start's commit must create the row; without one the
		// dispatchers run the start (the engine calls CreateInstance).
		lock.end(s)
		return lostError("start instance inline", wi.InstanceID)
	}
	claims := s.claimActivities(len(c.Activities))
	var prefetch *instanceHandoff
	if lock.start == nil { // an inline start's caller is a client, not a dispatcher
		prefetch = s.offerPrefetch(lock.p, store.KindOf(wi.InstanceID))
	}
	// A result hand-off's committer is an activity dispatcher, which
	// takes the next activity request as a completion would.
	nextAct := ""
	if lock.result != nil && s.act.prefetchable() {
		nextAct = s.newToken()
	}
	b, err := s.buildCommit(wi, lock, c, claims, prefetch, nextAct)
	var res []any
	if err == nil {
		res, err = s.runScript(commitScript, []string{s.k.lease(lock.p)}, b.args...).Slice()
	}
	if err == nil && str(res, 0) != "OK" {
		lock.end(s)
		if str(res, 0) == "L" {
			s.drop(lock.p, lock.lease)
		}
		err = lostError("complete work item", wi.InstanceID)
	}
	if err != nil {
		s.dropHandoff(prefetch)
		s.act.settle(len(claims.tokens))
		return opError("complete work item", wi.InstanceID, err)
	}
	b.notes.apply(s)
	s.countActivities(wi.InstanceID, lock, c)
	s.keepCopy(wi, lock, c, b, str(res, 1))
	s.selfReady(lock.p, wi.InstanceID, str(res, 1))
	s.deliverClaims(claims, lock.p, wi.InstanceID, storekit.ActivityExecution(wi, c), c.Activities, at(res, 2))
	s.handOver(prefetch, at(res, 3))
	if nextAct != "" {
		s.deliverActivity(lock.p, nextAct, at(res, 4))
	}
	if len(b.outbox) > 0 {
		if err := s.deliverOutbox(ctx, lock.p, b.outbox); err != nil {
			s.logFailure("delivering a commit's messages to other partitions failed; the outbox sweep will", err)
		}
	}
	// The work item ends after its outbox is delivered, so that a
	// partition given back (which waits for its work items) leaves no
	// fresh entries behind.
	lock.end(s)
	return nil
}

// selfReady signals the dispatcher when a committed or abandoned
// instance still has messages (score is its new ready score).
func (s *Store) selfReady(p int, id, score string) {
	if due := parseScore(score); due > 0 {
		s.dispatcherOf(store.KindOf(id)).signal(p, due, floorMs(s.clock.Now()))
	}
}

// commitArgs are a commit script's arguments and what follows it.
type commitArgs struct {
	args   []any
	notes  notices
	outbox []outMsg
	row    rowFields // the row written (when the commit has one)
	newRaw []string  // the encodings of the events appended
}

func (s *Store) buildCommit(wi *store.OrchestrationWorkItem, lock *orchLock, c *store.OrchestrationCommit,
	claims *activityClaims, prefetch *instanceHandoff, nextAct string) (*commitArgs, error) {
	id, p, now := wi.InstanceID, lock.p, s.clock.Now()
	b := &commitArgs{}
	a, f, err := s.commitHead(wi, lock, c, claims, prefetch, nextAct, now)
	if err != nil {
		return nil, err
	}
	b.row = f
	a = append(a, len(lock.mids))
	for _, m := range lock.mids {
		a = append(a, m)
	}
	// The engine schedules an activity with the event it appends to
	// history: encode each event once.
	encoded := map[*history.Event]string{}
	var events []*history.Event // a commit without a row writes no history
	if c.Instance != nil {
		events = c.NewHistory
	}
	if a, err = appendEvents(a, events, encoded); err != nil {
		return nil, err
	}
	for _, e := range events {
		b.newRaw = append(b.newRaw, encoded[e])
	}
	local, err := s.splitMessages(b, p, c.Messages, now)
	if err != nil {
		return nil, err
	}
	a = append(append(a, len(local)/3), local...)
	a = append(a, len(c.Activities))
	exec := storekit.ActivityExecution(wi, c)
	for _, e := range c.Activities {
		ev, ok := encoded[e]
		if !ok {
			if ev, err = encodeEvent(e); err != nil {
				return nil, err
			}
		}
		a = append(a, pack(id, exec, ev))
	}
	b.notes.activities(s, p, len(c.Activities)-len(claims.tokens))
	a = append(a, len(b.outbox))
	for _, o := range b.outbox {
		a = append(a, o.entry, o.value())
	}
	b.args = append(a, b.notes.args()...)
	return b, nil
}

// commitHead returns a commit script's fixed arguments, the claimed
// activities' tokens and the changed payloads.
func (s *Store) commitHead(wi *store.OrchestrationWorkItem, lock *orchLock, c *store.OrchestrationCommit,
	claims *activityClaims, prefetch *instanceHandoff, nextAct string, now time.Time) ([]any, rowFields, error) {
	id := wi.InstanceID
	flags := ""
	if lock.copy != nil {
		flags = "o"
	}
	var f rowFields
	var payload []any
	if c.Instance != nil {
		flags += "r"
		if lock.start != nil {
			flags += "c"
		}
		if c.ReplaceHistory {
			flags += "h"
		}
		row := storekit.CommitRow(id, c, wi.Instance, now)
		var err error
		if f, err = encodeRow(row); err != nil {
			return nil, f, err
		}
		payload = changedPayload(lock.row, row)
	}
	_, preToken := prefetch.scriptArgs()
	a := []any{s.k.prefix(lock.p), lock.lease, floorMs(now), id, lock.token, flags, f.meta, f.status, f.member, f.doneMember,
		kindCode(id), preToken, len(claims.tokens), claims.until, lock.cur[0], lock.cur[1], lock.cur[2]}
	if r := lock.result; r != nil {
		a = append(a, r.aid, r.token)
	} else {
		a = append(a, "", "")
	}
	a = append(a, nextAct, ceilMs(now.Add(s.cfg.ActivityLockTimeout)))
	if cp := lock.copy; cp != nil {
		a = append(a, cp.meta, len(cp.raw))
	} else {
		a = append(a, "", "")
	}
	for _, t := range claims.tokens {
		a = append(a, t)
	}
	a = append(a, len(payload)/2)
	return append(a, payload...), f, nil
}

// appendEvents appends the count and the JSON of events, remembering
// each encoding.
func appendEvents(a []any, events []*history.Event, encoded map[*history.Event]string) ([]any, error) {
	a = append(a, len(events))
	for _, e := range events {
		ev, err := encodeEvent(e)
		if err != nil {
			return nil, err
		}
		encoded[e] = ev
		a = append(a, ev)
	}
	return a, nil
}

// splitMessages returns the (id, due, body) triples of messages to
// instances of partition p and puts the others in b's outbox.
func (s *Store) splitMessages(b *commitArgs, p int, msgs []store.Message, now time.Time) ([]any, error) {
	var local []any
	created := time.Now().UnixMilli()
	for i := range msgs {
		m := &msgs[i]
		body, err := messageBody(m)
		if err != nil {
			return nil, err
		}
		due := dueMs(m.VisibleAt, now)
		q := s.k.partition(m.InstanceID)
		if q == p {
			local = append(local, m.InstanceID, due, body)
			b.notes.instance(s, p, kindCode(m.InstanceID), due)
			continue
		}
		b.outbox = append(b.outbox, outMsg{entry: s.newToken(), created: created, to: m.InstanceID, q: q, due: due, body: body})
	}
	return local, nil
}

// changedPayload returns the (field, value) pairs of the payloads that
// differ from the locked row ("" clears a field).
func changedPayload(old, row *store.Instance) []any {
	var out []any
	add := func(field, was, now string, known bool) {
		if !known || was != now {
			out = append(out, field, now)
		}
	}
	known := old != nil
	var o store.Instance
	if known {
		o = *old
	}
	add("in", o.Input, row.Input, known)
	add("out", o.Output, row.Output, known)
	add("cs", o.CustomStatus, row.CustomStatus, known)
	return out
}

// AbandonOrchestrationWorkItem unlocks the instance; the delivered
// messages become visible again after retryAfter.
func (s *Store) AbandonOrchestrationWorkItem(ctx context.Context, wi *store.OrchestrationWorkItem, retryAfter time.Duration) error {
	if err := s.begin(ctx); err != nil {
		return opError("abandon work item", wi.InstanceID, err)
	}
	lock, ok := lockOf(wi)
	if !ok {
		return lostError("abandon work item", wi.InstanceID)
	}
	if lock.start != nil {
		return s.abandonStart(ctx, lock)
	}
	if lock.copy != nil { // a hand-off on a copy holds nothing in Redis
		lock.end(s)
		return nil
	}
	now := s.clock.Now()
	at := dueMs(storekit.RetryAt(now, retryAfter), now)
	args := []any{s.k.prefix(lock.p), wi.InstanceID, lock.token, at}
	for _, m := range lock.mids {
		args = append(args, m)
	}
	res, err := s.runScript(abandonScript, []string{s.k.locked(lock.p)}, args...).Slice()
	if err != nil {
		return opError("abandon work item", wi.InstanceID, err)
	}
	lock.end(s)
	if str(res, 0) != "OK" {
		return lostError("abandon work item", wi.InstanceID)
	}
	s.selfReady(lock.p, wi.InstanceID, str(res, 1))
	return nil
}

// str, num and at read script replies.
func at(res []any, i int) any {
	if i < len(res) {
		return res[i]
	}
	return nil
}

func str(res []any, i int) string {
	if i < len(res) {
		if v, ok := res[i].(string); ok {
			return v
		}
	}
	return ""
}

func num(res []any, i int) int64 {
	if i < len(res) {
		switch v := res[i].(type) {
		case int64:
			return v
		case string:
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

// parseScore reads a sorted-set score reply (0 when empty).
func parseScore(v string) int64 {
	if v == "" {
		return 0
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0
	}
	return int64(f)
}
