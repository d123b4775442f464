package devices

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestAlgorithmsSettings(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	src := `version: 1
ssh:
  algorithms:
    kex: [curve25519-sha256, diffie-hellman-group14-sha256]
  keepalive_interval: 0
credentials: {ops: {username: oca, password_env: OPS_PASSWORD}}
command_sets: {base: {commands: [show version]}}
defaults: {credential: ops, command_set: base, platform: cisco_ios}
groups:
  old-switches:
    ssh: {algorithms: legacy, keepalive_interval: 1m, keepalive_count_max: 10}
devices:
  - {name: new, host: h1, asset_uuid: 00000000-0000-4000-8000-000000000001}
  - {name: old, host: h2, asset_uuid: 00000000-0000-4000-8000-000000000002, groups: [old-switches]}
  - name: pinned
    host: h3
    asset_uuid: 00000000-0000-4000-8000-000000000003
    groups: [old-switches]
    ssh:
      algorithms:
        legacy: true
        ciphers: [aes128-cbc]
        macs: [hmac-sha1]
        host_keys: [ssh-rsa, rsa-sha2-256]
`
	inv := mustLoad(t, writeInventory(t, src, nil))
	want := map[string]struct {
		alg   Algorithms
		every time.Duration
		max   int
	}{
		"new":    {Algorithms{KeyExchanges: []string{"curve25519-sha256", "diffie-hellman-group14-sha256"}}, 0, 3},
		"old":    {Algorithms{Legacy: true}, time.Minute, 10},
		"pinned": {Algorithms{Legacy: true, Ciphers: []string{"aes128-cbc"}, MACs: []string{"hmac-sha1"}, HostKeys: []string{"ssh-rsa", "rsa-sha2-256"}}, time.Minute, 10},
	}
	for _, d := range inv.Devices {
		w := want[d.Name]
		if !reflect.DeepEqual(d.SSH.Algorithms, w.alg) || d.SSH.KeepaliveInterval != w.every || d.SSH.KeepaliveCountMax != w.max {
			t.Errorf("%s: %+v, %v, %d; want %+v", d.Name, d.SSH.Algorithms, d.SSH.KeepaliveInterval, d.SSH.KeepaliveCountMax, w)
		}
	}
}

// TestKnownAlgorithms keeps the lists sane: no duplicates, no name in two kinds, the legacy
// profile made of known names, and fresh slices on every call.
func TestKnownAlgorithms(t *testing.T) {
	k := KnownAlgorithms()
	kinds := map[string][]string{"kex": k.KeyExchanges, "ciphers": k.Ciphers, "macs": k.MACs, "host_keys": k.HostKeys}
	seen := map[string]string{}
	for kind, names := range kinds {
		if len(names) == 0 {
			t.Errorf("%s is empty", kind)
		}
		for _, n := range names {
			if prev, dup := seen[n]; dup {
				t.Errorf("%q is in %s and %s", n, prev, kind)
			}
			seen[n] = kind
		}
	}
	l := LegacyAlgorithms()
	for _, pair := range []struct {
		got, known []string
	}{{l.KeyExchanges, k.KeyExchanges}, {l.Ciphers, k.Ciphers}, {l.MACs, k.MACs}, {l.HostKeys, k.HostKeys}} {
		for _, n := range pair.got {
			if !contains(pair.known, n) {
				t.Errorf("legacy profile names %q, which is not a known algorithm of its kind", n)
			}
		}
	}
	if !l.Legacy || !contains(l.KeyExchanges, "diffie-hellman-group1-sha1") || !contains(l.HostKeys, "ssh-rsa") || !contains(l.Ciphers, "aes128-cbc") {
		t.Errorf("legacy profile = %+v", l)
	}
	k.Ciphers[0] = "changed"
	l.MACs[0] = "changed"
	if KnownAlgorithms().Ciphers[0] == "changed" || LegacyAlgorithms().MACs[0] == "changed" {
		t.Error("the algorithm lists are shared with callers")
	}
	for name := range unimplemented {
		if _, known := seen[name]; known {
			t.Errorf("%q is both known and listed as unimplemented", name)
		}
	}
}

func TestSuggestAlgorithm(t *testing.T) {
	tests := []struct{ in, want string }{
		{"AES128-CTR", "aes128-ctr"},
		{"chacha20-poly1305", "chacha20-poly1305@openssh.com"},
		{"aes256-gcm", "aes256-gcm@openssh.com"},
		{"aes128-crt", "aes128-ctr"},
		{"twofish-cbc", ""},
	}
	for _, tt := range tests {
		if got := suggestAlgorithm(tt.in, knownCiphers); got != tt.want {
			t.Errorf("suggestAlgorithm(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	msg := unknownAlgorithm("twofish-cbc", algorithmKinds[1])
	if !strings.HasPrefix(msg, `unknown cipher "twofish-cbc"; x/crypto/ssh supports aes128-gcm@openssh.com, `) {
		t.Errorf("message = %q", msg)
	}
}

// TestBatchDefaults: batch is on by default exactly where it can work, and can be turned off.
func TestBatchDefaults(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	var devs strings.Builder
	for i, p := range PlatformNames() {
		fmt.Fprintf(&devs, "  - {name: %s, host: h, asset_uuid: 00000000-0000-4000-8000-0000000001%02d, platform: %s}\n", p, i, p)
	}
	devs.WriteString("  - {name: off, host: h, asset_uuid: 00000000-0000-4000-8000-000000000001, batch: false}\n")
	src := platformInventory("", devs.String())
	inv := mustLoad(t, writeInventory(t, src, nil))
	for _, d := range inv.Devices {
		if want := d.Name == "linux"; d.Batch != want {
			t.Errorf("%s: batch = %v, want %v", d.Name, d.Batch, want)
		}
		if d.PlatformDef.Name != d.Platform {
			t.Errorf("%s: PlatformDef is %q", d.Name, d.PlatformDef.Name)
		}
	}
}
