package integration

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/oca-collector/collector/collector"
	"github.com/oca-collector/collector/internal/sshdtest"
)

// TestHostKeyPolicies checks host key verification against sshd's real host key: unknown keys
// are refused under strict, recorded under accept-new (and then trusted by strict), and a key
// that differs from known_hosts is refused under every policy, naming the key the device offers.
func TestHostKeyPolicies(t *testing.T) {
	d := sshdtest.Start(t, sshdtest.Options{Listen: []string{"127.0.0.1", "127.0.1.3"}})
	targets := targetsFor(t, d)
	fingerprint := ssh.FingerprintSHA256(d.HostKey)
	cred := map[string]any{"private_key": d.ClientKeyPath}
	cmds := []string{"uname -a"}

	// knownHosts writes a known_hosts file with the given content into a fresh directory.
	knownHosts := func(t *testing.T, content []byte) string {
		t.Helper()
		p := filepath.Join(t.TempDir(), "known_hosts")
		if err := os.WriteFile(p, content, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	spec := func(kh, policy string) inventorySpec {
		return inventorySpec{Targets: targets, Credential: cred, Commands: cmds, KnownHosts: kh, Policy: policy}
	}
	wantAll := func(t *testing.T, res runResult, status, class, msg string) {
		t.Helper()
		for _, tg := range targets {
			dr := res.device(t, tg.Name)
			if dr.Status != status || dr.ErrorClass != class || !strings.Contains(dr.Error, msg) {
				t.Errorf("%s: status %s, error_class %q, error %q; want %s, %q, containing %q",
					tg.Name, dr.Status, dr.ErrorClass, dr.Error, status, class, msg)
			}
		}
	}

	t.Run("strict refuses an unknown key", func(t *testing.T) {
		kh := knownHosts(t, nil)
		res := runCollector(t, writeInventory(t, spec(kh, "strict")), nil)
		if res.Code != 1 {
			t.Fatalf("exit %d, want 1; stderr:\n%s", res.Code, res.Stderr)
		}
		wantAll(t, res, collector.StatusFailed, "hostkey", "not known")
		wantAll(t, res, collector.StatusFailed, "hostkey", fingerprint)
		if b, _ := os.ReadFile(kh); len(b) != 0 {
			t.Errorf("strict wrote to known_hosts: %q", b)
		}
	})

	t.Run("accept-new records, then strict trusts", func(t *testing.T) {
		kh := knownHosts(t, nil)
		res := runCollector(t, writeInventory(t, spec(kh, "accept-new")), nil)
		if res.Code != 0 {
			t.Fatalf("accept-new: exit %d, want 0; stderr:\n%s", res.Code, res.Stderr)
		}
		wantAll(t, res, collector.StatusOK, "", "")
		recorded, err := os.ReadFile(kh)
		if err != nil {
			t.Fatal(err)
		}
		if n := bytes.Count(recorded, []byte("\n")); n != len(d.Addrs) {
			t.Errorf("known_hosts has %d lines after accept-new, want one per address (%d):\n%s", n, len(d.Addrs), recorded)
		}
		check, err := knownhosts.New(kh)
		if err != nil {
			t.Fatalf("known_hosts written by accept-new does not parse: %v", err)
		}
		for _, addr := range d.Addrs {
			remote, err := net.ResolveTCPAddr("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			if err := check(addr, remote, d.HostKey); err != nil {
				t.Errorf("known_hosts does not hold the daemon's key for %s: %v", addr, err)
			}
		}

		res = runCollector(t, writeInventory(t, spec(kh, "strict")), nil)
		if res.Code != 0 {
			t.Fatalf("strict after accept-new: exit %d, want 0; stderr:\n%s", res.Code, res.Stderr)
		}
		wantAll(t, res, collector.StatusOK, "", "")
		if after, _ := os.ReadFile(kh); !bytes.Equal(after, recorded) {
			t.Errorf("strict run changed known_hosts:\n%s\nwas:\n%s", after, recorded)
		}
	})

	t.Run("a changed key is refused under every policy", func(t *testing.T) {
		_, other, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		otherKey, err := ssh.NewPublicKey(other.Public())
		if err != nil {
			t.Fatal(err)
		}
		var content bytes.Buffer
		for _, addr := range d.Addrs {
			content.WriteString(knownhosts.Line([]string{knownhosts.Normalize(addr)}, otherKey) + "\n")
		}
		for _, policy := range []string{"strict", "accept-new"} {
			kh := knownHosts(t, content.Bytes())
			res := runCollector(t, writeInventory(t, spec(kh, policy)), nil)
			if res.Code != 1 {
				t.Fatalf("%s: exit %d, want 1; stderr:\n%s", policy, res.Code, res.Stderr)
			}
			wantAll(t, res, collector.StatusFailed, "hostkey", "CHANGED")
			wantAll(t, res, collector.StatusFailed, "hostkey", fingerprint)
			if after, _ := os.ReadFile(kh); !bytes.Equal(after, content.Bytes()) {
				t.Errorf("%s: known_hosts was modified on a key mismatch:\n%s", policy, after)
			}
		}
	})
}
