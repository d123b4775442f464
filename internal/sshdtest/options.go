package sshdtest

import "golang.org/x/crypto/ssh"

// UserName is the local account the daemons accept logins for. It is dedicated to these tests:
// an ordinary user with /bin/sh and no sudo rights, created by Start on first use, so a test
// never logs in as root or as a person's account.
const UserName = "ocatest"

// maxListenSockets is sshd's MAX_LISTEN_SOCKS: one daemon can listen on at most this many
// address x port sockets, and more is fatal at startup, so Start spreads bigger layouts over
// several daemons.
const maxListenSockets = 16

// Options describes the daemons a test wants. The zero value is one daemon on 127.0.0.1, one
// port, key authentication only, an ed25519 host key.
type Options struct {
	// Listen holds the loopback IPs to listen on; default ["127.0.0.1"]. All of 127.0.0.0/8 is
	// loopback, so 127.0.1.1, 127.0.1.2, ... give distinct "devices" with no setup. Start runs
	// one daemon per 16 sockets (sshd's limit, counting every address x port), all sharing
	// the host key, the user and the port numbers.
	Listen []string
	// Ports is the number of ports per address; default 1. The port numbers are chosen by the
	// kernel and are the same on every address, so ForceCommand can name a port by index.
	Ports int
	// ForceCommand maps a port index (0-based, below Ports) to the path of a script that runs
	// as the session on that port (Match LocalPort + ForceCommand): a scripted "device" whose
	// CLI is the script. The exec command arrives in $SSH_ORIGINAL_COMMAND. Start copies the
	// script (mode 0755) next to the config, because the login user cannot reach a root-only
	// t.TempDir(); a script that reads sibling files must therefore use absolute paths.
	ForceCommand map[int]string
	// PasswordAuth enables password authentication (PasswordAuthentication yes); off by
	// default so key tests do not silently fall back to the password.
	PasswordAuth bool
	// HostKeyType is "ed25519" (default) or "rsa" (2048 bits: enough for a test and quick to
	// generate), for code paths that negotiate rsa-sha2-* host key algorithms.
	HostKeyType string
	// ExtraConfig holds raw sshd_config lines. sshd keeps the first value it reads for most
	// keywords, so global lines are written before the harness's defaults and override them
	// (e.g. "MaxSessions 2", "MaxStartups 10:30:100" to test a device's real limits); from the
	// first "Match" line on, the lines go after the defaults, where a Match block belongs.
	// A global SetEnv here replaces the harness's session marker (see stopAll), so cleanup
	// would then miss commands that outlived their session.
	ExtraConfig []string
}

// Daemon is what a test needs to reach the daemons Start launched. Everything in it stays valid
// until the test's cleanup runs.
type Daemon struct {
	// User is the login user, always UserName.
	User string
	// Password is User's password: a fixture generated once per machine (see Start), not a
	// secret worth protecting, but still never logged by this package.
	Password string
	// ClientKey is an ed25519 key authorized for User, generated per Start.
	ClientKey ssh.Signer
	// ClientKeyPath is ClientKey's private half, unencrypted OpenSSH format, mode 0600, for
	// code that loads keys from files (the inventory's private_key).
	ClientKeyPath string
	// HostKey is the host key every daemon of this Start presents.
	HostKey ssh.PublicKey
	// Addrs holds "ip:port" for every listen address x port, address-major, in the order of
	// Options.Listen and then port index.
	Addrs []string
	// KnownHostsPath is a known_hosts file (0600) listing HostKey for every entry of Addrs, so
	// tests verify host keys strictly, the way the collector does by default.
	KnownHostsPath string
	// LogPath is the sshd log (-E) that all daemons of this Start append to; its tail is
	// printed when the test fails.
	LogPath string

	procs  []*process // one per sshd master, for cleanup and tests
	marker string     // "NAME=value" that sshd puts into every session's environment
}
