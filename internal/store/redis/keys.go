package redis

import (
	"fmt"
	"hash/fnv"
	"regexp"
	"strconv"
)

// Key layout (docs/redis.md has the full table). Every key of partition p
// of hub H starts with "dt:{H:p}:", so its hash tag {H:p} puts the whole
// partition (its instances, their queues, its ready sets, activity queue,
// indexes, lease and outbox) in one cluster hash slot: one Lua script can
// change any of it atomically. Hub-wide keys use the tag {H}.

// hubNamePattern keeps hub names free of the characters that would break
// hash tags ('{', '}') and of anything surprising in key names.
var hubNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// ValidateHubName reports whether name can name a task hub.
func ValidateHubName(name string) error {
	if !hubNamePattern.MatchString(name) {
		return fmt.Errorf("redis store: hub name %q must be 1-64 letters, digits, '-' or '_', starting with a letter or digit", name)
	}
	return nil
}

type keys struct {
	hub   string // "dt:{H}:"
	parts []string
}

func newKeys(hub string, partitions int) keys {
	k := keys{hub: "dt:{" + hub + "}:", parts: make([]string, partitions)}
	for p := range k.parts {
		k.parts[p] = "dt:{" + hub + ":" + strconv.Itoa(p) + "}:"
	}
	return k
}

// partition returns the partition of an instance: FNV-1a-32 of its id
// modulo the partition count, as the Azure Storage store does.
func (k keys) partition(instanceID string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(instanceID))
	return int(h.Sum32() % uint32(len(k.parts)))
}

// prefix is partition p's key prefix; scripts take it as ARGV[1] and
// derive every other key name from it.
func (k keys) prefix(p int) string { return k.parts[p] }

func (k keys) lease(p int) string  { return k.parts[p] + "lease" }
func (k keys) acts(p int) string   { return k.parts[p] + "acts" }
func (k keys) outbox(p int) string { return k.parts[p] + "outbox" }
func (k keys) locked(p int) string { return k.parts[p] + "locked" }
func (k keys) seq(p int) string    { return k.parts[p] + "seq" }
func (k keys) done(p int) string   { return k.parts[p] + "done" }

func (k keys) row(p int, id string) string  { return k.parts[p] + "r:" + id }
func (k keys) hist(p int, id string) string { return k.parts[p] + "h:" + id }

// index is partition p's list index of instances of kind ("o" or "e"), in
// one status when status >= 0.
func (k keys) index(p int, kind string, status int) string {
	if status < 0 {
		return k.parts[p] + "ix:" + kind
	}
	return k.parts[p] + "ix:" + kind + ":" + strconv.Itoa(status)
}

// ids is partition p's index of the ids of instances of kind, in id
// order.
func (k keys) ids(p int, kind string) string { return k.parts[p] + "ids:" + kind }

func (k keys) meta() string    { return k.hub + "meta" }
func (k keys) workers() string { return k.hub + "workers" }

// Pub/sub channels (not keys: no slot). wakeChannel(p) tells the owner of
// partition p that one of its instances has a message; actsChannel tells
// every worker that an activity request was queued.
func (k keys) wakeChannel(p int) string { return k.hub + "wake:" + strconv.Itoa(p) }
func (k keys) actsChannel() string      { return k.hub + "acts" }

// kindCode is the ready-set and index suffix of an instance id's kind.
func kindCode(instanceID string) string {
	if len(instanceID) > 0 && instanceID[0] == '@' {
		return "e"
	}
	return "o"
}
