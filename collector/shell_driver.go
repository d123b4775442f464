package collector

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/oca-collector/collector/devices"
)

const (
	// defaultSettle is how long a line matching a prompt pattern must stay the last thing
	// received before it is taken for the first prompt: banners pause too.
	defaultSettle = 40 * time.Millisecond
	// recoverWait bounds waiting for the prompt after interrupting a command that timed out;
	// past it the shell is replaced by a new one.
	recoverWait = 5 * time.Second
	// setupLimit caps what is kept of banners, enable and on-open exchanges.
	setupLimit = 1 << 20
	// maxGateAnswers stops a device that keeps asking from being answered forever.
	maxGateAnswers = 8
	// ptyRows and ptyCols make the terminal big enough that devices neither page nor wrap
	// (511 columns is the widest IOS accepts).
	ptyRows, ptyCols = 200, 511
)

// shellDriver drives a device's interactive CLI through a PTY, for network devices that offer
// no exec channel or whose exec channel does not run CLI commands. One shell per connection:
// wait for the first prompt through banners and accept-gates, learn it exactly, enable, run the
// platform's on-open commands, then each command in turn, recognising its end by the learned
// prompt coming back at the start of the last line.
type shellDriver struct {
	device         string
	platform       devices.Platform
	cred           devices.Credential
	pat            *shellPatterns
	patErr         error // a bad platform definition fails every command with this
	commandTimeout time.Duration
	maxOutput      int64
	budget         *atomic.Int64
	settle         time.Duration
	log            *slog.Logger
}

func newShellDriver(dev devices.Device, col devices.Collection, budget *atomic.Int64, log *slog.Logger) driver {
	pat, err := compilePatterns(dev.PlatformDef)
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	timeout := col.CommandTimeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	return &shellDriver{
		device: dev.Name, platform: dev.PlatformDef, cred: dev.Credential, pat: pat, patErr: err,
		commandTimeout: timeout, maxOutput: col.MaxOutputBytes, budget: budget,
		settle: defaultSettle, log: log,
	}
}

// shellState is what a command left the shell in.
type shellState int

const (
	shellReady shellState = iota // at the prompt
	shellStale                   // out of step (timeout, output limit): resynchronise first
	shellLost                    // closed, connection gone or ctx ended
)

func (d *shellDriver) run(ctx context.Context, s *session, records []CommandRecord, errs []error, todo []int) {
	if len(todo) == 0 {
		return
	}
	fail := func(err error) {
		for _, i := range todo {
			records[i], errs[i] = notRun(records[i], err)
		}
	}
	if d.patErr != nil {
		fail(d.patErr)
		return
	}
	sh, err := d.open(ctx, s)
	if err != nil {
		fail(err)
		return
	}
	s.prompt = sh.display
	var broken error // set once the remaining commands cannot run
	for _, i := range todo {
		if broken == nil && ctx.Err() != nil {
			broken = ctxError(ctx, "before the command started")
		}
		if broken != nil {
			records[i], errs[i] = notRun(records[i], broken)
			continue
		}
		var st shellState
		records[i], st, errs[i] = d.command(ctx, sh, records[i])
		switch st {
		case shellLost:
			if ctx.Err() != nil {
				broken = ctxError(ctx, "before the command started")
			} else {
				broken = fmt.Errorf("not run: the session was lost during %q: %w", records[i].Command, errs[i])
			}
		case shellStale:
			sh, broken = d.recover(ctx, s, sh, records[i].Command)
		}
	}
	if sh != nil {
		if d.platform.Exit != "" {
			_ = sh.send(ctx, d.platform.Exit+"\n", time.Second) // politeness; the channel is closed anyway
		}
		sh.close()
	}
}

// open starts a shell and brings it to the prompt the commands run at.
func (d *shellDriver) open(ctx context.Context, s *session) (*shell, error) {
	sh, err := d.start(ctx, s)
	if err != nil {
		return nil, err
	}
	if err = d.firstPrompt(ctx, sh); err == nil {
		if err = d.enable(ctx, sh); err == nil {
			err = d.onOpen(ctx, sh)
		}
	}
	if err != nil {
		sh.close()
		return nil, err
	}
	d.log.Debug("shell ready", "device", d.device, "prompt", sh.prompt)
	return sh, nil
}

// command runs one command and says what state it left the shell in.
func (d *shellDriver) command(ctx context.Context, sh *shell, rec CommandRecord) (CommandRecord, shellState, error) {
	rec.Started = time.Now()
	rec.ExitStatus, rec.Error, rec.Truncated = -1, "", false
	x := d.exchange(ctx, sh, rec.Command, newCapture(d.maxOutput, d.budget))
	rec.Duration = time.Since(rec.Started)
	rec.Output = cleanOutput(x.buf, rec.Command, sh.prompt, x.marks, x.res == endDone)
	rec.Stderr = min(x.stderr, len(rec.Output))

	var err error
	st := shellStale
	switch x.res {
	case endDone:
		norm := AppendNormalized(nil, rec.Output)
		if why := d.truncation(norm, sh.prompt); why != "" {
			err, st = fmt.Errorf("output truncated: %s", why), shellReady
			break
		}
		// A device's error message is evidence, like a non-zero exit status in exec mode.
		rec.ExitStatus = 0
		if d.pat.failed(norm) {
			rec.ExitStatus = 1
		}
		return rec, shellReady, nil
	case endTimeout:
		err = classError(ErrTimeout, fmt.Errorf("command timeout after %s%s; last bytes received: %s",
			d.commandTimeout, d.stall(x.buf, sh.prompt), quoteTail(x.buf, 120)))
	case endFull:
		err = classError(ErrOutputLimit, fmt.Errorf("output exceeds the limit (max_output_bytes %d or max_device_bytes)", d.maxOutput))
	case endCtx:
		err, st = ctxError(ctx, "while the command ran"), shellLost
	default:
		err, st = d.lost(sh, "during the command", x.err), shellLost
	}
	rec.Truncated = true
	rec.Error = err.Error()
	return rec, st, err
}

// truncation says why a command's completed output cannot be trusted whole, or "".
func (d *shellDriver) truncation(norm []byte, prompt string) string {
	last := lastTextLine(norm)
	if _, ok := d.pat.pager(last); ok {
		return fmt.Sprintf("it ends at a pager prompt %q", last)
	}
	if d.pat.foreignPrompt(last, prompt) {
		return fmt.Sprintf("it ends at another prompt %q (expected %q)", last, prompt)
	}
	return ""
}

// stall describes where a command that timed out was stuck, when that is recognisable.
func (d *shellDriver) stall(buf []byte, prompt string) string {
	_, line, ok := tailLine(buf)
	if !ok {
		return ""
	}
	if _, ok := d.pat.pager(line); ok {
		return fmt.Sprintf(": output stopped at a pager prompt %q", strings.TrimSpace(line))
	}
	if d.pat.foreignPrompt(line, prompt) {
		return fmt.Sprintf(": the device is at another prompt %q, not %q", strings.TrimRight(line, " \t"), prompt)
	}
	return ""
}

type exchangeResult struct {
	buf    []byte
	stderr int
	marks  []pagerMark
	res    waitEnd
	err    error
}

// exchange sends cmd and collects into c until the learned prompt comes back, answering pagers
// (see commandScan).
func (d *shellDriver) exchange(ctx context.Context, sh *shell, cmd string, c *capture) exchangeResult {
	sh.use(c)
	var x exchangeResult
	if err := sh.send(ctx, cmd+"\n", d.commandTimeout); err != nil {
		x.res, x.err = endClosed, err
	} else {
		scan := newCommandScan(d.pat, cmd, sh.prompt)
		x.res, x.err = sh.wait(ctx, d.commandTimeout, scan.step)
		x.marks = scan.marks
	}
	x.buf, x.stderr, _ = c.snapshot()
	return x
}

// firstPrompt waits through banners and gates for a line matching a prompt pattern that stays
// the last thing received, then confirms it: a newline must bring a prompt back. A banner that
// pauses on a line looking like a prompt is thus not mistaken for one.
func (d *shellDriver) firstPrompt(ctx context.Context, sh *shell) error {
	gateAt, gates := 0, 0
	var cand string
	res, err := sh.wait(ctx, d.commandTimeout, func(buf []byte, quiet bool) action {
		start, line, ok := tailLine(buf)
		if !ok {
			return action{}
		}
		if gates < maxGateAnswers && len(buf) > gateAt && len(d.pat.gates) > 0 {
			gline, gstart := line, start
			if strings.TrimSpace(line) == "" {
				if ps, _, pl, ok := prevLine(buf); ok {
					gline, gstart = pl, ps
				}
			}
			if r, ok := d.pat.gate(gline); ok && gstart >= gateAt {
				if !quiet {
					return action{wantQuiet: true}
				}
				gates++
				gateAt = len(buf)
				return action{send: r.send}
			}
		}
		return settledPrompt(line, d.pat.level(line) != levelNone, quiet, &cand)
	})
	if err := d.promptError(ctx, sh, res, err, "before the first prompt"); err != nil {
		return err
	}

	learned := strings.TrimRight(cand, " \t")
	sh.use(newCapture(setupLimit, nil))
	if err := sh.send(ctx, "\n", d.commandTimeout); err != nil {
		return d.lost(sh, "before the first prompt", err)
	}
	res, err = sh.wait(ctx, d.commandTimeout, func(buf []byte, quiet bool) action {
		_, line, ok := tailLine(buf)
		return settledPrompt(line, ok && (samePrompt(line, learned) || d.pat.level(line) != levelNone), quiet, &cand)
	})
	if err := d.promptError(ctx, sh, res, err, "before the first prompt"); err != nil {
		return err
	}
	sh.learn(cand, d.pat.level(cand))
	return nil
}

// settledPrompt is the wait step's answer for a last line that may be a prompt: nothing when it
// is not one, a request for the settle time while more may follow, and done once the device has
// stayed quiet on it (the line is kept in cand).
func settledPrompt(line string, isPrompt, quiet bool, cand *string) action {
	switch {
	case !isPrompt:
		return action{}
	case !quiet:
		return action{wantQuiet: true}
	}
	*cand = line
	return action{done: true}
}

// promptError turns the outcome of waiting for the first prompt into the device's error.
func (d *shellDriver) promptError(ctx context.Context, sh *shell, res waitEnd, err error, when string) error {
	buf := sh.view()
	switch res {
	case endDone:
		return nil
	case endTimeout:
		return classError(ErrNoPrompt, fmt.Errorf("no prompt within %s: expected %s; last bytes received: %s",
			d.commandTimeout, d.pat.describe(), quoteTail(buf, 200)))
	case endFull:
		return classError(ErrNoPrompt, fmt.Errorf("no prompt in the first %d bytes: expected %s; last bytes received: %s",
			setupLimit, d.pat.describe(), quoteTail(buf, 200)))
	case endCtx:
		return ctxError(ctx, "while waiting for the first prompt")
	}
	if connectionAlive(sh.client, sh.dead) {
		return fmt.Errorf("the device closed the shell %s; last bytes received: %s", when, quoteTail(buf, 200))
	}
	return d.lost(sh, when, err)
}

// lost is the error of a shell that closed or whose connection dropped: ErrDisconnect, so the
// device runner resumes the commands on a new connection when retries allow.
func (d *shellDriver) lost(sh *shell, when string, cause error) error {
	if !connectionAlive(sh.client, sh.dead) {
		if cause != nil {
			return classError(ErrDisconnect, fmt.Errorf("connection lost %s: %w", when, cause))
		}
		return classError(ErrDisconnect, fmt.Errorf("connection lost %s", when))
	}
	return classError(ErrDisconnect, fmt.Errorf("the device closed the shell %s", when))
}

// onOpen runs the platform's on-open commands (paging off, width). Their output is discarded; a
// failure is logged and the driver goes on (the pager answers cover paging left on).
func (d *shellDriver) onOpen(ctx context.Context, sh *shell) error {
	for _, cmd := range d.platform.OnOpen {
		x := d.exchange(ctx, sh, cmd, newCapture(setupLimit, nil))
		switch x.res {
		case endDone:
			out := AppendNormalized(nil, cleanOutput(x.buf, cmd, sh.prompt, x.marks, true))
			if d.pat.failed(out) {
				d.log.Warn("on-open command refused by the device; continuing", "device", d.device, "command", cmd)
			}
			continue
		case endCtx:
			return ctxError(ctx, "while running the on-open commands")
		case endClosed, endFailed:
			return d.lost(sh, fmt.Sprintf("during on-open command %q", cmd), x.err)
		}
		d.log.Warn("on-open command did not return to the prompt; continuing", "device", d.device, "command", cmd)
		if err := d.resync(ctx, sh); err != nil {
			return fmt.Errorf("on-open command %q: %w", cmd, err)
		}
	}
	return nil
}

// resync brings the shell back to the learned prompt after a command that timed out or
// overflowed: Ctrl-C first; if the prompt has not come back within half the wait, a newline,
// which also shows the prompt of a device that ignores Ctrl-C once it is at its prompt (the
// interrupt has by then answered any "[confirm]" question with no). The prompt must settle, so
// that late output and repeated prompts are not taken for the next command's.
func (d *shellDriver) resync(ctx context.Context, sh *shell) error {
	wait := min(d.commandTimeout, recoverWait)
	step := func(buf []byte, quiet bool) action {
		if atPrompt(buf, sh.prompt) {
			if quiet {
				return action{done: true}
			}
			return action{wantQuiet: true}
		}
		return action{}
	}
	sh.use(newCapture(setupLimit, nil))
	var res waitEnd
	var err error
	for _, key := range []string{"\x03", "\n"} {
		if err = sh.send(ctx, key, d.commandTimeout); err != nil {
			return d.lost(sh, "while interrupting a command", err)
		}
		if res, err = sh.wait(ctx, wait/2, step); res != endTimeout {
			break
		}
	}
	switch res {
	case endDone:
		return nil
	case endCtx:
		return ctxError(ctx, "while interrupting a command")
	case endClosed, endFailed:
		return d.lost(sh, "while interrupting a command", err)
	}
	return classError(ErrTimeout, fmt.Errorf("the prompt %q did not come back within %s of Ctrl-C; last bytes received: %s",
		sh.prompt, wait, quoteTail(sh.view(), 120)))
}

// recover brings a shell left out of step by a command back to the prompt: in band if the
// device honours Ctrl-C, else on a new shell. When neither works, the remaining commands fail
// with ErrDisconnect so the device runner resumes them on a new connection if retries allow.
func (d *shellDriver) recover(ctx context.Context, s *session, sh *shell, cmd string) (*shell, error) {
	err := d.resync(ctx, sh)
	if err == nil {
		return sh, nil
	}
	sh.close()
	if ctx.Err() != nil {
		return nil, ctxError(ctx, "before the command started")
	}
	d.log.Info("shell did not come back to the prompt; opening a new one", "device", d.device, "command", cmd, "error", err)
	nsh, err := d.open(ctx, s)
	if err != nil {
		// The cause's text only, not the error: the class is "disconnect" (resume on a new
		// connection) whatever stopped the new shell.
		return nil, &classifiedError{class: ErrDisconnect,
			err: fmt.Errorf("not run: the shell stopped answering after %q and a new one failed: %s", cmd, err.Error())}
	}
	s.prompt = nsh.display
	return nsh, nil
}

// enable reaches the privileged level when the shell is at the user level, the platform has an
// enable dialogue and the credential an enable password. A refusal is ErrEnable: commands run
// at the wrong level would produce a plausible but incomplete bulk file.
func (d *shellDriver) enable(ctx context.Context, sh *shell) error {
	en := d.platform.Enable
	if sh.level != levelUser || en == nil || en.Command == "" {
		return nil
	}
	if d.cred.EnablePasswordEnv == "" {
		d.log.Info("user-level prompt and no enable_password_env: commands run unprivileged", "device", d.device)
		return nil
	}
	pw, err := d.cred.ResolveEnablePassword()
	if err != nil {
		return classError(ErrCredential, fmt.Errorf("enable: %w", err))
	}
	refused := classError(ErrEnable, fmt.Errorf("enable refused: wrong enable password? (credential %s)", d.cred.Name))
	sh.use(newCapture(setupLimit, nil))
	if err := sh.send(ctx, en.Command+"\n", d.commandTimeout); err != nil {
		return d.lost(sh, "during enable", err)
	}
	sentAt := -1
	var priv string
	res, err := sh.wait(ctx, d.commandTimeout, func(buf []byte, quiet bool) action {
		if d.pat.enableFailure != nil && d.pat.enableFailure.Match(AppendNormalized(nil, buf[max(0, len(buf)-4096):])) {
			return action{err: refused}
		}
		start, line, ok := tailLine(buf)
		switch {
		case !ok:
		case d.pat.priv != nil && d.pat.priv.MatchString(line):
			if !quiet {
				return action{wantQuiet: true}
			}
			priv = line
			return action{done: true}
		case samePrompt(line, sh.prompt):
			return action{err: refused} // back at the user level
		case d.pat.enablePassword != nil && d.pat.enablePassword.MatchString(line):
			if sentAt < 0 {
				sentAt = len(buf)
				return action{send: pw.Reveal() + "\n"}
			}
			if start >= sentAt {
				return action{err: refused} // asked again: the password was wrong
			}
		}
		return action{}
	})
	switch res {
	case endDone:
		sh.learn(priv, levelPrivileged)
		d.log.Debug("enabled", "device", d.device, "prompt", sh.prompt)
		return nil
	case endFailed:
		return err
	case endCtx:
		return ctxError(ctx, "during enable")
	case endClosed:
		return d.lost(sh, "during enable", err)
	}
	tail := strings.ReplaceAll(quoteTail(sh.view(), 120), pw.Reveal(), "[REDACTED]")
	return classError(ErrEnable, fmt.Errorf("enable: no privileged prompt within %s after %q; last bytes received: %s",
		d.commandTimeout, en.Command, tail))
}

// start opens the session channel, asks for a PTY and a shell, all within command_timeout.
func (d *shellDriver) start(ctx context.Context, s *session) (*shell, error) {
	type started struct {
		sh  *shell
		err error
	}
	ch := make(chan started, 1)
	go func() {
		sh, err := startShell(s, d.settle)
		ch <- started{sh, err}
	}()
	t := time.NewTimer(d.commandTimeout)
	defer t.Stop()
	var err error
	select {
	case st := <-ch:
		if st.err == nil {
			return st.sh, nil
		}
		if !connectionAlive(s.client, s.dead) {
			return nil, classError(ErrDisconnect, fmt.Errorf("start shell: connection lost: %w", st.err))
		}
		return nil, fmt.Errorf("start shell: %w", st.err)
	case <-t.C:
		err = classError(ErrTimeout, fmt.Errorf("start shell: no answer within %s", d.commandTimeout))
	case <-ctx.Done():
		err = ctxError(ctx, "while starting the shell")
	case <-s.dead:
		err = classError(ErrDisconnect, errors.New("start shell: connection lost"))
	}
	// The goroutine ends when the device answers or the connection is closed.
	go func() {
		if st := <-ch; st.sh != nil {
			st.sh.close()
		}
	}()
	return nil, err
}

func startShell(s *session, settle time.Duration) (*shell, error) {
	sess, err := s.client.NewSession()
	if err != nil {
		return nil, fmt.Errorf("open channel: %w", err)
	}
	stdin, err1 := sess.StdinPipe()
	stdout, err2 := sess.StdoutPipe()
	stderr, err3 := sess.StderrPipe()
	if err := errors.Join(err1, err2, err3); err != nil {
		_ = sess.Close()
		return nil, err
	}
	// Echo stays on: devices echo whatever the PTY says, and the driver strips the echo.
	modes := ssh.TerminalModes{ssh.ECHO: 1, ssh.TTY_OP_ISPEED: 38400, ssh.TTY_OP_OSPEED: 38400}
	if err := sess.RequestPty("vt100", ptyRows, ptyCols, modes); err != nil {
		_ = sess.Close()
		return nil, fmt.Errorf("pty request: %w", err)
	}
	if err := sess.Shell(); err != nil {
		_ = sess.Close()
		return nil, fmt.Errorf("shell request: %w", err)
	}
	sh := &shell{sess: sess, stdin: stdin, client: s.client, dead: s.dead, settle: settle,
		cur: newCapture(setupLimit, nil), wake: make(chan struct{}, 1), drained: make(chan struct{})}
	go sh.pump(stdout, false)
	go sh.pump(stderr, true)
	return sh, nil
}

// shell is one interactive session: what the device sent since the last use() lands in cur,
// merged from stdout and stderr in arrival order.
type shell struct {
	sess   *ssh.Session
	stdin  io.Writer
	client *ssh.Client
	dead   <-chan struct{}
	settle time.Duration

	mu      sync.Mutex
	cur     *capture // written only under mu, so its buf may be read under mu alone
	last    time.Time
	closed  bool
	wake    chan struct{}
	drained chan struct{} // closed when stdout has been read to its end

	prompt  string // learned, trailing blanks trimmed
	display string // as shown, for the session framing
	level   promptLevel
}

func (sh *shell) learn(line string, lvl promptLevel) {
	sh.prompt, sh.display, sh.level = strings.TrimRight(line, " \t"), displayPrompt(line), lvl
}

func (sh *shell) pump(r io.Reader, stderr bool) {
	p := make([]byte, 32<<10)
	for {
		n, err := r.Read(p)
		if n > 0 {
			sh.mu.Lock()
			_, _ = sh.cur.write(p[:n], stderr) // past a limit the bytes are dropped and cur.full closed
			sh.last = time.Now()
			sh.mu.Unlock()
			sh.poke()
		}
		if err != nil {
			if !stderr {
				sh.mu.Lock()
				sh.closed = true
				sh.mu.Unlock()
				close(sh.drained)
				sh.poke()
			}
			return
		}
	}
}

func (sh *shell) poke() {
	select {
	case sh.wake <- struct{}{}:
	default:
	}
}

// use directs what arrives from now on into c.
func (sh *shell) use(c *capture) {
	sh.mu.Lock()
	sh.cur = c
	sh.mu.Unlock()
}

// view returns the bytes of the current capture.
func (sh *shell) view() []byte {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.cur.buf
}

// send writes s within timeout. A write blocks only when the device stopped reading; the
// session is then closed, which also ends the blocked write.
func (sh *shell) send(ctx context.Context, s string, timeout time.Duration) error {
	done := make(chan error, 1)
	go func() {
		_, err := io.WriteString(sh.stdin, s)
		done <- err
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("write: %w", err)
		}
		return nil
	case <-t.C:
		sh.close()
		return fmt.Errorf("write blocked for %s: the device stopped reading", timeout)
	case <-ctx.Done():
		sh.close()
		return ctx.Err()
	case <-sh.dead:
		return errors.New("write: connection lost")
	}
}

func (sh *shell) close() { _ = sh.sess.Close() }

type waitEnd int

const (
	endDone    waitEnd = iota
	endTimeout         // timeout passed
	endFull            // the capture's limit was reached
	endClosed          // the shell closed, the connection died or a write failed
	endCtx             // ctx ended
	endFailed          // the step returned an error
)

// action is a wait step's verdict: done, fail, send an answer, or call again once the device
// has been quiet for the settle time.
type action struct {
	done      bool
	err       error
	send      string
	wantQuiet bool
}

// wait calls step with what arrived since the last use() each time more arrives (and once the
// device has been quiet for the settle time, when step asks), until step is done or fails,
// timeout passes, the shell closes or ctx ends.
func (sh *shell) wait(ctx context.Context, timeout time.Duration, step func(buf []byte, quiet bool) action) (waitEnd, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	settle := time.NewTimer(time.Hour)
	settle.Stop()
	defer settle.Stop()
	for {
		sh.mu.Lock()
		buf, last, closed, full := sh.cur.buf, sh.last, sh.closed, sh.cur.full
		sh.mu.Unlock()
		a := step(buf, time.Since(last) >= sh.settle)
		switch {
		case a.err != nil:
			return endFailed, a.err
		case a.done:
			return endDone, nil
		case a.send != "":
			if err := sh.send(ctx, a.send, timeout); err != nil {
				return endClosed, err
			}
		}
		if closed {
			return endClosed, nil
		}
		var settleC <-chan time.Time
		if a.wantQuiet {
			settle.Reset(max(sh.settle-time.Since(last), time.Millisecond))
			settleC = settle.C
		}
		select {
		case <-sh.wake:
		case <-settleC:
		case <-full:
			return endFull, nil
		case <-deadline.C:
			return endTimeout, nil
		case <-ctx.Done():
			return endCtx, nil
		case <-sh.dead:
			// The connection is gone, but what it delivered may still be on its way through
			// the channel to the pump: keep it, it is the evidence of how far the command got.
			t := time.NewTimer(time.Second)
			select {
			case <-sh.drained:
			case <-t.C:
			}
			t.Stop()
			sh.mu.Lock()
			buf := sh.cur.buf
			sh.mu.Unlock()
			if step(buf, false).done {
				return endDone, nil
			}
			return endClosed, nil
		}
	}
}
