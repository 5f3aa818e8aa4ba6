package triggers

import (
	"context"
	"sync"
)

// Group runs triggers and stops them gracefully: first no new work is
// taken, then the work in flight may finish until the stop's deadline.
type Group struct {
	poll, work         context.Context
	stopPoll, stopWork context.CancelFunc
	wg                 sync.WaitGroup
}

// NewGroup returns an empty group.
func NewGroup() *Group {
	g := &Group{}
	g.poll, g.stopPoll = context.WithCancel(context.Background())
	g.work, g.stopWork = context.WithCancel(context.Background())
	return g
}

// Go runs a trigger (Timer.Run, Queue.Run) until the group stops.
func (g *Group) Go(run func(poll, work context.Context)) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		run(g.poll, g.work)
	}()
}

// Stop stops polling and scheduling and waits for the functions in flight
// until ctx ends; then it cancels them and returns without waiting more (a
// message whose function did not finish comes back to its queue).
func (g *Group) Stop(ctx context.Context) error {
	g.stopPoll()
	done := make(chan struct{})
	go func() { g.wg.Wait(); close(done) }()
	select {
	case <-done:
		g.stopWork()
		return nil
	case <-ctx.Done():
		g.stopWork()
		return ctx.Err()
	}
}
