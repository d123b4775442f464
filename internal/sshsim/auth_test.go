package sshsim_test

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/oca-collector/collector/internal/sshsim"
)

// syncBuffer lets the server's goroutines log into a buffer the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestPasswordAuth(t *testing.T) {
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := passwordDevice(t, sshsim.Config{Logger: logger, Commands: map[string]sshsim.Response{
		"true": sshsim.Stdout(""),
	}})

	c := mustDial(t, srv)
	if _, _, err := run(t, c, "true"); err != nil {
		t.Fatalf("run after password login: %v", err)
	}

	_, err := dial(t, srv, ssh.Password("wrong-"+testPassword))
	if err == nil {
		t.Fatal("wrong password accepted")
	}
	if !strings.Contains(err.Error(), "unable to authenticate") {
		t.Errorf("wrong password: got %v, want an authentication failure", err)
	}

	cfg := &ssh.ClientConfig{
		User:            "nobody",
		Auth:            []ssh.AuthMethod{ssh.Password(testPassword)},
		HostKeyCallback: ssh.FixedHostKey(srv.HostKey()),
	}
	if _, err := dialConfig(t, srv.Addr(), cfg); err == nil {
		t.Fatal("unknown user accepted")
	}

	st := srv.Stats()
	if st.Connections != 3 || st.Logins != 1 || st.AuthFailures != 2 {
		t.Errorf("stats = %+v, want 3 connections, 1 login, 2 auth failures", st)
	}
	if !strings.Contains(logs.String(), "auth refused") {
		t.Errorf("refused logins not logged:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), testPassword) {
		t.Errorf("password appears in logs:\n%s", logs.String())
	}
}

func TestEmptyPasswordIsNotAPassword(t *testing.T) {
	srv := sshsim.New(t, sshsim.Config{Users: map[string]sshsim.User{testUser: {}}})
	if _, err := dial(t, srv, ssh.Password("")); err == nil {
		t.Fatal("empty password accepted for a user without one")
	}
}

func TestPublicKeyAuth(t *testing.T) {
	signer, pemBytes, err := sshsim.GenerateUserKey()
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := ssh.ParsePrivateKey(pemBytes)
	if err != nil {
		t.Fatalf("GenerateUserKey PEM does not parse: %v", err)
	}
	if !bytes.Equal(parsed.PublicKey().Marshal(), signer.PublicKey().Marshal()) {
		t.Fatal("GenerateUserKey PEM holds a different key than its signer")
	}
	other, _, err := sshsim.GenerateUserKey()
	if err != nil {
		t.Fatal(err)
	}

	srv := sshsim.New(t, sshsim.Config{
		Users:    map[string]sshsim.User{testUser: {AuthorizedKeys: []ssh.PublicKey{signer.PublicKey()}}},
		Commands: map[string]sshsim.Response{"id": sshsim.Stdout("uid=1000(oca)\n")},
	})
	c := mustDial(t, srv, ssh.PublicKeys(parsed))
	if out, _, err := run(t, c, "id"); err != nil || out != "uid=1000(oca)\n" {
		t.Fatalf("run id = %q, %v", out, err)
	}
	if _, err := dial(t, srv, ssh.PublicKeys(other)); err == nil {
		t.Fatal("unauthorized key accepted")
	}
	// A password is refused for a key-only user.
	if _, err := dial(t, srv, ssh.Password(testPassword)); err == nil {
		t.Fatal("password accepted for a key-only user")
	}
	if st := srv.Stats(); st.Logins != 1 || st.AuthFailures != 2 {
		t.Errorf("stats = %+v, want 1 login, 2 auth failures", st)
	}
}

func TestAgentAuth(t *testing.T) {
	signer, pemBytes, err := sshsim.GenerateUserKey()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := ssh.ParseRawPrivateKey(pemBytes)
	if err != nil {
		t.Fatal(err)
	}
	keyring := agent.NewKeyring()
	if err := keyring.Add(agent.AddedKey{PrivateKey: raw}); err != nil {
		t.Fatal(err)
	}

	// A real agent socket, as SSH_AUTH_SOCK would name it.
	sock := filepath.Join(t.TempDir(), "agent.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = agent.ServeAgent(keyring, c) // ends when the client hangs up
			_ = c.Close()
		}
	}()
	t.Cleanup(func() { _ = ln.Close(); <-served })

	ac, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ac.Close() }()
	ag := agent.NewClient(ac)

	srv := sshsim.New(t, sshsim.Config{
		Users: map[string]sshsim.User{testUser: {AuthorizedKeys: []ssh.PublicKey{signer.PublicKey()}}},
	})
	mustDial(t, srv, ssh.PublicKeysCallback(ag.Signers))
	if st := srv.Stats(); st.Logins != 1 || st.AuthFailures != 0 {
		t.Errorf("stats = %+v, want 1 login via the agent", st)
	}
}

func TestAuthDelay(t *testing.T) {
	const delay = 60 * time.Millisecond
	srv := passwordDevice(t, sshsim.Config{AuthDelay: delay})
	start := time.Now()
	mustDial(t, srv)
	if took := time.Since(start); took < delay {
		t.Errorf("login took %v, want >= AuthDelay %v", took, delay)
	}
}

func TestCloseInterruptsAuthDelay(t *testing.T) {
	srv, err := sshsim.Start(sshsim.Config{
		AuthDelay: time.Hour,
		Users:     map[string]sshsim.User{testUser: {Password: testPassword}},
	})
	if err != nil {
		t.Fatal(err)
	}
	dialed := make(chan error, 1)
	go func() {
		cfg := &ssh.ClientConfig{
			User:            testUser,
			Auth:            []ssh.AuthMethod{ssh.Password(testPassword)},
			HostKeyCallback: ssh.FixedHostKey(srv.HostKey()),
			Timeout:         waitFor,
		}
		c, err := ssh.Dial("tcp", srv.Addr(), cfg)
		if err == nil {
			_ = c.Close()
		}
		dialed <- err
	}()
	eventually(t, "the connection to arrive", func() bool { return srv.Stats().Connections == 1 })
	closeWithin(t, srv)
	select {
	case err := <-dialed:
		if err == nil {
			t.Fatal("login succeeded although the server closed during AuthDelay")
		}
	case <-time.After(waitFor):
		t.Fatal("client still waiting after Close")
	}
}

func TestKnownHosts(t *testing.T) {
	srv := passwordDevice(t, sshsim.Config{})
	impostor := sshsim.New(t, sshsim.Config{})
	dir := t.TempDir()

	good := filepath.Join(dir, "known_hosts")
	if err := os.WriteFile(good, []byte(srv.KnownHostsLine()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cb, err := knownhosts.New(good)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &ssh.ClientConfig{User: testUser, Auth: []ssh.AuthMethod{ssh.Password(testPassword)}, HostKeyCallback: cb}
	if _, err := dialConfig(t, srv.Addr(), cfg); err != nil {
		t.Fatalf("login with the device's own known_hosts line: %v", err)
	}

	// The impostor's key recorded under srv's address: what a replaced device looks like.
	fields := strings.Fields(impostor.KnownHostsLine())
	if len(fields) != 3 || fields[0] != "[127.0.0.1]:"+strings.TrimPrefix(impostor.Addr(), "127.0.0.1:") {
		t.Fatalf("KnownHostsLine = %q, want [127.0.0.1]:port type key", impostor.KnownHostsLine())
	}
	fields[0] = knownhosts.Normalize(srv.Addr())
	bad := filepath.Join(dir, "known_hosts.bad")
	if err := os.WriteFile(bad, []byte(strings.Join(fields, " ")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cb, err = knownhosts.New(bad)
	if err != nil {
		t.Fatal(err)
	}
	cfg.HostKeyCallback = cb
	_, err = dialConfig(t, srv.Addr(), cfg)
	var keyErr *knownhosts.KeyError
	if !errors.As(err, &keyErr) || len(keyErr.Want) != 1 {
		t.Fatalf("dial with another device's key = %v, want a knownhosts key mismatch", err)
	}
	if !bytes.Equal(keyErr.Want[0].Key.Marshal(), impostor.HostKey().Marshal()) {
		t.Error("mismatch reports a key other than the recorded one")
	}
}

func TestPinnedHostKey(t *testing.T) {
	key := sshsim.NewHostKey()
	srv := passwordDevice(t, sshsim.Config{HostKey: key})
	if !bytes.Equal(srv.HostKey().Marshal(), key.PublicKey().Marshal()) {
		t.Fatal("HostKey is not the configured key")
	}
	mustDial(t, srv) // dial pins srv.HostKey(): the handshake proves the server uses it
}
