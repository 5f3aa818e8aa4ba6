package memqueue

import (
	"container/heap"
	"time"
)

// entry is a ready-heap entry. Entries are never updated in place: a
// change pushes a new one and bumps the item's version, which makes the
// older entries stale.
type entry[T any] struct {
	item T
	key  time.Time // when the item becomes visible
	tie  uint64    // ties on key go in this order
	ver  uint64
}

// readyHeap orders entries by (key, tie).
type readyHeap[T any] []entry[T]

func (h readyHeap[T]) Len() int { return len(h) }
func (h readyHeap[T]) Less(i, j int) bool {
	if c := h[i].key.Compare(h[j].key); c != 0 {
		return c < 0
	}
	return h[i].tie < h[j].tie
}
func (h readyHeap[T]) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *readyHeap[T]) Push(x any)   { *h = append(*h, x.(entry[T])) }
func (h *readyHeap[T]) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = entry[T]{}
	*h = old[:len(old)-1]
	return e
}

func (h *readyHeap[T]) push(e entry[T]) { heap.Push(h, e) }

// popVisible pops the earliest current entry if it is visible at now.
// Otherwise it returns when the earliest becomes visible (zero if the heap
// holds no current entry).
func (h *readyHeap[T]) popVisible(now time.Time, current func(entry[T]) bool) (item T, due time.Time, ok bool) {
	for h.Len() > 0 {
		top := (*h)[0]
		if !current(top) {
			heap.Pop(h)
			continue
		}
		if top.key.After(now) {
			return item, top.key, false
		}
		heap.Pop(h)
		return top.item, time.Time{}, true
	}
	return item, time.Time{}, false
}
