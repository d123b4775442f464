package sshsim

import (
	"net"
	"testing"
)

// Tarpit is an address that accepts TCP connections and never says a word: the device whose
// sshd is wedged. Anything that dials it without a handshake deadline hangs, which is the point.
// The listener and its connections are closed when the test ends.
func Tarpit(t testing.TB) string {
	t.Helper()
	return New(t, Config{NoSSH: true}).Addr()
}

// ClosedPort is a loopback address where nothing listens, so a dial is refused at once: the
// device that is down. The port was free a moment ago; another process could take it, but the
// kernel hands out ephemeral ports in turn, so reuse within a test is unlikely.
func ClosedPort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("sshsim closed port: %v", err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatalf("sshsim closed port: %v", err)
	}
	return addr
}
