package devices

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// MaxShards bounds n in "--shard i/n": more jump hosts or pods than this for one fleet is a
// typo, not a plan.
const MaxShards = 1024

// ErrShard marks a malformed --shard value; the CLI exits 2 for it.
var ErrShard = errors.New("invalid shard")

// ParseShard reads "i/n": shard i of n, numbered from 0 like a Kubernetes Indexed Job's
// JOB_COMPLETION_INDEX, so "--shard $(JOB_COMPLETION_INDEX)/4" needs no arithmetic. "4/4" is
// refused rather than read as the 1-based last shard: a silent off-by-one would collect one
// shard twice and another never.
func ParseShard(s string) (i, n int, err error) {
	is, ns, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return 0, 0, fmt.Errorf("%w %q: want i/n, e.g. 0/4 (shards are numbered from 0)", ErrShard, s)
	}
	i, ierr := strconv.Atoi(is)
	n, nerr := strconv.Atoi(ns)
	switch {
	case ierr != nil || nerr != nil:
		return 0, 0, fmt.Errorf("%w %q: want i/n with whole numbers, e.g. 0/4", ErrShard, s)
	case n < 1 || n > MaxShards:
		return 0, 0, fmt.Errorf("%w %q: n must be between 1 and %d", ErrShard, s, MaxShards)
	case i < 0 || i >= n:
		return 0, 0, fmt.Errorf("%w %q: i must be between 0 and %d (shards are numbered from 0)", ErrShard, s, n-1)
	}
	return i, n, nil
}

// Shard returns the devices of shard i of n, in their order. A device belongs to shard
// ShardOf(device, n): n jump hosts or pods each running their own i split a fleet with no
// overlap, no gap and no coordinator, and a device stays in its shard when others are added or
// removed. i and n are expected to have passed ParseShard; out of range, no device matches.
func Shard(devs []Device, i, n int) []Device {
	var out []Device
	for _, d := range devs {
		if n > 0 && ShardOf(d, n) == i {
			out = append(out, d)
		}
	}
	return out
}

// ShardOf is the shard of d among n: SHA-256 of the lowercased asset UUID, first 8 bytes as a
// big-endian integer, modulo n. The UUID, not the name or address, because it is the device's
// identity at Qualys and does not change when a device is renamed or renumbered. A device that
// has no asset UUID yet (waiting for provisioning) is placed by "name:" + its name instead.
// This is part of the on-disk contract: changing it moves devices between hosts.
func ShardOf(d Device, n int) int {
	key := strings.ToLower(d.AssetUUID)
	if key == "" {
		key = "name:" + d.Name
	}
	sum := sha256.Sum256([]byte(key))
	return int(binary.BigEndian.Uint64(sum[:8]) % uint64(n))
}
