package devices

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// randomFleet is n devices with random (but seeded, so reproducible) version-4 UUIDs.
func randomFleet(n int) []Device {
	r := rand.New(rand.NewPCG(6, 6))
	devs := make([]Device, n)
	for i := range devs {
		a, b := r.Uint64(), r.Uint64()
		uuid := fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", a>>32, a>>16&0xffff, a&0xfff, 0x8000|b>>48&0x3fff, b&0xffffffffffff)
		devs[i] = Device{Name: fmt.Sprintf("dev%04d", i), AssetUUID: uuid}
	}
	return devs
}

// TestShardsPartitionTheFleet: for every n from 1 to 8, the n shards of 1000 devices are
// disjoint, cover the fleet, keep inventory order, are the same on every call and in any
// device order, and are roughly even.
func TestShardsPartitionTheFleet(t *testing.T) {
	fleet := randomFleet(1000)
	reversed := make([]Device, len(fleet))
	for i, d := range fleet {
		reversed[len(fleet)-1-i] = d
	}
	for n := 1; n <= 8; n++ {
		owner := map[string]int{}
		for i := 0; i < n; i++ {
			shard := Shard(fleet, i, n)
			again := Shard(fleet, i, n)
			fromReversed := Shard(reversed, i, n)
			if len(again) != len(shard) || len(fromReversed) != len(shard) {
				t.Fatalf("n=%d i=%d: %d devices, then %d, then %d from the reversed fleet", n, i, len(shard), len(again), len(fromReversed))
			}
			for k, d := range shard {
				if again[k].Name != d.Name || fromReversed[len(shard)-1-k].Name != d.Name {
					t.Fatalf("n=%d i=%d: shard differs between calls at %d", n, i, k)
				}
				if k > 0 && shard[k-1].Name >= d.Name {
					t.Fatalf("n=%d i=%d: inventory order lost at %s", n, i, d.Name)
				}
				if prev, dup := owner[d.Name]; dup {
					t.Fatalf("n=%d: %s is in shards %d and %d", n, d.Name, prev, i)
				}
				owner[d.Name] = i
			}
			// 1000/n devices expected; a hash that clumps would leave a host doing most of the work.
			if want := 1000 / n; len(shard) < want*7/10 || len(shard) > want*13/10 {
				t.Errorf("n=%d i=%d: %d devices, want about %d", n, i, len(shard), want)
			}
		}
		if len(owner) != len(fleet) {
			t.Errorf("n=%d: shards cover %d of %d devices", n, len(owner), len(fleet))
		}
	}
}

// TestShardOfIsPinned: the placement is a contract between hosts that may run different
// versions; these values (computed independently with Python's hashlib from the definition)
// must never change. Case does not matter, and a device without a UUID is placed by its name.
func TestShardOfIsPinned(t *testing.T) {
	for _, tc := range []struct {
		dev  Device
		n    int
		want int
	}{
		{Device{AssetUUID: "1c0f5a2e-1111-4222-8333-444455556666"}, 4, 1},
		{Device{AssetUUID: "1C0F5A2E-1111-4222-8333-444455556666"}, 4, 1},
		{Device{AssetUUID: "7d2e0000-aaaa-4bbb-8ccc-dddddddddddd"}, 7, 0},
		{Device{Name: "new-sw"}, 5, 4},
		{Device{AssetUUID: "anything"}, 1, 0},
	} {
		if got := ShardOf(tc.dev, tc.n); got != tc.want {
			t.Errorf("ShardOf(%+v, %d) = %d, want %d", tc.dev, tc.n, got, tc.want)
		}
	}
}

func TestParseShard(t *testing.T) {
	for _, tc := range []struct {
		in      string
		i, n    int
		wantErr string
	}{
		{in: "0/1", i: 0, n: 1},
		{in: "3/4", i: 3, n: 4},
		{in: " 2/8 ", i: 2, n: 8},
		{in: "4/4", wantErr: "i must be between 0 and 3 (shards are numbered from 0)"},
		{in: "-1/4", wantErr: "i must be between 0 and 3"},
		{in: "0/0", wantErr: "n must be between 1 and 1024"},
		{in: "0/5000", wantErr: "n must be between 1 and 1024"},
		{in: "1", wantErr: "want i/n, e.g. 0/4"},
		{in: "a/4", wantErr: "whole numbers"},
		{in: "1/4/2", wantErr: "whole numbers"},
		{in: "", wantErr: "want i/n"},
	} {
		i, n, err := ParseShard(tc.in)
		if tc.wantErr != "" {
			if err == nil || !errors.Is(err, ErrShard) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseShard(%q) = %d, %d, %v; want error %q", tc.in, i, n, err, tc.wantErr)
			}
			continue
		}
		if err != nil || i != tc.i || n != tc.n {
			t.Errorf("ParseShard(%q) = %d, %d, %v; want %d/%d", tc.in, i, n, err, tc.i, tc.n)
		}
	}
	if got := Shard(randomFleet(10), 5, 4); len(got) != 0 {
		t.Errorf("out-of-range shard selected %d devices", len(got))
	}
}
