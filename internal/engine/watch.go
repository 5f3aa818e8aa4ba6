package engine

import (
	"sync"

	"github.com/godurable/durablefunctions/internal/store"
)

// watchers wakes clients waiting for instances that this process finishes,
// so WaitForCompletion does not have to poll the store in a tight loop.
// Only a commit that ends an instance wakes them: a waiter reads the
// instance's status at every wake-up, and a chain of k activities would
// otherwise cost it k reads that find the instance still running.
type watchers struct {
	mu sync.Mutex
	m  map[string][]chan struct{}
}

func (w *watchers) notify(inst *store.Instance) {
	if inst == nil || !inst.Status.IsTerminal() {
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

// Finished returns a channel closed when this engine commits the instance
// into a final status (completed, failed or terminated).
func (e *Engine) Finished(instanceID string) <-chan struct{} {
	ch := make(chan struct{})
	e.watch.mu.Lock()
	if e.watch.m == nil {
		e.watch.m = make(map[string][]chan struct{})
	}
	e.watch.m[instanceID] = append(e.watch.m[instanceID], ch)
	e.watch.mu.Unlock()
	return ch
}

// Forget drops a channel returned by Finished that is no longer wanted.
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
