package redis

import (
	"context"
	"strconv"
	"strings"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/storekit"
)

// CreateInstance writes the Pending row and queues the start message in
// one script on the instance's partition. A finished instance (or one
// opts allow replacing) is dropped first, with its history and queued
// messages; a work item holding it loses its lock.
func (s *Store) CreateInstance(ctx context.Context, start *history.Event, opts store.CreateOptions) error {
	id, execID, err := storekit.StartIDs(start)
	if err != nil {
		return err
	}
	if err := s.begin(ctx); err != nil {
		return opError("create instance", id, err)
	}
	s.awaitJoin(ctx)
	now := s.clock.Now()
	f, err := encodeRow(storekit.NewInstanceRow(start, opts, now))
	if err != nil {
		return err
	}
	body, err := messageBody(&store.Message{InstanceID: id, ExecutionID: execID, Event: start})
	if err != nil {
		return err
	}
	p, due := s.k.partition(id), dueMs(opts.VisibleAt, now)
	var n notices
	var h *instanceHandoff
	if due <= floorMs(now) {
		h = s.offerInstance(p, id)
	}
	if h == nil {
		n.instance(s, p, kindCode(id), due)
	}
	lease, token := h.scriptArgs()
	args := []any{s.k.prefix(p), id, refusedStatuses(opts), f.meta, f.input, f.status, f.member, due, body, lease, token, floorMs(now)}
	res, err := s.runScript(createScript, []string{s.k.row(p, id)}, append(args, n.args()...)...).Slice()
	if err != nil || str(res, 0) == "E" {
		s.dropHandoff(h)
	}
	if err != nil {
		return opError("create instance", id, err)
	}
	if str(res, 0) == "E" {
		st, _ := strconv.Atoi(str(res, 1))
		return storekit.ExistsError(id, history.RuntimeStatus(st))
	}
	n.apply(s)
	if h != nil && !s.handOver(h, res) {
		s.dispatcherOf(store.KindOf(id)).signal(p, due, floorMs(now))
	}
	return nil
}

// refusedStatuses is the ",s,s," list of statuses that refuse a create.
func refusedStatuses(opts store.CreateOptions) string {
	statuses := opts.DedupeStatuses
	if statuses == nil {
		statuses = store.DefaultDedupeStatuses
	}
	var b strings.Builder
	b.WriteByte(',')
	for _, st := range statuses {
		b.WriteString(strconv.Itoa(int(st)))
		b.WriteByte(',')
	}
	return b.String()
}

// SendMessages queues msgs: one script per partition they go to, run in
// one pipeline. Messages to one partition are queued together and in
// order; across partitions a failure can leave some queued.
func (s *Store) SendMessages(ctx context.Context, msgs ...store.Message) error {
	if err := storekit.ValidateMessages(msgs); err != nil {
		return err
	}
	if len(msgs) == 0 {
		return nil
	}
	if err := s.begin(ctx); err != nil {
		return opError("send messages", msgs[0].InstanceID, err)
	}
	now := s.clock.Now()
	var order []int
	byQ := map[int][]outMsg{}
	for i := range msgs {
		m := &msgs[i]
		body, err := messageBody(m)
		if err != nil {
			return err
		}
		q := s.k.partition(m.InstanceID)
		if _, ok := byQ[q]; !ok {
			order = append(order, q)
		}
		byQ[q] = append(byQ[q], outMsg{to: m.InstanceID, q: q, due: dueMs(m.VisibleAt, now), body: body})
	}
	calls := make([]*call, 0, len(order))
	var notes []*notices
	for _, q := range order {
		c, n := s.sendCall(q, byQ[q])
		calls = append(calls, c)
		notes = append(notes, n)
	}
	if err := s.runAll(calls); err != nil {
		return opError("send messages", msgs[0].InstanceID, err)
	}
	for _, n := range notes {
		n.apply(s)
	}
	return nil
}
