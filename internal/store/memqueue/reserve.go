package memqueue

// Reserve locks id for a caller in the owner's process, provided id has
// no queue state at all: no messages and no lock. Stores use it to let a
// creator commit an instance with its first episode (store.InlineStarter)
// and an activity worker commit a result with the episode it starts
// (store.ResultHandoff). While reserved, messages that arrive for id stay
// queued, as for any locked instance; Unlock releases it. It returns nil
// when id has state.
func (q *Queues) Reserve(id string) (*Instance, uint64) {
	if q.instances[id] != nil {
		return nil, 0
	}
	in := q.get(id)
	q.lockSeq++
	in.Lock = q.lockSeq
	return in, in.Lock
}
