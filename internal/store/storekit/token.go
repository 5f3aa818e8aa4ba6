package storekit

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/godurable/durablefunctions/internal/store"
)

// Cursor is the position a continuation token encodes: the last instance
// of the previous page. Pages of key-ordered queries (ByID) resume after
// the id alone; others after (CreatedAt, InstanceID).
type Cursor struct {
	CreatedAt  time.Time
	InstanceID string
	ByID       bool
}

// Token versions: "1" resumes after (CreatedAt, id), "k" after an id,
// "t" holds a table service's own continuation keys.
const (
	createdVersion = "1"
	keyVersion     = "k"
	tableVersion   = "t"
)

// CursorAfter returns the cursor that resumes q's listing after inst.
func CursorAfter(q *store.Query, inst *store.Instance) Cursor {
	return Cursor{CreatedAt: inst.CreatedAt, InstanceID: inst.InstanceID, ByID: KeyOrdered(q)}
}

// EncodeToken returns the continuation token that resumes after c.
func EncodeToken(c Cursor) string {
	raw := createdVersion + ":" + strconv.FormatInt(c.CreatedAt.UnixNano(), 10) + ":" + c.InstanceID
	if c.ByID {
		raw = keyVersion + ":" + c.InstanceID
	}
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func invalidToken(why string) error {
	return fmt.Errorf("%w: %s continuation token", store.ErrInvalidQuery, why)
}

// DecodeToken parses a continuation token. The empty token is the start
// (ok false). A token this package did not make fails with
// store.ErrInvalidQuery.
func DecodeToken(token string) (c Cursor, ok bool, err error) {
	if token == "" {
		return Cursor{}, false, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return Cursor{}, false, invalidToken("malformed")
	}
	version, rest, _ := strings.Cut(string(raw), ":")
	switch version {
	case keyVersion:
		return Cursor{InstanceID: rest, ByID: true}, true, nil
	case createdVersion:
		ns, id, found := strings.Cut(rest, ":")
		n, err := strconv.ParseInt(ns, 10, 64)
		if !found || err != nil {
			return Cursor{}, false, invalidToken("malformed")
		}
		return Cursor{CreatedAt: time.Unix(0, n).UTC(), InstanceID: id}, true, nil
	}
	return Cursor{}, false, invalidToken("malformed")
}

// ResumeCursor decodes q's continuation token and checks that it was made
// for a query of q's order (a token is only valid for the query that
// returned it).
func ResumeCursor(q *store.Query) (c Cursor, ok bool, err error) {
	c, ok, err = DecodeToken(q.ContinuationToken)
	if err == nil && ok && c.ByID != KeyOrdered(q) {
		return Cursor{}, false, invalidToken("another query's")
	}
	return c, ok, err
}

// After reports whether inst comes after cursor c in list order.
func (c Cursor) After(inst *store.Instance) bool {
	if !c.ByID && !inst.CreatedAt.Equal(c.CreatedAt) {
		return inst.CreatedAt.After(c.CreatedAt)
	}
	return inst.InstanceID > c.InstanceID
}

// EncodeTableToken wraps a table service's continuation keys (the next
// partition and row key to read) as a continuation token.
func EncodeTableToken(nextPartition, nextRow string) string {
	raw := tableVersion + ":" + strconv.Itoa(len(nextPartition)) + ":" + nextPartition + nextRow
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// DecodeTableToken parses a token EncodeTableToken made (ok false for the
// empty token).
func DecodeTableToken(token string) (nextPartition, nextRow string, ok bool, err error) {
	if token == "" {
		return "", "", false, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", "", false, invalidToken("malformed")
	}
	version, rest, _ := strings.Cut(string(raw), ":")
	n, keys, found := strings.Cut(rest, ":")
	size, err := strconv.Atoi(n)
	if version != tableVersion || !found || err != nil || size < 0 || size > len(keys) {
		return "", "", false, invalidToken("malformed")
	}
	return keys[:size], keys[size:], true, nil
}
