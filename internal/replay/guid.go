package replay

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
)

// guidNamespace is the RFC 4122 namespace the .NET Durable Functions SDK uses
// for NewGuid, so ids derived the same way match across SDKs.
var guidNamespace = [16]byte{0x9e, 0x95, 0x29, 0x59, 0x5e, 0x33, 0x4d, 0xaf, 0x82, 0x7f, 0x2f, 0xa1, 0x29, 0x37, 0xb8, 0x75}

// NewGUID returns a deterministic RFC 4122 version 5 UUID derived from the
// instance id, the current orchestration time and a per-execution counter,
// as the .NET SDK does: replays produce the same sequence of ids.
func (c *Context) NewGUID() string {
	name := c.instanceID + "_" + formatDotNetRoundTrip(c.now) + "_" + strconv.Itoa(c.guidCounter)
	c.guidCounter++
	return uuidV5(guidNamespace, name)
}

func uuidV5(ns [16]byte, name string) string {
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = (u[6] & 0x0f) | 0x50
	u[8] = (u[8] & 0x3f) | 0x80
	var buf [36]byte
	hex.Encode(buf[0:8], u[0:4])
	buf[8] = '-'
	hex.Encode(buf[9:13], u[4:6])
	buf[13] = '-'
	hex.Encode(buf[14:18], u[6:8])
	buf[18] = '-'
	hex.Encode(buf[19:23], u[8:10])
	buf[23] = '-'
	hex.Encode(buf[24:], u[10:])
	return string(buf[:])
}

// formatDotNetRoundTrip formats t like .NET's "o" format for a UTC DateTime:
// seven fractional digits and a Z.
func formatDotNetRoundTrip(t time.Time) string {
	t = t.UTC()
	return t.Format("2006-01-02T15:04:05") + "." + pad7(t.Nanosecond()/100) + "Z"
}

func pad7(n int) string {
	s := strconv.Itoa(n)
	for len(s) < 7 {
		s = "0" + s
	}
	return s
}

// messageID names the entity message the next sequence number will send.
// It depends only on the execution and the sequence number, not on time, so
// an episode that runs twice (a worker that lost its lease still finishing
// it, or a retry after a crash between sending and checkpointing) sends
// messages with the same ids, and the entity drops the repeats.
func (c *Context) messageID() string {
	if id := c.recordedMessageID(); id != "" {
		return id
	}
	return uuidV5(guidNamespace, c.instanceID+"_"+c.ExecutionID()+"_msg_"+strconv.Itoa(c.seq))
}

// recordedMessageID returns the request id history recorded for the entity
// message about to be scheduled, or "" for a new message. History is the
// truth for generated ids: a history written by another SDK (random GUIDs)
// or by an older version of this one replays with the ids it was written
// with, so entity replies, named after those ids, still match.
func (c *Context) recordedMessageID() string {
	if c.isNew() {
		return ""
	}
	e := c.sched[c.seq]
	if e.EventType != history.EventSent || e.Input == "" {
		return ""
	}
	var req struct {
		ID string `json:"id"`
	}
	if json.Unmarshal([]byte(e.Input), &req) != nil {
		return ""
	}
	return req.ID
}
