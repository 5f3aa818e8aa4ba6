package durable

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/godurable/durablefunctions/internal/history"
)

// EntityID identifies a durable entity: its name (case-insensitive) and its
// key (case-sensitive).
type EntityID struct {
	Name string
	Key  string
}

// NewEntityID returns the id of the entity name with key.
func NewEntityID(name, key string) EntityID { return EntityID{Name: name, Key: key} }

// String returns the scheduler id used as the entity's instance id:
// "@" + lower-cased name + "@" + key.
func (id EntityID) String() string { return "@" + strings.ToLower(id.Name) + "@" + id.Key }

// ParseEntityID parses a scheduler id of the form "@name@key".
func ParseEntityID(s string) (EntityID, error) {
	name, key, ok := history.SplitEntityID(s)
	if !ok {
		return EntityID{}, fmt.Errorf("durable: %q is not an entity instance id (want @name@key)", s)
	}
	return EntityID{Name: name, Key: key}, nil
}

// Validate reports names and keys that cannot be used: empty names, keys
// longer than MaxInstanceIDLength, and characters Azure Storage keys and
// URLs cannot carry.
func (id EntityID) Validate() error {
	if id.Name == "" {
		return fmt.Errorf("%w: the entity name is empty", ErrInvalidEntityID)
	}
	if strings.Contains(id.Name, "@") {
		return fmt.Errorf("%w: entity name %q must not contain '@'", ErrInvalidEntityID, id.Name)
	}
	if n := utf8.RuneCountInString(id.Key); n > MaxInstanceIDLength {
		return fmt.Errorf("%w: the entity key is %d characters long; the limit is %d", ErrInvalidEntityID, n, MaxInstanceIDLength)
	}
	if !utf8.ValidString(id.Name) || !utf8.ValidString(id.Key) {
		return fmt.Errorf("%w: the entity name or key is not valid UTF-8", ErrInvalidEntityID)
	}
	for _, part := range []struct{ what, s string }{{"name", id.Name}, {"key", id.Key}} {
		for _, r := range part.s {
			if r == '/' || r == '\\' || r == '#' || r == '?' || r < 0x20 || (r >= 0x7f && r <= 0x9f) {
				return fmt.Errorf("%w: entity %s %q contains %q, which is not allowed (no / \\ # ? or control characters)", ErrInvalidEntityID, part.what, part.s, r)
			}
		}
	}
	return nil
}
