package sqlite

import "slices"

// deleteMessages deletes the messages ids, which a work item consumed:
// one statement per run of consecutive ids (a fan-out's results arrive
// with consecutive ids, and an episode takes them all at once).
func (b *batch) deleteMessages(ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	for lo := 0; lo < len(sorted); {
		hi := lo
		for hi+1 < len(sorted) && sorted[hi+1] == sorted[hi]+1 {
			hi++
		}
		var err error
		if hi == lo {
			err = b.exec(b.s.w.delMsg, sorted[lo])
		} else {
			// Every id from first to last is one of ids, so the range
			// holds no other message.
			err = b.exec(b.s.w.delMsgRange, sorted[lo], sorted[hi])
		}
		if err != nil {
			return err
		}
		lo = hi + 1
	}
	return nil
}
