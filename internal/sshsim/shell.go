package sshsim

import (
	"bufio"
	"crypto/subtle"
	"errors"
	"slices"

	"golang.org/x/crypto/ssh"
)

// errDropped ends a shell session whose connection a DropAfter command cut on purpose.
var errDropped = errors.New("sshsim: connection dropped by script")

// errStopped ends a shell session whose client or server went away during a pause.
var errStopped = errors.New("sshsim: session stopped")

// cli is one interactive session playing a Personality on a session channel. It runs on one
// goroutine: it reads the channel byte by byte, so type-ahead waits in the channel until the
// previous command's output and prompt are out, as on a real device.
type cli struct {
	c    *conn
	p    *Personality
	ch   ssh.Channel
	in   *bufio.Reader
	stop <-chan struct{}

	echo    bool   // the PTY echoes input (and Enter)
	pending []byte // echo not yet written: flushed before a read would block
	lastCR  bool   // the previous byte was "\r": a "\n" right after it is the same Enter
	priv    bool   // at the privileged level
	paging  bool   // output is paged
	mode    string // configuration context, "" at the top level
	budget  int    // output bytes left before a scripted drop; -1 = no drop scripted
}

// shell runs the device's CLI on ch until an exit command, the client leaving or Close.
func (c *conn) shell(ch ssh.Channel, pty bool, stop <-chan struct{}) {
	p := c.s.cfg.Shell
	k := &cli{
		c:      c,
		p:      p,
		ch:     ch,
		in:     bufio.NewReader(ch),
		stop:   stop,
		echo:   pty && p.EchoCommands,
		priv:   p.StartPrivileged,
		paging: p.PagerMarker != "",
		budget: -1,
	}
	if err := k.run(); err != nil {
		c.s.log.Debug("sshsim shell ended", keyHost, c.s.Addr(), keyError, err)
		return
	}
	// An exit command: OpenSSH's order, EOF, exit status, close.
	_ = ch.CloseWrite()
	st := struct{ Status uint32 }{0}
	_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(&st))
	_ = ch.Close()
}

// run plays the login screens and then the command loop. It returns nil after an exit
// command, and an error when the session ended any other way.
func (k *cli) run() error {
	if err := k.write(k.p.Banner); err != nil {
		return err
	}
	if k.p.Gate != "" {
		if err := k.gate(); err != nil {
			return err
		}
	}
	for {
		if err := k.sendPrompt(); err != nil {
			return err
		}
		line, err := k.readLine(k.echo)
		if err != nil {
			return err
		}
		done, err := k.execute(normalize(line))
		if err != nil || done {
			return err
		}
	}
}

// gate shows the accept screen and waits for its key.
func (k *cli) gate() error {
	if err := k.write(k.p.Gate); err != nil {
		return err
	}
	for {
		b, err := k.readByte()
		if err != nil {
			return err
		}
		k.lastCR = b == '\r'
		if k.p.GateKey == "" || string(b) == k.p.GateKey {
			return k.writeRaw("\r\n")
		}
	}
}

// execute runs one command line; done is true when it ended the session.
func (k *cli) execute(cmd string) (done bool, err error) {
	if cmd == "" {
		return false, nil
	}
	s, p := k.c.s, k.p
	s.noteShellCommand(cmd)
	s.log.Debug("sshsim shell command", keyHost, s.Addr(), keyCommand, cmd)
	prompt := k.promptText()
	if !pause(s.cfg.Latency, k.stop, s.done) { // one round trip per response
		return false, errStopped
	}
	if mode, ok := p.Modes[cmd]; ok {
		k.mode = mode
		return false, nil
	}
	switch {
	case k.mode != "" && slices.Contains(p.ModeExit, cmd):
		k.mode = ""
		return false, nil
	case k.mode == "" && slices.Contains(p.ExitCommands, cmd):
		return true, k.write(p.ExitMessage)
	case p.EnableCommand != "" && cmd == p.EnableCommand:
		return false, k.enable()
	case slices.Contains(p.PagingOff, cmd):
		k.paging = false
	}
	out, ok := p.Commands[cmd]
	switch {
	case !ok && !p.known(cmd):
		return false, k.write(p.unknownText(cmd, prompt))
	case p.PrivOnly[cmd] && !k.priv:
		return false, k.write(p.fill(p.PrivError, cmd, prompt))
	case p.Hang[cmd]:
		if err := k.write(firstHalf(out)); err != nil {
			return false, err
		}
		return false, k.hang()
	case p.DropAfter[cmd] > 0:
		k.budget = p.DropAfter[cmd]
		if err := k.page(out); err != nil {
			return false, err
		}
		k.c.disconnect() // the output was shorter than the budget: drop after all of it
		return false, errDropped
	}
	return false, k.page(out)
}

// enable plays the privilege dialogue. The password is read without echo and never recorded.
func (k *cli) enable() error {
	p := k.p
	if k.priv {
		return nil
	}
	if p.EnablePassword != "" {
		if err := k.writeRaw(p.EnablePrompt); err != nil {
			return err
		}
		pw, err := k.readLine(false)
		if err != nil {
			return err
		}
		if subtle.ConstantTimeCompare([]byte(pw), []byte(p.EnablePassword)) != 1 {
			return k.write(p.EnableFailure)
		}
	}
	k.priv = true
	return k.write(p.EnableSuccess)
}

// hang is a command that never returns: input is swallowed until the session ends.
func (k *cli) hang() error {
	k.echo = false
	for {
		if _, err := k.readByte(); err != nil {
			return err
		}
	}
}

// promptText is the prompt for the current level or mode, as the caret of an error sees it.
func (k *cli) promptText() string {
	host := k.p.Hostname
	var prompt string
	switch {
	case k.mode != "":
		prompt = k.p.ModePrompt(host, k.mode)
	case k.priv:
		prompt = k.p.PrivPrompt(host)
	default:
		prompt = k.p.UserPrompt(host)
	}
	if k.p.TrailingSpace {
		prompt += " "
	}
	return prompt
}

func (k *cli) sendPrompt() error {
	s := k.p.BeforePrompt + k.promptText()
	if k.p.PromptPrefixCR {
		s = "\r" + s
	}
	return k.writeRaw(s)
}

// readLine reads up to Enter ("\r", "\n" or "\r\n"), handling backspace and echoing typed
// characters when echo is set (not for a password). Enter is echoed whenever the PTY echoes.
func (k *cli) readLine(echo bool) (string, error) {
	var line []byte
	for {
		b, err := k.readByte()
		if err != nil {
			return "", err
		}
		crlf := b == '\n' && k.lastCR
		k.lastCR = b == '\r'
		switch {
		case crlf: // the second half of a "\r\n" Enter
		case b == '\r' || b == '\n':
			if k.echo {
				k.pending = append(k.pending, "\r\n"+k.p.AfterEnter...)
				if err := k.flushEcho(); err != nil {
					return "", err
				}
			}
			return string(line), nil
		case b == 0x7f || b == '\b':
			if len(line) > 0 {
				line = line[:len(line)-1]
				if echo && k.echo {
					k.pending = append(k.pending, "\b \b"...)
				}
			}
		case b < 0x20: // other control keys do nothing here
		default:
			line = append(line, b)
			if echo && k.echo {
				k.pending = append(k.pending, b)
			}
		}
	}
}

// pagerAction is what a key pressed at the pager marker asks for.
type pagerAction int

const (
	pagerNextPage pagerAction = iota
	pagerNextLine
	pagerQuit
)

// pagerKey waits at the marker for a key that means something; others are ignored.
func (k *cli) pagerKey() (pagerAction, error) {
	for {
		b, err := k.readByte()
		if err != nil {
			return 0, err
		}
		crlf := b == '\n' && k.lastCR
		k.lastCR = b == '\r'
		switch {
		case crlf:
		case b == k.p.PagerKey:
			return pagerNextPage, nil
		case b == '\r' || b == '\n':
			return pagerNextLine, nil
		case b == 'q' || b == 'Q':
			return pagerQuit, nil
		}
	}
}

// readByte reads the next input byte, first flushing any echo owed if the read may block.
func (k *cli) readByte() (byte, error) {
	if k.in.Buffered() == 0 {
		if err := k.flushEcho(); err != nil {
			return 0, err
		}
	}
	return k.in.ReadByte()
}

func (k *cli) flushEcho() error {
	if len(k.pending) == 0 {
		return nil
	}
	_, err := k.ch.Write(k.pending)
	k.pending = k.pending[:0]
	return err
}

func (s *Server) noteShellCommand(cmd string) {
	s.mu.Lock()
	s.stats.ShellCommands = append(s.stats.ShellCommands, cmd)
	s.mu.Unlock()
}

func (s *Server) notePager() {
	s.mu.Lock()
	s.stats.PagerPrompts++
	s.mu.Unlock()
}
