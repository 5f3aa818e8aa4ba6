package durable

import (
	"fmt"
	"unicode/utf8"
)

// MaxInstanceIDLength is the longest instance id accepted.
const MaxInstanceIDLength = 256

// ValidateInstanceID reports why id cannot be an orchestration instance id:
// ids are 1 to 256 characters, do not start with '@' (reserved for
// entities), are not "." or "..", and contain no '/', '\', '#', '?' or
// control characters, which Azure Storage keys and URLs cannot carry.
func ValidateInstanceID(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("%w: the id is empty", ErrInvalidInstanceID)
	case id == "." || id == "..":
		// URL clients collapse them as path segments.
		return fmt.Errorf("%w: %q is a path segment, not an id", ErrInvalidInstanceID, id)
	case utf8.RuneCountInString(id) > MaxInstanceIDLength:
		return fmt.Errorf("%w: the id is %d characters long; the limit is %d", ErrInvalidInstanceID, utf8.RuneCountInString(id), MaxInstanceIDLength)
	case id[0] == '@':
		return fmt.Errorf("%w: %q starts with '@', which is reserved for entities", ErrInvalidInstanceID, id)
	case !utf8.ValidString(id):
		return fmt.Errorf("%w: the id is not valid UTF-8", ErrInvalidInstanceID)
	}
	for _, r := range id {
		if r == '/' || r == '\\' || r == '#' || r == '?' || r < 0x20 || (r >= 0x7f && r <= 0x9f) {
			return fmt.Errorf("%w: %q contains %q; ids may not contain '/', '\\', '#', '?' or control characters", ErrInvalidInstanceID, id, r)
		}
	}
	return nil
}
