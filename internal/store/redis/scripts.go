package redis

import goredis "github.com/redis/go-redis/v9"

// Every change is one Lua script over the keys of one partition (one hash
// slot), so it is atomic on a single server and on a cluster alike.
// ARGV[1] is always the partition's key prefix; scripts derive the other
// key names from it, which Redis Cluster allows because they share the
// declared key's hash tag. Times are Unix milliseconds on the store's
// clock, passed in by the caller.

// prelude holds the helpers scripts share; each script carries only the
// ones it calls (helpers.go).
const prelude = `
local P = ARGV[1]
local argi = 1
local function arg() argi = argi + 1; return ARGV[argi] end
local function kindOf(id) if string.byte(id, 1) == 64 then return 'e' end return 'o' end
local function readyKey(id) return P .. 'ready:' .. kindOf(id) end
-- resched puts an unlocked instance in its ready set, scored by the
-- earliest visibility of its messages, or takes it out when it has none.
local function resched(id)
  if redis.call('HEXISTS', P .. 'locked', id) == 1 then return false end
  local first = redis.call('ZRANGE', P .. 'q:' .. id, 0, 0, 'WITHSCORES')
  if #first == 0 then
    redis.call('ZREM', readyKey(id), id)
    return false
  end
  redis.call('ZADD', readyKey(id), first[2], id)
  return first[2]
end
-- readyAgain puts an instance that was just unlocked (so is in no ready
-- set) back in its ready set if it has messages.
local function readyAgain(id)
  local first = redis.call('ZRANGE', P .. 'q:' .. id, 0, 0, 'WITHSCORES')
  if #first == 0 then return false end
  redis.call('ZADD', readyKey(id), first[2], id)
  return first[2]
end
-- enqueue adds a message; its id orders messages by (due, arrival). It
-- returns whether the instance is unlocked.
local function enqueue(id, due, body)
  local seq = redis.call('INCR', P .. 'seq')
  local mid = string.format('%013d.%012d', tonumber(due), seq)
  redis.call('ZADD', P .. 'q:' .. id, due, mid)
  redis.call('HSET', P .. 'b:' .. id, mid, body)
  if redis.call('HEXISTS', P .. 'locked', id) == 1 then return false end
  redis.call('ZADD', readyKey(id), 'LT', due, id)
  return true
end
local function publish()
  local n = tonumber(arg())
  for i = 1, n do redis.call('PUBLISH', arg(), arg()) end
end
local function unindex(id, st, member)
  local k = P .. 'ix:' .. kindOf(id)
  redis.call('ZREM', k, member)
  redis.call('ZREM', k .. ':' .. st, member)
end
-- writeRow sets the row's meta, status and index members, keeps the id,
-- list and retention indexes in step and sets or clears the given
-- payloads, in as few calls as it can: this runs on every commit. cur is
-- the row's {st, ix, dx} when the caller has read them already.
local function writeRow(id, meta, st, member, done, payload, cur)
  local rk, kind = P .. 'r:' .. id, kindOf(id)
  local ix = P .. 'ix:' .. kind
  cur = cur or redis.call('HMGET', rk, 'st', 'ix', 'dx')
  if cur[2] ~= member then
    if cur[2] then
      redis.call('ZREM', ix, cur[2])
      redis.call('ZREM', ix .. ':' .. cur[1], cur[2])
    else
      redis.call('ZADD', P .. 'ids:' .. kind, 0, id)
    end
    redis.call('ZADD', ix, 0, member)
    redis.call('ZADD', ix .. ':' .. st, 0, member)
  elseif cur[1] ~= st then
    redis.call('ZREM', ix .. ':' .. cur[1], member)
    redis.call('ZADD', ix .. ':' .. st, 0, member)
  end
  local set, del = {'m', meta, 'st', st, 'ix', member}, {}
  if cur[3] ~= (done ~= '' and done or false) then
    if cur[3] then redis.call('ZREM', P .. 'done', cur[3]) end
    if done ~= '' then redis.call('ZADD', P .. 'done', 0, done) else del[1] = 'dx' end
  end
  if done ~= '' then set[#set + 1] = 'dx'; set[#set + 1] = done end
  for i = 1, #payload, 2 do
    if payload[i + 1] == '' then
      if cur[2] then del[#del + 1] = payload[i] end
    else
      set[#set + 1] = payload[i]; set[#set + 1] = payload[i + 1]
    end
  end
  redis.call('HSET', rk, unpack(set))
  if #del > 0 then redis.call('HDEL', rk, unpack(del)) end
end
-- dropInstance deletes an instance's row, history, messages and lock.
local function dropInstance(id)
  local rk = P .. 'r:' .. id
  local cur = redis.call('HMGET', rk, 'st', 'ix', 'dx')
  if cur[2] then unindex(id, cur[1], cur[2]) end
  if cur[3] then redis.call('ZREM', P .. 'done', cur[3]) end
  redis.call('ZREM', P .. 'ids:' .. kindOf(id), id)
  redis.call('DEL', rk, P .. 'h:' .. id, P .. 'q:' .. id, P .. 'b:' .. id)
  redis.call('HDEL', P .. 'locked', id)
  redis.call('ZREM', readyKey(id), id)
  return cur[2] ~= false
end
-- unlockAll gives back every instance locked in the partition.
local function unlockAll()
  local ids = redis.call('HKEYS', P .. 'locked')
  redis.call('DEL', P .. 'locked')
  for _, id in ipairs(ids) do readyAgain(id) end
  return #ids
end
-- rowAndHistory starts a work item reply: {'W', id, meta, input, output,
-- custom, status, index member, retention member, #history, history...},
-- or returns false when needRow is true and the instance has no row.
local function rowAndHistory(id, needRow)
  local out = {'W', id}
  local row = redis.call('HMGET', P .. 'r:' .. id, 'm', 'in', 'out', 'cs', 'st', 'ix', 'dx')
  if needRow and not row[1] then return false end
  for i = 1, 7 do out[#out + 1] = row[i] or '' end
  local hist = redis.call('LRANGE', P .. 'h:' .. id, 0, -1)
  out[#out + 1] = #hist
  for i = 1, #hist do out[#out + 1] = hist[i] end
  return out
end
-- take locks instance id if it is unlocked (known to be when unlocked is
-- true) and has visible messages, and returns the work item reply {'W',
-- id, meta, input, output, custom, status, index member, retention
-- member, #history, history..., #messages, (id, dequeue count, body)...,
-- 0}. The commit passes status and members back (see writeRow), since
-- the row cannot change while the instance is locked.
local function take(id, now, token, unlocked)
  if not unlocked and redis.call('HEXISTS', P .. 'locked', id) == 1 then return false end
  local mids = redis.call('ZRANGEBYSCORE', P .. 'q:' .. id, '-inf', now)
  if #mids == 0 then return false end
  table.sort(mids)
  redis.call('ZREM', readyKey(id), id)
  redis.call('HSET', P .. 'locked', id, token)
  local out = rowAndHistory(id)
  out[#out + 1] = #mids
  local bk = P .. 'b:' .. id
  local bodies = {}
  for i = 1, #mids, 500 do
    local part = redis.call('HMGET', bk, unpack(mids, i, math.min(#mids, i + 499)))
    for k = 1, #part do bodies[#bodies + 1] = part[k] end
  end
  for i = 1, #mids do
    out[#out + 1] = mids[i]
    out[#out + 1] = redis.call('HINCRBY', bk, mids[i] .. ':d', 1)
    out[#out + 1] = bodies[i] or ''
  end
  out[#out + 1] = 0
  return out
end
-- takeReady takes the ready instance of kind whose messages became
-- visible first; the reply's last element is 1 when another one is
-- ready (the second of the range, read with the first), else 0.
local function takeReady(kind, now, token)
  local ready = P .. 'ready:' .. kind
  for attempt = 1, 8 do
    local ids = redis.call('ZRANGEBYSCORE', ready, '-inf', now, 'LIMIT', 0, 2)
    if #ids == 0 then return false end
    local out = take(ids[1], now, token)
    if out then
      out[#out] = #ids - 1
      return out
    end
    if redis.call('HEXISTS', P .. 'locked', ids[1]) == 1 then redis.call('ZREM', ready, ids[1])
    else resched(ids[1]) end
  end
  return false
end
-- takeActivity takes the first visible activity request: {'W', id,
-- dequeue count, body, 1 if another request is visible else 0}.
local function takeActivity(now, untilMs, token)
  local acts = P .. 'acts'
  local ids = redis.call('ZRANGEBYSCORE', acts, '-inf', now, 'LIMIT', 0, 2)
  if #ids == 0 then return false end
  local aid, bk = ids[1], P .. 'actb'
  redis.call('ZADD', acts, untilMs, aid)
  redis.call('HSET', bk, aid .. ':l', token)
  local dq = redis.call('HINCRBY', bk, aid .. ':d', 1)
  return {'W', aid, dq, redis.call('HGET', bk, aid) or '', #ids - 1}
end
local function nextScore(key)
  local nxt = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return nxt[2] or ''
end
`

// newScript prefixes body with the helpers it uses (see withHelpers).
func newScript(body string) *goredis.Script { return goredis.NewScript(withHelpers(body)) }

// createScript: KEYS[1] row. ARGV: P, id, refused statuses ",s,s,", meta,
// input, status, member, due, body, handoff lease, handoff token, now,
// publishes. With a handoff lease that still holds, it locks the new
// instance and returns its work item; else {'OK'}, or {'E', status}.
var createScript = newScript(`
local id = ARGV[2]
local cur = redis.call('HMGET', KEYS[1], 'st', 'ix', 'dx')
if cur[1] then
  if string.find(ARGV[3], ',' .. cur[1] .. ',', 1, true) then return {'E', cur[1]} end
  dropInstance(id)
  cur = {false, false, false}
end
writeRow(id, ARGV[4], ARGV[6], ARGV[7], '', {'in', ARGV[5]}, cur)
local unlocked = enqueue(id, ARGV[8], ARGV[9])
argi = 12
publish()
if unlocked and ARGV[10] ~= '' and redis.call('GET', P .. 'lease') == ARGV[10] then
  local w = take(id, ARGV[12], ARGV[11], true)
  if w then return w end
end
return {'OK'}
`)

// sendScript: KEYS[1] the partition's sequence. ARGV: P, n, n × (id,
// due, body), publishes. It also delivers outbox entries.
var sendScript = newScript(`
local n = tonumber(ARGV[2])
argi = 2
for i = 1, n do
  local id, due, body = arg(), arg(), arg()
  enqueue(id, due, body)
end
publish()
return n
`)

// fetchScript: KEYS[1] lease. ARGV: P, owner, now, token, kind. It locks
// the ready instance of kind whose messages became visible first and
// returns its work item (see take; the last element counts instances
// still ready), or {'N', earliest future score or ""}, or {'L'} when the
// lease is not owner's.
var fetchScript = newScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[2] then return {'L'} end
local w = takeReady(ARGV[5], ARGV[3], ARGV[4])
if w then return w end
return {'N', nextScore(P .. 'ready:' .. ARGV[5])}
`)

// commitScript: KEYS[1] lease. ARGV: P, owner, now, id, token, flags
// ('r' write the row, 'h' replace history, 'c' create it: an inline
// start, refused unless the id has no row, history, messages or lock;
// 'o' a hand-off on a copy, see copies.go), meta, status, member,
// retention member ("" unless finished), prefetch kind and token ("" for
// none), #claimed activities, their lock end, the row's status, index
// and retention members as the fetch read them, the activity request
// whose result the commit records and its lock token ("" for none: see
// result.go), a token taking the partition's next activity request and
// its lock end ("" for none), a copy's row meta and history length
// ("" unless 'o'), the claimed tokens...,
// #payload fields, (field, value)..., #consumed, ids..., #history,
// events..., #messages, (id, due, body)..., #activities, bodies...,
// #outbox, (entry id, body)..., publishes. The first activities, as many
// as claimed, are queued already taken by the given tokens. It returns
// {'OK', the instance's new ready score or "", {claimed request ids},
// the prefetched work item or false, the next activity request or
// false}, {'L'} (lease lost) or {'X'} (lock lost).
var commitScript = newScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[2] then return {'L'} end
local id, now = ARGV[4], ARGV[3]
local flags = ARGV[6]
local created = string.find(flags, 'c', 1, true)
-- unheld: no lock in Redis to check or give back (an inline start, or a
-- hand-off run on the committing process's copy of the instance).
local unheld = created or string.find(flags, 'o', 1, true)
if created then
  -- An inline start: the id must still be free (no row, history,
  -- messages or lock), so there is no history to replace, no lock to
  -- give back and no message but the commit's own to schedule.
  if redis.call('EXISTS', P .. 'r:' .. id, P .. 'q:' .. id, P .. 'h:' .. id) > 0 or redis.call('HEXISTS', P .. 'locked', id) == 1 then
    return {'X'}
  end
elseif unheld then
  -- A hand-off on a copy: nobody holds the instance, no message waits
  -- for it, and its row (whose meta holds the last commit's time in
  -- nanoseconds) and history length are still those the copy was made of.
  if redis.call('HEXISTS', P .. 'locked', id) == 1 or redis.call('EXISTS', P .. 'q:' .. id) == 1
    or redis.call('HGET', P .. 'r:' .. id, 'm') ~= ARGV[22]
    or redis.call('LLEN', P .. 'h:' .. id) ~= tonumber(ARGV[23]) then
    return {'X'}
  end
elseif redis.call('HGET', P .. 'locked', id) ~= ARGV[5] then return {'X'} end
local raid = ARGV[18]
if raid ~= '' and redis.call('HGET', P .. 'actb', raid .. ':l') ~= ARGV[19] then
  -- A result hand-off whose activity lock was lost: nothing is written
  -- and the instance, if locked for the hand-off, is given back.
  if not unheld then
    redis.call('HDEL', P .. 'locked', id)
    readyAgain(id)
  end
  return {'X'}
end
argi = 23
local claims = {}
for i = 1, tonumber(ARGV[13]) do claims[i] = arg() end
local payload = {}
for i = 1, tonumber(arg()) * 2 do payload[i] = arg() end
if string.find(flags, 'r', 1, true) then
  local cur = {}
  for i = 1, 3 do cur[i] = ARGV[14 + i] ~= '' and ARGV[14 + i] end
  writeRow(id, ARGV[7], ARGV[8], ARGV[9], ARGV[10], payload, cur)
end
-- Consumed messages, activity requests and history go in chunks of 500
-- members per command: one command for the usual few, and within Lua's
-- stack for a fan-in of thousands.
local qk, bk = P .. 'q:' .. id, P .. 'b:' .. id
local nc = tonumber(arg())
for i = 1, nc, 500 do
  local mids, fields = {}, {}
  for k = i, math.min(nc, i + 499) do
    local mid = arg()
    mids[#mids + 1] = mid
    fields[#fields + 1] = mid
    fields[#fields + 1] = mid .. ':d'
  end
  redis.call('ZREM', qk, unpack(mids))
  redis.call('HDEL', bk, unpack(fields))
end
if raid ~= '' then
  redis.call('ZREM', P .. 'acts', raid)
  redis.call('HDEL', P .. 'actb', raid, raid .. ':l', raid .. ':d')
end
local hk = P .. 'h:' .. id
if not created and string.find(flags, 'h', 1, true) then redis.call('DEL', hk) end
local nh = tonumber(arg())
for i = 1, nh, 500 do
  local batch = {}
  for k = i, math.min(nh, i + 499) do batch[#batch + 1] = arg() end
  redis.call('RPUSH', hk, unpack(batch))
end
local toSelf = false
for i = 1, tonumber(arg()) do
  local to, due, body = arg(), arg(), arg()
  enqueue(to, due, body)
  toSelf = toSelf or to == id
end
local aids = {}
local na = tonumber(arg())
if na > 0 then
  local last = redis.call('INCRBY', P .. 'seq', na)
  for i = 1, na, 500 do
    local scores, fields = {}, {}
    for k = i, math.min(na, i + 499) do
      local aid = string.format('%012d', last - na + k)
      fields[#fields + 1] = aid
      fields[#fields + 1] = arg()
      scores[#scores + 1] = claims[k] and ARGV[14] or now
      scores[#scores + 1] = aid
      if claims[k] then
        fields[#fields + 1] = aid .. ':l'
        fields[#fields + 1] = claims[k]
        fields[#fields + 1] = aid .. ':d'
        fields[#fields + 1] = 1
        aids[#aids + 1] = aid
      end
    end
    redis.call('ZADD', P .. 'acts', unpack(scores))
    redis.call('HSET', P .. 'actb', unpack(fields))
  end
end
local no = tonumber(arg())
for i = 1, no, 500 do
  local fields = {}
  for k = i, math.min(no, i + 499) do
    fields[#fields + 1] = arg()
    fields[#fields + 1] = arg()
  end
  redis.call('HSET', P .. 'outbox', unpack(fields))
end
local score = ''
if not unheld then
  redis.call('HDEL', P .. 'locked', id)
  score = readyAgain(id) or ''
elseif toSelf then
  score = nextScore(qk)
end
publish()
local pre = false
if ARGV[12] ~= '' then pre = takeReady(ARGV[11], now, ARGV[12]) end
local nxt = false
if ARGV[20] ~= '' then nxt = takeActivity(now, ARGV[21], ARGV[20]) end
return {'OK', score, aids, pre, nxt}
`)

// abandonScript: KEYS[1] locked. ARGV: P, id, token, retry at, message
// ids... It returns {'OK', new ready score or ""} or {'X'}.
var abandonScript = newScript(`
local id = ARGV[2]
if redis.call('HGET', KEYS[1], id) ~= ARGV[3] then return {'X'} end
local qk = P .. 'q:' .. id
for i = 5, #ARGV do redis.call('ZADD', qk, 'XX', ARGV[4], ARGV[i]) end
redis.call('HDEL', KEYS[1], id)
return {'OK', readyAgain(id) or ''}
`)

// purgeScript: KEYS[1] row. ARGV: P, id, statuses ",s,s," the row must be
// in ("" for any). It returns 1 (purged), 0 (no row) or -1 (status not
// allowed).
var purgeScript = newScript(`
local cur = redis.call('HGET', KEYS[1], 'st')
if not cur then return 0 end
if ARGV[3] ~= '' and not string.find(ARGV[3], ',' .. cur .. ',', 1, true) then return -1 end
dropInstance(ARGV[2])
return 1
`)
