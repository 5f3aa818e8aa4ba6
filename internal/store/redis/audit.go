package redis

import (
	"context"
	"strings"

	"github.com/godurable/durablefunctions/internal/store"
)

// The lock audit. A fetch (or a script that hands work over) whose reply
// never arrives may still have locked an instance, for a work item nobody
// holds; the lease would keep it locked until this worker stops. Every
// BalanceInterval the worker reads the locked instances of its partitions
// and frees those locked with one of its own tokens that no work item of
// this process holds any more.

// unlockScript: KEYS[1] locked. ARGV: P, id, token. It frees the instance
// if that token still locks it.
var unlockScript = newScript(`
if redis.call('HGET', KEYS[1], ARGV[2]) ~= ARGV[3] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[2])
readyAgain(ARGV[2])
return 1
`)

func (s *Store) auditLoop() {
	s.every(s.cfg.BalanceInterval, func() {
		for _, p := range s.owned() {
			s.audit(s.ctx, p)
		}
	})
}

// audit frees partition p's instances locked by tokens of this process
// that are no longer live.
func (s *Store) audit(ctx context.Context, p int) {
	locked, err := s.rdb.HGetAll(ctx, s.k.locked(p)).Result()
	if err != nil {
		return
	}
	for id, token := range locked {
		if !strings.HasPrefix(token, s.tokenPrefix) || s.isLive(token) {
			continue
		}
		n, err := s.runScript(unlockScript, []string{s.k.locked(p)}, s.k.prefix(p), id, token).Int()
		if err == nil && n == 1 {
			s.log.Warn("redis store: freed an instance locked by a fetch whose reply was lost", "partition", p, "instanceId", id)
			now := floorMs(s.clock.Now())
			s.dispatcherOf(store.KindOf(id)).signal(p, now, now)
		}
	}
}

func (s *Store) isLive(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.tokensLive[token]
	return ok
}
