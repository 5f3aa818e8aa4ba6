package redis

import (
	"context"
	"errors"
	"sync"

	goredis "github.com/redis/go-redis/v9"
)

// Implicit pipelining. Hot-path commands (the scripts, and row reads) are
// queued; up to `senders` callers at a time send what is queued, up to
// maxBatch commands, as one pipeline (split by node on a cluster). Under
// load many commands share one write and one read system call, which is
// most of what a round trip costs the client and the server; alone, a
// command is sent by its own caller at once, with no goroutine switch.
// A caller whose own command is done hands the rest of the queue to a new
// goroutine rather than keep sending for others.
//
// A command is always run to its end, even when its caller's context ends
// meanwhile: a fetch whose reply was lost would leave an instance locked
// with nobody to process it.

const (
	senders  = 4
	maxBatch = 128
)

type call struct {
	cmd  goredis.Cmder
	read bool            // a read: sent once more after a connection error
	sc   *goredis.Script // for a script: loaded and sent again after NOSCRIPT
	done chan struct{}
}

// onceCmd is a command go-redis must never send twice on its own: after a
// timeout or a dropped connection a script may have run, and running a
// fetch or a commit twice is not harmless. (The cluster client retries
// commands whatever MaxRetries says unless they report NoRetry.)
type onceCmd struct{ *goredis.Cmd }

func (onceCmd) NoRetry() bool { return true }

type batcher struct {
	rdb    goredis.UniversalClient
	mu     sync.Mutex
	queue  []*call
	active int // callers or goroutines sending
}

func newBatcher(rdb goredis.UniversalClient) *batcher { return &batcher{rdb: rdb} }

// submit queues calls and returns once they are done.
func (b *batcher) submit(calls ...*call) {
	b.mu.Lock()
	b.queue = append(b.queue, calls...)
	if b.active >= senders {
		b.mu.Unlock()
	} else {
		b.active++
		b.mu.Unlock()
		b.drain(calls[len(calls)-1])
	}
	for _, c := range calls {
		<-c.done
	}
}

// drain sends batches until mine is done (nil: until the queue is empty).
func (b *batcher) drain(mine *call) {
	for {
		b.mu.Lock()
		if len(b.queue) == 0 {
			b.active--
			b.mu.Unlock()
			return
		}
		if mine != nil && isDone(mine) {
			b.mu.Unlock()
			go b.drain(nil)
			return
		}
		n := min(len(b.queue), maxBatch)
		batch := make([]*call, n)
		copy(batch, b.queue)
		b.queue = b.queue[n:]
		b.mu.Unlock()
		b.send(batch)
	}
}

func isDone(c *call) bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

func (b *batcher) send(batch []*call) {
	ctx := context.Background()
	if len(batch) == 1 {
		_ = b.rdb.Process(ctx, batch[0].cmd)
	} else {
		pipe := b.rdb.Pipeline()
		for _, c := range batch {
			_ = pipe.Process(ctx, c.cmd)
		}
		_, _ = pipe.Exec(ctx)
	}
	for _, c := range batch {
		err := c.cmd.Err()
		var reply goredis.Error
		switch {
		case c.sc != nil && goredis.HasErrorPrefix(err, "NOSCRIPT"):
			// The server restarted and lost its script cache; NOSCRIPT
			// means the script did not run, so sending it again is safe.
			if lerr := c.sc.Load(ctx, b.rdb).Err(); lerr == nil {
				c.cmd.SetErr(nil)
				_ = b.rdb.Process(ctx, c.cmd)
			}
		case c.read && err != nil && !errors.As(err, &reply):
			// A connection the pool kept across a server restart fails
			// once; a read is safe to send again.
			c.cmd.SetErr(nil)
			_ = b.rdb.Process(ctx, c.cmd)
		}
		close(c.done)
	}
}

// scriptCall returns a call running sc (EVALSHA; the script is loaded
// and the call sent again if the server does not know it).
func scriptCall(sc *goredis.Script, keys []string, args ...any) *call {
	a := make([]any, 0, 3+len(keys)+len(args))
	a = append(a, "evalsha", sc.Hash(), len(keys))
	for _, k := range keys {
		a = append(a, k)
	}
	a = append(a, args...)
	return &call{cmd: onceCmd{goredis.NewCmd(context.Background(), a...)}, sc: sc, done: make(chan struct{})}
}

// result is a script call's reply.
func (c *call) result() *goredis.Cmd { return c.cmd.(onceCmd).Cmd }

// runScript runs a script through the batcher.
func (s *Store) runScript(sc *goredis.Script, keys []string, args ...any) *goredis.Cmd {
	c := scriptCall(sc, keys, args...)
	s.batch.submit(c)
	return c.result()
}

// hmget reads hash fields through the batcher.
func (s *Store) hmget(key string, fields ...string) *goredis.SliceCmd {
	a := make([]any, 0, 2+len(fields))
	a = append(a, "hmget", key)
	for _, f := range fields {
		a = append(a, f)
	}
	cmd := goredis.NewSliceCmd(context.Background(), a...)
	s.batch.submit(&call{cmd: cmd, read: true, done: make(chan struct{})})
	return cmd
}
