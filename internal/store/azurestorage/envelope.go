package azurestorage

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf16"

	"github.com/godurable/durablefunctions/internal/history"
)

// envelope is the JSON body of every queue message (control queues and
// the work-item queue). It is this store's own format, documented in
// docs/azure-storage.md; it is not the .NET MessageData format.
type envelope struct {
	// V is the format version (1).
	V int `json:"v"`
	// ID identifies the logical message: it survives redelivery and is
	// what receivers de-duplicate on.
	ID          string `json:"id"`
	InstanceID  string `json:"instanceId"`
	ExecutionID string `json:"executionId,omitempty"`
	// VisibleAt is when the message is due (durable timers, scheduled
	// starts); the queue's visibility delay is capped at 6 days, so a
	// message may surface earlier and is then put back.
	VisibleAt time.Time `json:"visibleAt"`
	// Event is the history event carried (TaskScheduled on the work-item
	// queue).
	Event *history.Event `json:"event,omitempty"`
	// Blob, in a stub, names the gzip'd full envelope in
	// {hub}-largemessages.
	Blob string `json:"blob,omitempty"`
	// Deliveries counts deliveries the queue's DequeueCount does not
	// (1 for a message this store enqueued locked and buffered at once,
	// without a dequeue); readers add it to DequeueCount.
	Deliveries int `json:"deliveries,omitempty"`
}

// maxQueueMessageBytes is the envelope size above which the envelope is
// offloaded to a blob (queue messages are limited to 64 KiB).
const maxQueueMessageBytes = 45 * 1024

// maxTablePropertyBytes is the UTF-16 size above which a table string
// property is offloaded to a blob (properties are limited to 64 KiB).
const maxTablePropertyBytes = 60 * 1024

func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

func randHex8() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%08X", b[:])
}

// encodeEnvelope returns the queue text for env. When it is too large it
// returns the stub text plus the blob name and gzip'd bytes to upload
// first.
func encodeEnvelope(env *envelope) (text string, blobName string, blob []byte, err error) {
	env.V = 1
	b, err := json.Marshal(env)
	if err != nil {
		return "", "", nil, err
	}
	if len(b) <= maxQueueMessageBytes {
		return string(b), "", nil, nil
	}
	et := "Unknown"
	if env.Event != nil {
		et = env.Event.EventType.String()
	}
	blobName = EscapeKey(env.InstanceID) + "/message-" + env.ID + "-" + et + ".json.gz"
	gz, err := gzipBytes(b)
	if err != nil {
		return "", "", nil, err
	}
	stub := envelope{V: 1, ID: env.ID, InstanceID: env.InstanceID, ExecutionID: env.ExecutionID, VisibleAt: env.VisibleAt, Blob: blobName}
	sb, err := json.Marshal(&stub)
	if err != nil {
		return "", "", nil, err
	}
	return string(sb), blobName, gz, nil
}

// decodeEnvelope parses queue text: JSON, or Base64 of JSON (as written by
// other Azure Storage queue clients). A stub's Blob is left for the caller
// to resolve.
func decodeEnvelope(text string) (*envelope, error) {
	raw := []byte(text)
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
		dec, err := base64.StdEncoding.DecodeString(string(t))
		if err != nil {
			return nil, errors.New("queue message is neither JSON nor Base64")
		}
		raw = dec
	}
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, fmt.Errorf("queue message: %w", err)
	}
	if env.V != 1 {
		return nil, fmt.Errorf("queue message: unsupported envelope version %d", env.V)
	}
	if env.InstanceID == "" {
		return nil, errors.New("queue message: no instance id")
	}
	if env.Blob == "" && env.Event == nil {
		return nil, errors.New("queue message: no event")
	}
	return &env, nil
}

// decodeLarge parses the gzip'd full envelope of a stub.
func decodeLarge(gz []byte) (*envelope, error) {
	b, err := gunzipBytes(gz)
	if err != nil {
		return nil, err
	}
	env, err := decodeEnvelope(string(b))
	if err != nil {
		return nil, err
	}
	if env.Event == nil {
		return nil, errors.New("large queue message: no event")
	}
	return env, nil
}

func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func gunzipBytes(b []byte) ([]byte, error) {
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(io.LimitReader(r, 256<<20))
}

// utf16Size is the size of s in UTF-16 bytes, the measure the table
// service's 64 KiB property limit uses.
func utf16Size(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return 2 * n
}

// tooLargeForTable reports whether a string property must be offloaded.
func tooLargeForTable(s string) bool {
	// Fast path: even if every byte were one UTF-16 unit it fits.
	if len(s)*2 <= maxTablePropertyBytes {
		return false
	}
	return utf16Size(s) > maxTablePropertyBytes
}
