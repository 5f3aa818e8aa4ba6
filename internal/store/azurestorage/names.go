package azurestorage

import (
	"fmt"
	"hash/fnv"
	"regexp"
	"strings"
)

// Task hub resource names, following the Durable Task Framework's Azure
// Storage provider so that its tools (Azure Storage Explorer, Durable
// Functions Monitor, the scale controller) find them.

var hubNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{2,44}$`)

// ValidateHubName checks a task hub name: alphanumeric, starting with a
// letter, 3 to 45 characters (so that "{hub}-largemessages" stays a valid
// container name).
func ValidateHubName(hub string) error {
	if !hubNameRE.MatchString(hub) {
		return fmt.Errorf("azurestorage: invalid task hub name %q: it must be alphanumeric, start with a letter, and be between 3 and 45 characters long", hub)
	}
	return nil
}

// ControlQueueName is the name of control queue i of hub.
func ControlQueueName(hub string, i int) string {
	return fmt.Sprintf("%s-control-%02d", strings.ToLower(hub), i)
}

// WorkItemQueueName is the activity queue of hub.
func WorkItemQueueName(hub string) string { return strings.ToLower(hub) + "-workitems" }

// PoisonQueueName receives messages that cannot be decoded at all.
func PoisonQueueName(hub string) string { return strings.ToLower(hub) + "-poison" }

// HistoryTableName is the history table of hub (case kept).
func HistoryTableName(hub string) string { return hub + "History" }

// InstancesTableName is the instance-status table of hub.
func InstancesTableName(hub string) string { return hub + "Instances" }

// DefaultTrackingNamePrefix names the tracking tables in a separate
// tracking account when no prefix is set, as in Durable Functions.
const DefaultTrackingNamePrefix = "DurableTask"

var trackingPrefixRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{0,53}$`)

// ValidateTrackingNamePrefix checks a tracking table prefix: with
// "Instances" after it, it must make a valid table name (alphanumeric,
// starting with a letter, at most 63 characters).
func ValidateTrackingNamePrefix(prefix string) error {
	if !trackingPrefixRE.MatchString(prefix) {
		return fmt.Errorf("azurestorage: invalid tracking store name prefix %q: it must be alphanumeric, start with a letter, and be at most 54 characters long", prefix)
	}
	return nil
}

// TrackingTableNames are the History and Instances tables of hub. As in
// the Durable Task Framework, the prefix applies only to a separate
// tracking account (separate): there the tables are {prefix}History and
// {prefix}Instances, prefix defaulting to DurableTask; in the hub's own
// account they are always {hub}History and {hub}Instances.
func TrackingTableNames(hub string, separate bool, prefix string) (history, instances string) {
	if !separate {
		return HistoryTableName(hub), InstancesTableName(hub)
	}
	if prefix == "" {
		prefix = DefaultTrackingNamePrefix
	}
	return prefix + "History", prefix + "Instances"
}

// LeasesContainerName holds the partition lease blobs and taskhub.json.
func LeasesContainerName(hub string) string { return strings.ToLower(hub) + "-leases" }

// LargeMessagesContainerName holds gzip'd large payloads.
func LargeMessagesContainerName(hub string) string { return strings.ToLower(hub) + "-largemessages" }

// PartitionIndex routes an instance to its control queue: FNV-1a (32 bit)
// over the UTF-8 bytes of the raw instance id, modulo the partition count.
func PartitionIndex(instanceID string, partitionCount int) int {
	h := fnv.New32a()
	h.Write([]byte(instanceID))
	return int(h.Sum32() % uint32(partitionCount))
}

// EscapeKey escapes an instance id for use as a table PartitionKey: '^'
// is the escape character; '/', '\', '#', '?' and control characters are
// not allowed in keys.
func EscapeKey(id string) string {
	if !needsEscape(id) {
		return id
	}
	var b strings.Builder
	for _, r := range id {
		switch {
		case r == '^':
			b.WriteString("^^")
		case r == '/':
			b.WriteString("^0")
		case r == '\\':
			b.WriteString("^1")
		case r == '#':
			b.WriteString("^2")
		case r == '?':
			b.WriteString("^3")
		case r <= 0x1F || (r >= 0x7F && r <= 0x9F):
			b.WriteByte('^')
			b.WriteRune(rune(0xC0 + r))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func needsEscape(id string) bool {
	for _, r := range id {
		if r == '^' || r == '/' || r == '\\' || r == '#' || r == '?' || r <= 0x1F || (r >= 0x7F && r <= 0x9F) {
			return true
		}
	}
	return false
}

// UnescapeKey inverts EscapeKey.
func UnescapeKey(key string) string {
	if !strings.ContainsRune(key, '^') {
		return key
	}
	var b strings.Builder
	rs := []rune(key)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if r != '^' || i+1 == len(rs) {
			b.WriteRune(r)
			continue
		}
		i++
		switch n := rs[i]; n {
		case '^':
			b.WriteRune('^')
		case '0':
			b.WriteRune('/')
		case '1':
			b.WriteRune('\\')
		case '2':
			b.WriteRune('#')
		case '3':
			b.WriteRune('?')
		default:
			b.WriteRune(n - 0xC0)
		}
	}
	return b.String()
}

// rowKey formats a history sequence number as the provider does: 16
// upper-case hex digits.
func rowKey(i int) string { return fmt.Sprintf("%016X", i) }

const sentinelRowKey = "sentinel"
