package history

import "strings"

// SplitEntityID splits an entity's instance id, "@name@key", into its
// name and key. ok is false when id is not of that form (no leading '@',
// no second '@', or an empty name); name and key are then what the lax
// reading gives, for callers that only label things with them. The name
// is returned as written: ids the runtime makes carry it lower-cased.
func SplitEntityID(id string) (name, key string, ok bool) {
	rest, isEntity := strings.CutPrefix(id, "@")
	name, key, found := strings.Cut(rest, "@")
	return name, key, isEntity && found && name != ""
}
