package azurestorage

import (
	"context"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"
)

// In-process delivery. A queue round trip (enqueue, dequeue, delete) buys
// durability and lets any worker take the message. When the receiver is
// this process anyway, the store skips the parts of the trip that buy
// nothing, and keeps what makes a crash safe:
//
//   - A message due now for a control queue this worker owns is enqueued
//     already locked and buffered at once (keepLocal): no dequeue.
//   - An activity request is enqueued already locked and buffered for an
//     idle activity slot of this process (claimActivity): no dequeue.
//     Only idle slots claim, so a busy worker leaves requests to others.
//   - An activity result for an instance of an owned partition is buffered
//     without any queue message (deliverResult). The request it answers
//     stays locked on the work-item queue, its lock renewed, until the
//     commit that consumes the result deletes it. If the process dies
//     first, the request reappears and the activity runs again: the
//     at-least-once promise every activity has anyway. If the partition is
//     given up first, the result is put on the control queue then.
//
// docs/azure-storage.md counts what each saves.

// localKind is how enqueue delivers a message in process, if at all.
type localKind int

const (
	notLocal    localKind = iota
	adopted               // for an owned control queue
	claimedSlot           // an activity request for an idle slot (claimActivity)
)

// localDelivery decides whether a message about to be enqueued to queue
// part (-1: the work-item queue) with the given delay stays in process.
// A claimed slot must be filled by keepLocal or given up with
// unclaimActivity.
func (s *Store) localDelivery(ctx context.Context, part int, delay int32) localKind {
	switch {
	case delay != 0 || ctx.Value(noAdoptKey{}) != nil:
		return notLocal
	case part >= 0 && s.canAdopt(part):
		return adopted
	case part < 0 && s.claimActivity():
		return claimedSlot
	}
	return notLocal
}

// keepLocal buffers a message this process has just enqueued, locked. It
// reports false (a claimed slot given up) when the partition is no longer
// owned or the store closed meanwhile.
func (s *Store) keepLocal(kind localKind, part int, id, pop, raw string, env *envelope) bool {
	if kind == claimedSlot {
		if s.claimed(id, pop, raw, env) {
			return true
		}
		s.unclaimActivity()
		return false
	}
	return s.bufferLocal(&qmsg{part: part, msgID: id, popReceipt: pop, raw: raw, env: env, azDequeue: env.Deliveries})
}

// bufferLocal adds a message this process produced to the buffer of its
// owned partition, as if it had been dequeued.
func (s *Store) bufferLocal(q *qmsg) bool {
	now := s.clock.Now()
	if due := q.env.VisibleAt; due.After(now) && (s.virtual || due.Sub(now) > time.Second) {
		q.notBefore = due
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() || !s.parts[q.part].owned {
		return false
	}
	s.addBufferedLocked(q)
	s.broadcastLocked()
	return true
}

// deliverResult buffers an activity's result for its orchestration when
// this process owns the orchestration's partition. The request a stays
// locked until the result is committed (see deleteMsgs) or put on the
// queue (materialize).
func (s *Store) deliverResult(part int, a *actMsg, env *envelope) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.canAdoptLocked(part) {
		return false
	}
	// One step under mu: Close and lease loss see the request either in
	// flight or standing behind a buffered result, never in between.
	delete(s.actFlight, a)
	s.addBufferedLocked(&qmsg{part: part, msgID: "local:" + env.ID, env: env, azDequeue: 1, act: a})
	s.broadcastLocked()
	return true
}

// settleResult deletes the request that a locally delivered result
// answers, once the result is committed (or was a duplicate).
func (s *Store) settleResult(ctx context.Context, q *qmsg) error {
	a := q.act
	s.stopAct(a)
	s.mu.Lock()
	pop := a.popReceipt
	s.mu.Unlock()
	_, err := s.workItems.DeleteMessage(ctx, a.msgID, pop, nil)
	if err != nil && isCode(err, 404) {
		return nil // its lock lapsed and it was taken again: a duplicate result follows, and is dropped
	}
	return err
}

// materialize puts a locally delivered result on its control queue,
// visible after delay, then deletes the request it answers. If the
// enqueue fails, the request is made visible so that the activity runs
// again rather than waiting for its lock to lapse.
func (s *Store) materialize(ctx context.Context, q *qmsg, delay time.Duration) {
	env := *q.env
	env.Deliveries = 0
	env.VisibleAt = s.clock.Now().Add(delay)
	if _, _, err := s.enqueue(context.WithValue(ctx, noAdoptKey{}, true), q.part, &env); err != nil {
		s.log.Warn("azurestorage: queueing an activity result failed; the activity will run again", "instance", env.InstanceID, "err", err)
		s.stopAct(q.act)
		s.mu.Lock()
		pop := q.act.popReceipt
		s.mu.Unlock()
		_, _ = s.workItems.UpdateMessage(ctx, q.act.msgID, pop, q.act.raw, &azqueue.UpdateMessageOptions{VisibilityTimeout: to.Ptr(int32(0))})
		return
	}
	_ = s.settleResult(ctx, q)
}

// noAdoptKey in an enqueue's context: never buffer the message locally.
type noAdoptKey struct{}

// claimActivity reserves an idle activity slot of this process for a
// request about to be enqueued.
func (s *Store) claimActivity() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() || s.actWaiters-len(s.acts)-s.actClaims <= 0 {
		return false
	}
	s.actClaims++
	return true
}

func (s *Store) unclaimActivity() {
	s.mu.Lock()
	s.actClaims--
	s.mu.Unlock()
}

// claimed buffers a request this process has just enqueued, locked, in
// the slot claimActivity reserved. It reports false (the slot still
// reserved) when the store closed meanwhile.
func (s *Store) claimed(id, pop, raw string, env *envelope) bool {
	a := &actMsg{msgID: id, popReceipt: pop, raw: raw, env: env, azDequeue: env.Deliveries, locked: time.Now()}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return false
	}
	s.actClaims--
	s.acts = append(s.acts, a)
	close(s.actNotify)
	s.actNotify = make(chan struct{})
	return true
}
