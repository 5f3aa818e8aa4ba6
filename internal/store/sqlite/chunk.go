package sqlite

import (
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/godurable/durablefunctions/internal/history"
)

// A history row holds either one event (the only form before schema
// version 3, and still the form of a commit that appends one event) or a
// chunk: every event one commit appended, in one blob keyed by the first
// event's seq. One row per commit instead of one per event spares the
// writer three or four INSERTs per episode; the seq keys still order the
// rows, and a chunk at seq s holds events s, s+1, … so the next commit's
// first seq is still the length of the history.
//
// A chunk blob is chunkTag, the number of events (uvarint), then each
// event's blob preceded by its length (uvarint). An event blob is never
// empty and starts with '{' (JSON) or eventTag (encodeEvent's binary
// form), so the first byte tells the forms apart.
const chunkTag = 0x01

// encodeChunk returns the history blob of one commit's new events, each
// already encoded.
func encodeChunk(events [][]byte) []byte {
	if len(events) == 1 {
		return events[0]
	}
	n := 1 + binary.MaxVarintLen64
	for _, e := range events {
		n += binary.MaxVarintLen64 + len(e)
	}
	out := make([]byte, 0, n)
	out = append(out, chunkTag)
	out = binary.AppendUvarint(out, uint64(len(events)))
	for _, e := range events {
		out = binary.AppendUvarint(out, uint64(len(e)))
		out = append(out, e...)
	}
	return out
}

var errBadChunk = errors.New("malformed history chunk")

// appendHistoryBlob decodes one history row's blob, one event or a
// chunk, onto hist.
func appendHistoryBlob(hist []*history.Event, b []byte) ([]*history.Event, error) {
	if len(b) == 0 || b[0] != chunkTag {
		e, err := decodeEvent(b)
		if err != nil {
			return hist, err
		}
		return append(hist, e), nil
	}
	b = b[1:]
	count, k := binary.Uvarint(b)
	if k <= 0 || count > uint64(len(b)) {
		return hist, errBadChunk
	}
	b = b[k:]
	hist = growEvents(hist, int(count))
	for range count {
		size, k := binary.Uvarint(b)
		if k <= 0 || size > uint64(len(b)-k) {
			return hist, errBadChunk
		}
		e, err := decodeEvent(b[k : k+int(size)])
		if err != nil {
			return hist, err
		}
		hist = append(hist, e)
		b = b[k+int(size):]
	}
	if len(b) != 0 {
		return hist, errBadChunk
	}
	return hist, nil
}

func growEvents(hist []*history.Event, n int) []*history.Event {
	if cap(hist)-len(hist) >= n {
		return hist
	}
	out := make([]*history.Event, len(hist), len(hist)+n+len(hist)/2)
	copy(out, hist)
	return out
}

// scanHistory reads the rows of selHistory into events. It returns a
// non-nil slice, empty when there are no rows.
func scanHistory(rows *sql.Rows) ([]*history.Event, error) {
	hist := []*history.Event{}
	for rows.Next() {
		var b sql.RawBytes // decoding copies what it keeps
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		var err error
		if hist, err = appendHistoryBlob(hist, b); err != nil {
			return nil, fmt.Errorf("history row %d: %w", len(hist), err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return hist, nil
}
