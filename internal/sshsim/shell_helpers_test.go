package sshsim_test

import (
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/oca-collector/collector/internal/sshsim"
)

// term is an interactive session as a test sees it: what it types and what the device printed,
// read by one goroutine into a channel so every wait has a deadline.
type term struct {
	t      *testing.T
	sess   *ssh.Session
	stdin  io.WriteCloser
	chunks chan []byte // closed at EOF
	buf    string      // received and not yet consumed by expect
	eof    bool
}

// shellDevice starts a device playing p that the test user logs in to with testPassword.
func shellDevice(t *testing.T, p sshsim.Personality, cfg sshsim.Config) *sshsim.Server {
	t.Helper()
	cfg.Shell = &p
	return passwordDevice(t, cfg)
}

// openShell logs in to srv and starts a shell on a PTY (or without one when pty is false).
func openShell(t *testing.T, srv *sshsim.Server, pty bool, auth ...ssh.AuthMethod) *term {
	t.Helper()
	c := mustDial(t, srv, auth...)
	return startShell(t, c, pty)
}

func startShell(t *testing.T, c *ssh.Client, pty bool) *term {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatalf("new session: %v", err)
	}
	stdin, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := sess.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if pty {
		if err := sess.RequestPty("xterm", 24, 200, ssh.TerminalModes{ssh.ECHO: 1}); err != nil {
			t.Fatalf("pty-req: %v", err)
		}
	}
	if err := sess.Shell(); err != nil {
		t.Fatalf("shell: %v", err)
	}
	tm := &term{t: t, sess: sess, stdin: stdin, chunks: make(chan []byte, 64)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(tm.chunks)
		for {
			b := make([]byte, 4096)
			n, err := stdout.Read(b)
			if n > 0 {
				tm.chunks <- b[:n]
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		_ = sess.Close()
		_ = c.Close()
		for range tm.chunks { // unblock the reader if the test stopped reading
		}
		<-done
	})
	return tm
}

// send types s.
func (tm *term) send(s string) {
	tm.t.Helper()
	if _, err := io.WriteString(tm.stdin, s); err != nil {
		tm.t.Fatalf("send %q: %v", s, err)
	}
}

// expect waits until what was received so far ends with a match of pattern (the device then
// waits for input) and returns everything up to and including it.
func (tm *term) expect(pattern string) string {
	tm.t.Helper()
	re := regexp.MustCompile("(?s)^(.*?)(" + pattern + ")$")
	deadline := time.NewTimer(waitFor)
	defer deadline.Stop()
	for {
		if m := re.FindStringSubmatch(tm.buf); m != nil {
			tm.buf = ""
			return m[0]
		}
		if tm.eof {
			tm.t.Fatalf("EOF waiting for %q; received %q", pattern, tm.buf)
		}
		select {
		case b, ok := <-tm.chunks:
			if !ok {
				tm.eof = true
				continue
			}
			tm.buf += string(b)
		case <-deadline.C:
			tm.t.Fatalf("timed out waiting for %q; received %q", pattern, tm.buf)
		}
	}
}

// quiet asserts the device sends nothing more for a short while: a hung command or a pager
// waiting for its key. A keepalive round trip first flushes anything already in flight.
func (tm *term) quiet(c *ssh.Client, d time.Duration) {
	tm.t.Helper()
	if c != nil {
		if _, _, err := c.SendRequest("keepalive@openssh.com", true, nil); err != nil {
			tm.t.Fatal(err)
		}
	}
	select {
	case b, ok := <-tm.chunks:
		if ok {
			tm.t.Fatalf("device sent %q, want silence", tm.buf+string(b))
		}
		tm.eof = true
		tm.t.Fatalf("device closed the session, want it waiting")
	case <-time.After(d):
	}
}

// closed waits for the device to end the session and returns what it sent before that and
// the session's exit error.
func (tm *term) closed() (string, error) {
	tm.t.Helper()
	deadline := time.NewTimer(waitFor)
	defer deadline.Stop()
	for !tm.eof {
		select {
		case b, ok := <-tm.chunks:
			if !ok {
				tm.eof = true
				continue
			}
			tm.buf += string(b)
		case <-deadline.C:
			tm.t.Fatalf("session still open; received %q", tm.buf)
		}
	}
	waited := make(chan error, 1)
	go func() { waited <- tm.sess.Wait() }()
	select {
	case err := <-waited:
		rest := tm.buf
		tm.buf = ""
		return rest, err
	case <-time.After(waitFor):
		tm.t.Fatal("Wait did not return after EOF")
		return "", nil
	}
}

// promptRE matches p's prompt at the end of the output, exactly as the device sends it.
func promptRE(p sshsim.Personality, priv bool) string {
	return regexp.QuoteMeta(promptText(p, priv))
}

func promptText(p sshsim.Personality, priv bool) string {
	render := p.UserPrompt
	if priv {
		render = p.PrivPrompt
	}
	var prompt string
	switch {
	case render != nil:
		prompt = render(p.Hostname)
	case priv:
		prompt = p.Hostname + "#"
	default:
		prompt = p.Hostname + ">"
	}
	if p.TrailingSpace {
		prompt += " "
	}
	s := p.BeforePrompt + prompt
	if p.PromptPrefixCR {
		s = "\r" + s
	}
	return s
}

// crlf is what a PTY makes of LF text.
func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

// isExitMissing reports whether err says the session ended without an exit status.
func isExitMissing(err error) bool {
	var missing *ssh.ExitMissingError
	return errors.As(err, &missing)
}
