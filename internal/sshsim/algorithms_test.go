package sshsim_test

import (
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/oca-collector/collector/internal/sshsim"
)

// legacyKex etc. are all an old IOS 12.2 or ASA 8.x box speaks.
var (
	legacyKex     = []string{"diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1"}
	legacyCiphers = []string{"aes128-cbc"}
	legacyMACs    = []string{"hmac-sha1"}
)

// legacyConfig plays old gear: only SHA-1 key exchanges, CBC, HMAC-SHA1 and a 1024-bit RSA
// host key that signs with ssh-rsa (SHA-1) only.
func legacyConfig(t *testing.T) sshsim.Config {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 1024) // the size such devices generate
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return sshsim.Config{
		HostKey: signer,
		Algorithms: sshsim.Algorithms{
			KeyExchanges:      legacyKex,
			Ciphers:           legacyCiphers,
			MACs:              legacyMACs,
			HostKeyAlgorithms: []string{ssh.KeyAlgoRSA},
		},
	}
}

func legacyClient(srv *sshsim.Server) *ssh.ClientConfig {
	return &ssh.ClientConfig{
		User:              testUser,
		Auth:              []ssh.AuthMethod{ssh.Password(testPassword)},
		HostKeyCallback:   ssh.FixedHostKey(srv.HostKey()),
		HostKeyAlgorithms: []string{ssh.KeyAlgoRSA},
		Config: ssh.Config{
			KeyExchanges: legacyKex,
			Ciphers:      legacyCiphers,
			MACs:         legacyMACs,
		},
	}
}

func TestLegacyAlgorithmsOnly(t *testing.T) {
	cfg := legacyConfig(t)
	cfg.Commands = map[string]sshsim.Response{"show version": sshsim.Stdout("Cisco IOS Software, Version 12.2(55)SE12\n")}
	srv := passwordDevice(t, cfg)

	// A default x/crypto client has nothing in common with it.
	_, err := dial(t, srv)
	if err == nil || !strings.Contains(err.Error(), "no common algorithm") {
		t.Fatalf("default client = %v, want no common algorithm", err)
	}

	// Each restriction holds on its own: a client with every legacy algorithm but one kind,
	// where it offers only what x/crypto considers secure, fails on exactly that kind.
	// (x/crypto's defaults still include group14-sha1, ssh-rsa and hmac-sha1; only CBC and
	// group1 are left out, so "secure" here is SupportedAlgorithms and SHA-2 MACs.)
	secure := ssh.SupportedAlgorithms()
	for _, tc := range []struct {
		kind   string
		modern func(*ssh.ClientConfig)
	}{
		{"key exchange", func(c *ssh.ClientConfig) { c.KeyExchanges = secure.KeyExchanges }},
		{"host key", func(c *ssh.ClientConfig) { c.HostKeyAlgorithms = secure.HostKeys }},
		{"client to server cipher", func(c *ssh.ClientConfig) { c.Ciphers = nil }},
		{"client to server MAC", func(c *ssh.ClientConfig) {
			c.MACs = []string{ssh.HMACSHA256ETM, ssh.HMACSHA512ETM, ssh.HMACSHA256, ssh.HMACSHA512}
		}},
	} {
		cfg := legacyClient(srv)
		tc.modern(cfg)
		_, err := dialConfig(t, srv.Addr(), cfg)
		if err == nil || !strings.Contains(err.Error(), "no common algorithm for "+tc.kind) {
			t.Errorf("client without legacy %s = %v", tc.kind, err)
		}
	}

	// A client with the legacy algorithms gets in, with either SHA-1 key exchange, and also
	// when they are added to the defaults (what a "legacy" profile does).
	for _, kex := range legacyKex {
		cfg := legacyClient(srv)
		cfg.KeyExchanges = []string{kex}
		c, err := dialConfig(t, srv.Addr(), cfg)
		if err != nil {
			t.Fatalf("legacy client with %s: %v", kex, err)
		}
		if out, _, err := run(t, c, "show version"); err != nil || !strings.Contains(out, "12.2(55)") {
			t.Errorf("show version over %s = %q, %v", kex, out, err)
		}
	}
	client := legacyClient(srv)
	def := ssh.SupportedAlgorithms()
	client.KeyExchanges = append(def.KeyExchanges, legacyKex...)
	client.Ciphers = append(def.Ciphers, legacyCiphers...)
	client.MACs = append(def.MACs, legacyMACs...)
	client.HostKeyAlgorithms = append(def.HostKeys, ssh.KeyAlgoRSA)
	if _, err := dialConfig(t, srv.Addr(), client); err != nil {
		t.Fatalf("defaults plus legacy: %v", err)
	}
	if st := srv.Stats(); st.Logins != 3 {
		t.Errorf("logins = %d, want 3", st.Logins)
	}
}

// TestLegacyShellDevice is the usual old box: legacy algorithms and a CLI behind them.
func TestLegacyShellDevice(t *testing.T) {
	p := sshsim.Personalities()["cisco_ios"]
	srv := shellDevice(t, p, legacyConfig(t))
	c, err := dialConfig(t, srv.Addr(), legacyClient(srv))
	if err != nil {
		t.Fatal(err)
	}
	tm := startShell(t, c, true)
	tm.expect(promptRE(p, false))
}
