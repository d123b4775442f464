//go:build !linux

package sshdtest

import (
	"errors"
	"testing"
)

// Available reports why the daemons cannot run: the harness relies on Linux (useradd,
// chpasswd, /proc and Debian's sshd layout).
func Available() (string, error) {
	return "", errors.New("sshdtest needs Linux with openssh-server installed")
}

// Start skips the test: see Available.
func Start(t testing.TB, opts Options) *Daemon {
	t.Helper()
	_, err := Available()
	t.Skipf("sshdtest: %v", err)
	return nil
}

// process stands in for the Linux sshd process handle so Daemon has one shape everywhere.
type process struct{}
