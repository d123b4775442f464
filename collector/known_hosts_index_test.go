package collector

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// testHostKeys returns n distinct ed25519 public keys, the same on every call.
func testHostKeys(tb testing.TB, n int) []ssh.PublicKey {
	tb.Helper()
	keys := make([]ssh.PublicKey, n)
	for i := range keys {
		seed := make([]byte, ed25519.SeedSize)
		seed[0] = byte(i + 1)
		pub, err := ssh.NewPublicKey(ed25519.NewKeyFromSeed(seed).Public())
		if err != nil {
			tb.Fatal(err)
		}
		keys[i] = pub
	}
	return keys
}

// knownHostsLookup is one host key check: the dialed hostname, the remote address and the key.
type knownHostsLookup struct {
	hostname string
	remote   string
	key      ssh.PublicKey
}

// compareWithXCrypto checks that the index answers every lookup exactly as x/crypto's
// knownhosts does for the same file: accepted, or the same kind of error with the same keys,
// file names and line numbers.
func compareWithXCrypto(t *testing.T, path string, idx *knownHostsIndex, lookups []knownHostsLookup) {
	t.Helper()
	ref, err := knownhosts.New(path)
	if err != nil {
		t.Fatalf("x/crypto refused a file the index accepted: %v", err)
	}
	got := idx.callback()
	for _, l := range lookups {
		remote, err := net.ResolveTCPAddr("tcp", l.remote)
		if err != nil {
			t.Fatal(err)
		}
		want, have := ref(l.hostname, remote, l.key), got(l.hostname, remote, l.key)
		if msg := sameHostKeyAnswer(want, have); msg != "" {
			t.Errorf("lookup %q (remote %s, key %s): %s", l.hostname, l.remote, ssh.FingerprintSHA256(l.key), msg)
		}
	}
}

func sameHostKeyAnswer(want, have error) string {
	var wk, hk *knownhosts.KeyError
	switch {
	case want == nil && have == nil:
		return ""
	case want == nil || have == nil:
		return fmt.Sprintf("x/crypto says %v, the index says %v", want, have)
	case errors.As(want, &wk) != errors.As(have, &hk):
		return fmt.Sprintf("x/crypto says %T %v, the index says %T %v", want, want, have, have)
	case wk == nil:
		if want.Error() != have.Error() {
			return fmt.Sprintf("x/crypto says %q, the index says %q", want, have)
		}
		return ""
	case len(wk.Want) != len(hk.Want):
		return fmt.Sprintf("x/crypto knows %d keys, the index %d", len(wk.Want), len(hk.Want))
	}
	for i := range wk.Want {
		w, h := wk.Want[i], hk.Want[i]
		if w.Filename != h.Filename || w.Line != h.Line || !keysEqual(w.Key, h.Key) {
			return fmt.Sprintf("known key %d: x/crypto %s:%d %s, the index %s:%d %s", i,
				w.Filename, w.Line, ssh.FingerprintSHA256(w.Key), h.Filename, h.Line, ssh.FingerprintSHA256(h.Key))
		}
	}
	return ""
}

func writeKnownHostsFile(tb testing.TB, content string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "known_hosts")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

func TestKnownHostsIndexAgreesWithXCrypto(t *testing.T) {
	keys := testHostKeys(t, 4)
	key := func(k int) string { return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(keys[k]))) }
	content := strings.Join([]string{
		"# a comment, then a blank line",
		"",
		"r1.example.net " + key(0),
		"r2.example.net,10.0.0.2 " + key(1) + " a comment",
		"  [127.0.0.1]:2201\t" + key(2) + "  ",
		"127.0.0.1:2202 " + key(3),
		"[::1]:2203 " + key(0),
		"::1 " + key(1),
		"r1.example.net " + key(1), // a second key for r1: both are wanted, in file order
		"r3.example.net,,r3.example.net " + key(2),
		"R1.example.net " + key(3), // host names match exactly, as in x/crypto
	}, "\n")
	path := writeKnownHostsFile(t, content)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	idx, ok := indexKnownHosts(path, data)
	if !ok {
		t.Fatal("a file of plain entries was not indexed")
	}
	var lookups []knownHostsLookup
	hosts := []string{"r1.example.net:22", "r2.example.net:22", "10.0.0.2:22", "10.0.0.2:2222", "127.0.0.1:2201",
		"127.0.0.1:2202", "[::1]:2203", "[::1]:22", "r3.example.net:22", "R1.example.net:22", "unknown.example.net:22", ""}
	for _, h := range hosts {
		for _, k := range append(keys, probeKey{}) {
			lookups = append(lookups, knownHostsLookup{hostname: h, remote: "127.0.0.1:2201", key: k})
		}
	}
	compareWithXCrypto(t, path, idx, lookups)
}

func TestKnownHostsIndexLeavesOtherFilesToXCrypto(t *testing.T) {
	key := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(testHostKeys(t, 1)[0])))
	hashed := knownhosts.HashHostname("r1.example.net")
	for name, line := range map[string]string{
		"revoked":        "@revoked r1.example.net " + key,
		"cert authority": "@cert-authority *.example.net " + key,
		"hashed":         hashed + " " + key,
		"wildcard":       "*.example.net " + key,
		"question mark":  "r?.example.net " + key,
		"negation":       "r1.example.net,!r2.example.net " + key,
		"bad key":        "r1.example.net ssh-ed25519 AAAA",
		"no key":         "r1.example.net",
		"type mismatch":  "r1.example.net ssh-rsa " + strings.Fields(key)[1],
		"bad bracket":    "[r1.example.net " + key,
		"long line":      "r1.example.net " + key + " " + strings.Repeat("c", maxKnownHostsLine),
	} {
		data := []byte("r0.example.net " + key + "\n" + line + "\n")
		if _, ok := indexKnownHosts("known_hosts", data); ok {
			t.Errorf("%s: %q was indexed; it needs x/crypto's matcher", name, line)
		}
	}
}

// TestHostKeysUseIndexAtScale checks the run's host key checks against a ten-thousand-line file
// through the index: known keys pass, a changed key names its line, an unknown host is unknown.
func TestHostKeysUseIndexAtScale(t *testing.T) {
	keys := testHostKeys(t, 2)
	var b strings.Builder
	for i := range 10000 {
		b.WriteString(knownhosts.Line([]string{fmt.Sprintf("127.0.0.1:%d", 10000+i)}, keys[i%2]) + "\n")
	}
	path := writeKnownHostsFile(t, b.String())
	h := newHostKeys(slog.New(slog.DiscardHandler))
	f, err := h.file(path)
	if err != nil {
		t.Fatal(err)
	}
	if !f.indexed {
		t.Fatal("a file of plain entries is checked by x/crypto's line scan, not the index")
	}
	remote := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 12345}
	if err := f.callback("127.0.0.1:12345", remote, keys[1]); err != nil {
		t.Errorf("known key refused: %v", err)
	}
	var ke *knownhosts.KeyError
	if err := f.callback("127.0.0.1:12345", remote, keys[0]); !errors.As(err, &ke) || len(ke.Want) != 1 || ke.Want[0].Line != 2346 {
		t.Errorf("changed key: got %v, want a KeyError naming line 2346", err)
	}
	if err := f.callback("127.0.0.1:9999", remote, keys[0]); !errors.As(err, &ke) || len(ke.Want) != 0 {
		t.Errorf("unknown host: got %v, want a KeyError with no known keys", err)
	}
	if algos := h.knownAlgorithms(f, "127.0.0.1:12345"); len(algos) != 1 || algos[0] != ssh.KeyAlgoED25519 {
		t.Errorf("known algorithms = %v, want [%s]", algos, ssh.KeyAlgoED25519)
	}

	// One hashed line sends the whole file to x/crypto, which still knows every host.
	hashed := writeKnownHostsFile(t, b.String()+knownhosts.Line([]string{knownhosts.HashHostname("r1.example.net")}, keys[0])+"\n")
	g, err := h.file(hashed)
	if err != nil {
		t.Fatal(err)
	}
	if g.indexed {
		t.Error("a file with a hashed host was indexed")
	}
	if err := g.callback("127.0.0.1:12345", remote, keys[1]); err != nil {
		t.Errorf("known key refused by x/crypto's matcher: %v", err)
	}
}

// FuzzKnownHostsIndex: for any file the index accepts, every lookup gets x/crypto's answer.
func FuzzKnownHostsIndex(f *testing.F) {
	keys := testHostKeys(f, 2)
	key := func(k int) string { return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(keys[k]))) }
	f.Add("r1.example.net " + key(0) + "\n[127.0.0.1]:2201 " + key(1) + "\n")
	f.Add("a,b,[c]:1 " + key(1) + " c\n#x\n\n b\t" + key(0))
	f.Add("127.0.0.1:22 " + key(0) + "\n::1 " + key(1) + "\n[::1]:22 " + key(0))
	f.Fuzz(func(t *testing.T, content string) {
		if _, ok := indexKnownHosts("known_hosts", []byte(content)); !ok {
			return
		}
		path := writeKnownHostsFile(t, content)
		idx, _ := indexKnownHosts(path, []byte(content))
		var lookups []knownHostsLookup
		for _, h := range []string{"r1.example.net:22", "a:22", "b:22", "c:1", "127.0.0.1:2201", "127.0.0.1:22", "[::1]:22", ""} {
			for _, k := range keys {
				lookups = append(lookups, knownHostsLookup{hostname: h, remote: "127.0.0.1:2201", key: k})
			}
		}
		// Every host the file names, too.
		for a := range idx.keys {
			lookups = append(lookups, knownHostsLookup{hostname: net.JoinHostPort(a.host, a.port), remote: "127.0.0.1:22", key: keys[0]})
		}
		compareWithXCrypto(t, path, idx, lookups)
	})
}
