package redis

import (
	"context"

	goredis "github.com/redis/go-redis/v9"
)

// Partition leases and activity requests.
//
// A lease is the key P..'lease' holding "worker|epoch" with a PX expiry.
// Taking a free lease increments P..'epoch', the fencing token: every
// orchestration fetch and commit compares the lease value with the one
// its worker holds, so a worker whose lease lapsed (or was taken over)
// can neither lock nor commit.

// leaseAcquireScript: KEYS[1] lease. ARGV: P, worker, duration ms. It
// returns the new epoch, or 0 when the lease is held. Instances still
// locked by an earlier holder (which crashed) are given back at once.
var leaseAcquireScript = newScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local epoch = redis.call('INCR', P .. 'epoch')
redis.call('SET', KEYS[1], ARGV[2] .. '|' .. epoch, 'PX', ARGV[3])
unlockAll()
return epoch
`)

// leaseRenewScript: KEYS[1] lease. ARGV: P, "worker|epoch", duration ms.
// It returns 1, or 0 when the lease is no longer held with that value.
var leaseRenewScript = newScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[2] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`)

// leaseReleaseScript: KEYS[1] lease. ARGV: P, "worker|epoch". It gives
// back the partition's locked instances and deletes the lease if held
// with that value.
var leaseReleaseScript = newScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[2] then return 0 end
unlockAll()
redis.call('DEL', KEYS[1])
return 1
`)

// Activity requests: P..'acts' scores request ids by visibility; P..'actb'
// holds each request's body, its dequeue count (id..':d') and the token
// of the worker holding it (id..':l'). Taking a request moves its score to
// the end of its lock; a crashed worker's request becomes visible again
// when that passes.

// actFetchScript: KEYS[1] acts. ARGV: P, now, lock until, token. It
// returns the request (see takeActivity) or {'N', earliest future score
// or ""}.
var actFetchScript = newScript(`
local w = takeActivity(ARGV[2], ARGV[3], ARGV[4])
if w then return w end
return {'N', nextScore(KEYS[1])}
`)

// actCompleteScript: KEYS[1] acts. ARGV: P, request id, token, instance,
// due, result body, now, handoff lease and token ("" for none), next
// request's lock end and token ("" for none), publishes. It deletes the
// request and queues its result for the instance (same partition), or
// returns {'X'} when the token no longer holds the request. On success it
// returns {'OK', the instance's work item or false, the next request or
// false}: with a handoff lease that still holds it locks the instance,
// and with a next token it takes the partition's next visible request.
var actCompleteScript = newScript(`
local aid, bk = ARGV[2], P .. 'actb'
if redis.call('HGET', bk, aid .. ':l') ~= ARGV[3] then return {'X'} end
redis.call('ZREM', KEYS[1], aid)
redis.call('HDEL', bk, aid, aid .. ':l', aid .. ':d')
local unlocked = enqueue(ARGV[4], ARGV[5], ARGV[6])
argi = 11
publish()
local w, nxt = false, false
if unlocked and ARGV[8] ~= '' and redis.call('GET', P .. 'lease') == ARGV[8] then w = take(ARGV[4], ARGV[7], ARGV[9], true) end
if ARGV[11] ~= '' then nxt = takeActivity(ARGV[7], ARGV[10], ARGV[11]) end
return {'OK', w, nxt}
`)

// actAbandonScript: KEYS[1] acts. ARGV: P, request id, token, visible at.
var actAbandonScript = newScript(`
local aid, bk = ARGV[2], P .. 'actb'
if redis.call('HGET', bk, aid .. ':l') ~= ARGV[3] then return 'X' end
redis.call('ZADD', KEYS[1], 'XX', ARGV[4], aid)
redis.call('HDEL', bk, aid .. ':l')
return 'OK'
`)

// actRenewScript: KEYS[1] acts. ARGV: P, request id, token, lock until.
var actRenewScript = newScript(`
local aid = ARGV[2]
if redis.call('HGET', P .. 'actb', aid .. ':l') ~= ARGV[3] then return 'X' end
redis.call('ZADD', KEYS[1], 'XX', ARGV[4], aid)
return 'OK'
`)

// loadScripts loads every script on every primary at Open, so that the
// first calls of many dispatchers at once do not all miss (NOSCRIPT) and
// fall back to sending the source. A failure is harmless: calls fall back.
func (s *Store) loadScripts(ctx context.Context) {
	all := []*goredis.Script{createScript, sendScript, fetchScript, commitScript, abandonScript, purgeScript,
		leaseAcquireScript, leaseRenewScript, leaseReleaseScript, actFetchScript, actCompleteScript,
		actAbandonScript, actRenewScript, resultLockScript}
	load := func(ctx context.Context, c goredis.Scripter) error {
		for _, sc := range all {
			if err := sc.Load(ctx, c).Err(); err != nil {
				return err
			}
		}
		return nil
	}
	if cc, ok := s.rdb.(*goredis.ClusterClient); ok {
		_ = cc.ForEachMaster(ctx, func(ctx context.Context, c *goredis.Client) error { return load(ctx, c) })
		return
	}
	_ = load(ctx, s.rdb)
}
