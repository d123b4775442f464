package sshsim_test

import (
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/oca-collector/collector/internal/sshsim"
)

const (
	testUser     = "oca"
	testPassword = "hunter2-not-a-real-secret"
	// waitFor bounds every poll: generous for a loaded 2-core box, still fails a broken test.
	waitFor = 5 * time.Second
)

// passwordDevice is a device the test user logs in to with testPassword.
func passwordDevice(t *testing.T, cfg sshsim.Config) *sshsim.Server {
	t.Helper()
	cfg.Users = map[string]sshsim.User{testUser: {Password: testPassword}}
	return sshsim.New(t, cfg)
}

// dial logs in to srv with a pinned host key and a deadline on the whole handshake; the client
// is closed when the test ends.
func dial(t *testing.T, srv *sshsim.Server, auth ...ssh.AuthMethod) (*ssh.Client, error) {
	t.Helper()
	if len(auth) == 0 {
		auth = []ssh.AuthMethod{ssh.Password(testPassword)}
	}
	cfg := &ssh.ClientConfig{
		User:            testUser,
		Auth:            auth,
		HostKeyCallback: ssh.FixedHostKey(srv.HostKey()),
	}
	return dialConfig(t, srv.Addr(), cfg)
}

func dialConfig(t *testing.T, addr string, cfg *ssh.ClientConfig) (*ssh.Client, error) {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, waitFor)
	if err != nil {
		return nil, err
	}
	if err := nc.SetDeadline(time.Now().Add(waitFor)); err != nil {
		_ = nc.Close()
		return nil, err
	}
	c, chans, reqs, err := ssh.NewClientConn(nc, addr, cfg)
	if err != nil {
		_ = nc.Close()
		return nil, err
	}
	if err := nc.SetDeadline(time.Time{}); err != nil {
		_ = c.Close()
		return nil, err
	}
	client := ssh.NewClient(c, chans, reqs)
	t.Cleanup(func() { _ = client.Close() })
	return client, nil
}

func mustDial(t *testing.T, srv *sshsim.Server, auth ...ssh.AuthMethod) *ssh.Client {
	t.Helper()
	c, err := dial(t, srv, auth...)
	if err != nil {
		t.Fatalf("dial %s: %v", srv.Addr(), err)
	}
	return c
}

// run executes cmd on a fresh session and returns its stdout, stderr and Run's error.
func run(t *testing.T, c *ssh.Client, cmd string) (string, string, error) {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatalf("new session: %v", err)
	}
	defer func() { _ = sess.Close() }()
	var out, errOut strings.Builder
	sess.Stdout, sess.Stderr = &out, &errOut
	err = sess.Run(cmd)
	return out.String(), errOut.String(), err
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond) // polling interval, not synchronisation
	}
}

// noLeaks fails the test unless the goroutine count falls back to base within the deadline.
func noLeaks(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			t.Fatalf("goroutines: %d, want <= %d\n%s", runtime.NumGoroutine(), base, buf[:n])
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// closeWithin closes srv and fails the test if Close does not return in time: a delay or hang
// that Close cannot interrupt would block it forever.
func closeWithin(t *testing.T, srv *sshsim.Server) {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- srv.Close() }()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("close: %v", err)
		}
	case <-time.After(waitFor):
		t.Fatal("Server.Close did not return")
	}
}
