package sshsim_test

import (
	"errors"
	"net"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/oca-collector/collector/internal/sshsim"
)

// busyDevice scripts commands that keep the server's goroutines busy at Close time.
func busyDevice() sshsim.Config {
	return sshsim.Config{
		Users:   map[string]sshsim.User{testUser: {Password: testPassword}},
		Latency: time.Millisecond,
		Commands: map[string]sshsim.Response{
			"hang":  {Output: []sshsim.Chunk{{Data: "x"}}, Hang: true},
			"delay": {Output: []sshsim.Chunk{{Data: "x", Delay: time.Hour}}},
			"flood": {Output: []sshsim.Chunk{{Data: string(make([]byte, 4<<20))}}}, // beyond the window: Write blocks
		},
	}
}

// startBusy runs every busy command on its own session and returns once each has begun.
func startBusy(t *testing.T, srv *sshsim.Server, c *ssh.Client) {
	t.Helper()
	for _, cmd := range []string{"hang", "delay", "flood"} {
		s, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		// Nobody reads stdout: "flood" fills the channel window and blocks the server's write.
		if _, err := s.StdoutPipe(); err != nil {
			t.Fatal(err)
		}
		if err := s.Start(cmd); err != nil {
			t.Fatalf("start %s: %v", cmd, err)
		}
	}
	eventually(t, "all commands to start", func() bool { return srv.Stats().Execs == 3 })
}

func TestCloseLeavesNoGoroutines(t *testing.T) {
	base := runtime.NumGoroutine()
	srv, err := sshsim.Start(busyDevice())
	if err != nil {
		t.Fatal(err)
	}
	c := mustDial(t, srv)
	startBusy(t, srv, c)
	// A half-open login and a connection that never says anything, both in flight at Close.
	raw, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = raw.Close() }()

	closeWithin(t, srv)
	if err := srv.Close(); err != nil {
		t.Errorf("second Close = %v, want the first result", err)
	}
	if err := c.Wait(); err == nil {
		t.Error("client connection survived Close")
	}
	_ = c.Close()
	_ = raw.Close()
	noLeaks(t, base)

	if _, err := net.DialTimeout("tcp", srv.Addr(), waitFor); err == nil {
		t.Error("closed server still accepts connections")
	}
}

func TestClientHangupFreesConnection(t *testing.T) {
	srv := sshsim.New(t, busyDevice())
	base := runtime.NumGoroutine() // an idle device: its accept loop only
	c := mustDial(t, srv)
	startBusy(t, srv, c)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	noLeaks(t, base)
}

func TestTarpit(t *testing.T) {
	addr := sshsim.Tarpit(t)

	// Not a byte, not even the version banner.
	raw, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = raw.Close() }()
	if err := raw.SetReadDeadline(time.Now().Add(100 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	n, err := raw.Read(make([]byte, 1))
	if n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("tarpit read = %d bytes, %v; want nothing until the deadline", n, err)
	}

	// An SSH client with a handshake deadline gives up; one without would hang.
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = nc.Close() }()
	if err := nc.SetDeadline(time.Now().Add(100 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	_, _, _, err = ssh.NewClientConn(nc, addr, &ssh.ClientConfig{
		User:            testUser,
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), // never gets as far as a key
	})
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("handshake with a tarpit = %v, want the deadline", err)
	}
}

func TestTarpitCountsConnections(t *testing.T) {
	srv := sshsim.New(t, sshsim.Config{NoSSH: true})
	for range 2 {
		nc, err := net.Dial("tcp", srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = nc.Close() }()
	}
	eventually(t, "two connections", func() bool { return srv.Stats().Connections == 2 })
	closeWithin(t, srv)
}

func TestClosedPort(t *testing.T) {
	addr := sshsim.ClosedPort(t)
	nc, err := net.DialTimeout("tcp", addr, waitFor)
	if err == nil {
		_ = nc.Close()
		t.Fatalf("dial %s succeeded, want refused", addr)
	}
}

func TestAddress(t *testing.T) {
	srv := sshsim.New(t, sshsim.Config{})
	if srv.Host() != "127.0.0.1" || srv.Port() == 0 {
		t.Fatalf("Host, Port = %q, %d", srv.Host(), srv.Port())
	}
	if want := net.JoinHostPort(srv.Host(), strconv.Itoa(srv.Port())); srv.Addr() != want {
		t.Errorf("Addr = %q, want %q", srv.Addr(), want)
	}
}
