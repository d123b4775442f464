//go:build linux

package sshdtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
)

// debianSSHD is where openssh-server puts sshd; a non-login root shell may not have /usr/sbin
// in PATH.
const debianSSHD = "/usr/sbin/sshd"

// Available reports the absolute path of sshd, or why the daemons cannot run here: sshd is not
// installed, or the test is not root (sshd's privilege separation and the login account need
// it). Start skips with this reason; benchmarks and tools can call it to decide up front.
func Available() (string, error) {
	return available(exec.LookPath, os.Geteuid())
}

// available is Available with its two facts injected, so both refusals are tested.
func available(lookPath func(string) (string, error), euid int) (string, error) {
	path, err := lookPath("sshd")
	if err != nil {
		path, err = lookPath(debianSSHD)
	}
	if err != nil {
		return "", errors.New("sshd not found: install it with `apt-get install -y openssh-server` (the system service is never started or touched)")
	}
	if euid != 0 {
		return "", fmt.Errorf("sshd needs root for privilege separation and the %s login account; running as uid %d", UserName, euid)
	}
	return path, nil
}
