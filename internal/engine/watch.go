package engine

import (
	"sync"

	"github.com/godurable/durablefunctions/internal/store"
)

// watchers wakes clients waiting for instances that this process commits,
// so WaitForCompletion does not have to poll the store in a tight loop.
type watchers struct {
	mu sync.Mutex
	m  map[string][]chan struct{}
}

func (w *watchers) notify(inst *store.Instance) {
	if inst == nil {
		return
	}
	w.mu.Lock()
	chans := w.m[inst.InstanceID]
	delete(w.m, inst.InstanceID)
	w.mu.Unlock()
	for _, ch := range chans {
		close(ch)
	}
}

// Changed returns a channel closed the next time this engine commits a
// change to the instance.
func (e *Engine) Changed(instanceID string) <-chan struct{} {
	ch := make(chan struct{})
	e.watch.mu.Lock()
	if e.watch.m == nil {
		e.watch.m = make(map[string][]chan struct{})
	}
	e.watch.m[instanceID] = append(e.watch.m[instanceID], ch)
	e.watch.mu.Unlock()
	return ch
}

// Forget drops a channel returned by Changed that is no longer wanted.
func (e *Engine) Forget(instanceID string, ch <-chan struct{}) {
	e.watch.mu.Lock()
	defer e.watch.mu.Unlock()
	chans := e.watch.m[instanceID]
	for i, c := range chans {
		if c == ch {
			chans = append(chans[:i:i], chans[i+1:]...)
			break
		}
	}
	if len(chans) == 0 {
		delete(e.watch.m, instanceID)
	} else {
		e.watch.m[instanceID] = chans
	}
}
