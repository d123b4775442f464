package sshsim_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"runtime"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/oca-collector/collector/internal/sshsim"
)

// upperServer is a loopback TCP service that reads until EOF, then answers with what it read in
// upper case and closes: it shows that both half-closes travel through a forward. It stops, and
// its goroutines end, when the test ends.
func upperServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				b, _ := io.ReadAll(c)
				_, _ = c.Write(bytes.ToUpper(b))
			})
		}
	})
	t.Cleanup(func() { _ = ln.Close(); wg.Wait() })
	return ln.Addr().String()
}

func TestForwardRelaysBothWays(t *testing.T) {
	target := upperServer(t)
	srv := passwordDevice(t, sshsim.Config{AllowForward: true})
	base := runtime.NumGoroutine()
	client := mustDial(t, srv)
	for i := range 2 {
		conn, err := client.Dial("tcp", target)
		if err != nil {
			t.Fatalf("forward %d: %v", i, err)
		}
		if _, err := conn.Write([]byte("show version\n")); err != nil {
			t.Fatal(err)
		}
		if err := conn.(interface{ CloseWrite() error }).CloseWrite(); err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(conn)
		if err != nil || string(got) != "SHOW VERSION\n" {
			t.Fatalf("forward %d: read %q, %v", i, got, err)
		}
		_ = conn.Close()
	}
	if st := srv.Stats(); st.Forwards != 2 {
		t.Errorf("forwards %d", st.Forwards)
	}
	_ = client.Close()
	noLeaks(t, base)
}

func TestForwardRefusals(t *testing.T) {
	for _, tc := range []struct {
		name   string
		allow  bool
		target string
		reason ssh.RejectionReason
	}{
		{"forwarding not allowed", false, "127.0.0.1:22", ssh.UnknownChannelType},
		{"not loopback", true, "192.0.2.1:22", ssh.Prohibited},
		{"a name, not an address", true, "localhost:22", ssh.Prohibited},
		{"nothing listening", true, "", ssh.ConnectionFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := passwordDevice(t, sshsim.Config{AllowForward: tc.allow})
			client := mustDial(t, srv)
			target := tc.target
			if target == "" {
				target = sshsim.ClosedPort(t)
			}
			_, err := client.Dial("tcp", target)
			var oe *ssh.OpenChannelError
			if !errors.As(err, &oe) || oe.Reason != tc.reason {
				t.Fatalf("err %v, want reason %v", err, tc.reason)
			}
			if st := srv.Stats(); st.Forwards != 0 {
				t.Errorf("forwards %d", st.Forwards)
			}
		})
	}
}

// Close ends a forward whose target never speaks and whose client never leaves.
func TestForwardEndsOnClose(t *testing.T) {
	silent := sshsim.Tarpit(t)
	srv := passwordDevice(t, sshsim.Config{AllowForward: true})
	client := mustDial(t, srv)
	conn, err := client.Dial("tcp", silent)
	if err != nil {
		t.Fatal(err)
	}
	closeWithin(t, srv)
	if _, err := io.ReadAll(conn); err != nil {
		t.Errorf("read after close: %v", err)
	}
}
