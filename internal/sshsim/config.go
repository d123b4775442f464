package sshsim

import (
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/crypto/ssh"
)

// defaultMaxSessions is OpenSSH sshd's MaxSessions default: a collector that opens more channels
// than this on one connection works against the simulator only if it also works against sshd.
const defaultMaxSessions = 10

// Config scripts one simulated device. The zero value is a device nobody can log in to.
type Config struct {
	// HostKey identifies the device; nil generates a fresh ed25519 key. Pin one to keep
	// known_hosts entries stable across restarts.
	HostKey ssh.Signer
	// Users maps login names to the ways they may authenticate.
	Users map[string]User
	// Commands maps an exact exec command line to its scripted response.
	Commands map[string]Response
	// Unknown answers commands missing from Commands; nil answers like a POSIX shell:
	// stderr "sh: 1: <cmd>: not found\n", exit 127.
	Unknown *Response
	// NoSSH makes a tarpit: TCP connections are accepted and never spoken to, and held open
	// until the client leaves or Close. This is what a dead SSH daemon behind a live port
	// looks like, and what every collector deadline must survive.
	NoSSH bool
	// RejectExec refuses exec requests, as a shell-only network device does. An exec that
	// asks for no reply is refused by closing its channel.
	RejectExec bool
	// POSIXBatch answers an exec of "/bin/sh -s" by interpreting the collector's batch script
	// from stdin (see runBatch: a test double for that one script format, not a shell), so
	// batch mode can be measured against the simulator. Off, "/bin/sh -s" is an ordinary
	// command line looked up in Commands.
	POSIXBatch bool
	// Shell, when set, makes the device a network box with a CLI: a "shell" request (after
	// "pty-req") starts an interactive session playing this personality, and exec'd commands
	// missing from Commands are answered from the personality's own commands (unless
	// Shell.RefuseExec refuses exec altogether). nil refuses shell requests.
	Shell *Personality
	// KeyboardInteractive also offers keyboard-interactive authentication, one "Password: "
	// question answered with the user's Password, as sshd does with KbdInteractiveAuthentication
	// (Shell.KeyboardInteractiveOnly offers it instead of password authentication).
	KeyboardInteractive bool
	// MaxSessions limits session channels open at once on one connection; 0 means 10, like
	// sshd. Opens beyond it are rejected as sshd rejects them: "connect failed" (ssh.ConnectionFailed).
	MaxSessions int
	// AuthDelay is waited before answering each authentication attempt (a slow device or a
	// slow PAM/RADIUS backend).
	AuthDelay time.Duration
	// Latency models a WAN round trip: it is waited before the server answers each channel
	// open and each request that wants a reply (exec, pty-req, shell, global requests). An
	// exec'd command's output follows its exec reply, as on a real link, so a command run on
	// a fresh channel costs the client at least two round trips of Latency.
	Latency time.Duration
	// Algorithms restricts what the device offers in the handshake, to play old gear that
	// knows only diffie-hellman-group1-sha1, aes128-cbc or ssh-rsa with SHA-1. Empty lists keep
	// x/crypto's defaults.
	Algorithms Algorithms
	// AllowForward accepts "direct-tcpip" channels (what ssh -J and ProxyJump open), so the
	// device can play a jump host. Only loopback targets are dialled; others are refused as
	// "administratively prohibited".
	AllowForward bool
	// Logger receives debug logs of connections, logins and commands; nil discards them.
	// Passwords and keys are never logged.
	Logger *slog.Logger
}

// User says how one login name may authenticate.
type User struct {
	// Password is the accepted password; "" refuses password authentication for this user.
	Password string
	// AuthorizedKeys are the accepted public keys. Agent authentication is public-key
	// authentication on the wire, so agent-held keys go here too.
	AuthorizedKeys []ssh.PublicKey
}

// Response scripts what one exec'd command does.
type Response struct {
	// Output is written in order, each chunk to stdout or stderr after its Delay.
	Output []Chunk
	// ExitStatus is sent as "exit-status" once Output is written.
	ExitStatus int
	// Hang keeps the channel open after Output, never sending an exit status, until the
	// client closes the channel or connection, or Close: a command that never returns.
	Hang bool
	// DisconnectAfter > 0 closes the whole TCP connection once this many bytes of the
	// concatenated stdout+stderr output are written (after all of it if the output is
	// shorter), before any exit status: a device dropping mid-output.
	DisconnectAfter int
	// Signal, when set, sends "exit-signal" with this RFC 4254 name ("KILL", "TERM"; a
	// leading "SIG" is dropped) instead of "exit-status".
	Signal string
}

// Chunk is one write of a command's output.
type Chunk struct {
	// Stderr sends Data as extended data (stderr) rather than stdout.
	Stderr bool
	// Data is written as is; CRLF, ANSI escapes and invalid UTF-8 are the test's business.
	Data string
	// Delay is waited before this chunk is written (a slow command).
	Delay time.Duration
}

// Stdout is the common case: a command that prints s and exits 0.
func Stdout(s string) Response {
	return Response{Output: []Chunk{{Data: s}}}
}

// notFound is what a POSIX shell answers for an unknown command, so the collector sees the
// same thing from the simulator as from a Linux host.
func notFound(cmd string) Response {
	return Response{
		Output:     []Chunk{{Stderr: true, Data: fmt.Sprintf("sh: 1: %s: not found\n", cmd)}},
		ExitStatus: 127,
	}
}

// clone copies r's slice so a caller reusing its Response cannot race with a running command.
func (r Response) clone() Response {
	r.Output = append([]Chunk(nil), r.Output...)
	return r
}

// Algorithms are the handshake algorithms a simulated device offers.
type Algorithms struct {
	KeyExchanges      []string
	Ciphers           []string
	MACs              []string
	HostKeyAlgorithms []string // signature algorithms of the host key, e.g. ssh.KeyAlgoRSA (SHA-1)
}
