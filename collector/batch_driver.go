package collector

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
)

// batchDriver runs a POSIX host's whole command set as one generated script in one exec
// channel, so a device far away costs a handful of round trips instead of two per command,
// while every command keeps its own record: output, exit status, timing.
//
// How it works (see batch_frame.go for the script and the frame format):
//   - One channel runs `/bin/sh -s`. The script goes to the channel's stdin, which is then
//     closed: the exec command line shows no nonce (nothing to see in `ps` on the device), and
//     no command can read the script, because each runs with </dev/null.
//   - The exec request asks for no reply and the script follows it at once, so the whole
//     channel costs two round trips (open, then exec+script out and output back) instead of
//     three. The price: a device that refuses the exec says so only by closing the channel
//     with no frame and no exit status, or by never printing the script's first frame within
//     command_timeout; both count as a refusal.
//   - Every script gets a fresh random nonce (16 bytes from crypto/rand, hex). Each command is
//     framed by "<nonce> B <i>" and "<nonce> E <i> <status>" lines; a frame counts only at a
//     line start and only with the exact nonce, so one command's output can never forge the end
//     of its own record or another's. The bytes between the frames are the command's output,
//     raw (CRLF, invalid UTF-8 and all).
//   - Each command runs in its own shell (a subshell, or `sh -c` under timeout(1)), so a syntax
//     error or `exit` in one cannot end the script; the later commands still run.
//   - The stream is parsed as it arrives: only the current command's output is held, in the
//     same capture the exec driver uses, against max_output_bytes and the device's budget.
//   - Stderr is merged into stdout by the script (2>&1): records show Stderr 0. Telling a
//     command's stderr apart would need a second framed stream and an ordering between them;
//     losing that split is the price of batching, and `batch: false` keeps it.
//   - Exit statuses come from the shell's $?: a command killed by a signal shows 128+n, with
//     no separate Signal as an exec channel would report.
//
// Failures stop the script and hand the rest to the per-command exec driver on the same
// connection, so one bad command costs the batch, not the device:
//   - command_timeout: when the host has a timeout(1) that takes -k, it enforces the limit on
//     the device; status 124 or 137 from a command that ran for (about) the whole limit is a
//     timeout (ErrTimeout, output kept, Truncated), and the script goes on. A client-side
//     watchdog also fails the command when no frame arrives within command_timeout (plus the
//     kill grace when timeout(1) is in use), closes the channel, and falls back.
//   - output over max_output_bytes or the device budget: that command fails with
//     ErrOutputLimit, the channel is closed (stopping a flood), and the rest fall back.
//   - the channel ending early: with the connection lost, every command without an end frame
//     fails with ErrDisconnect, for the device runner to resume on a new connection; with the
//     connection alive (sh killed), the running command fails with what is known and the rest
//     fall back.
//   - `/bin/sh -s` refused (a mislabelled non-POSIX device): logged once, and everything runs
//     through the exec driver, for this and later attempts on the device.
//   - ctx (device deadline, interruption): the running and remaining commands fail with
//     ctxError; nothing falls back.
type batchDriver struct {
	exec    execDriver
	log     *slog.Logger
	refused atomic.Bool     // the device refused `/bin/sh -s`: do not ask again on resume
	nonce   func() string   // tests pin the nonce; nil is newBatchNonce
	began   func(index int) // tests learn that a command's begin frame was parsed; may be nil
}

// newBatchDriver wraps exec, which runs whatever the script cannot: the rest after a failure,
// or everything on a device that refuses `/bin/sh -s`.
func newBatchDriver(exec execDriver, log *slog.Logger) driver {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &batchDriver{exec: exec, log: log}
}

// batchGrace is added to command_timeout for the client-side watchdog when timeout(1) enforces
// it on the device: the kill delay, plus time for the end frame to arrive.
const batchGrace = (batchKillAfter + 1) * time.Second

// batchStderrMax bounds what is kept of the script shell's own stderr for error messages.
const batchStderrMax = 256

func (d *batchDriver) run(ctx context.Context, s *session, records []CommandRecord, errs []error, todo []int) {
	if len(todo) == 0 {
		return
	}
	rest := todo
	if !d.refused.Load() {
		rest = d.runScript(ctx, s, records, errs, todo)
	}
	if len(rest) > 0 {
		d.exec.run(ctx, s, records, errs, rest)
	}
}

// batchStage says where the script's channel stopped.
type batchStage int

const (
	stageOpen batchStage = iota + 1 // opening the channel (zero: no end reported)
	stageExec                       // the exec request for /bin/sh -s
	stageRead                       // reading the framed output
)

// batchEnd is the worker's last word: where it stopped and why.
type batchEnd struct {
	stage    batchStage
	err      error // the open/exec error, the sink's error, or the read error (nil at EOF)
	complete bool  // every command's end frame arrived
}

// batchRun is one script on one channel. The worker goroutine (channel open, exec, read and
// parse) and run's goroutine (watchdog, ctx) share it under mu; once stopped is set, the worker
// touches nothing more, so records are run's alone.
type batchRun struct {
	d       *batchDriver
	records []CommandRecord
	errs    []error
	order   []int // record indexes in script order
	parser  *frameParser
	stderr  headBuffer
	exited  chan struct{} // closed once the channel's requests end; exit is final then
	exit    scriptStatus  // how the script's shell ended, as the device reported it

	mu              sync.Mutex
	stopped         bool
	ch              ssh.Channel
	timeoutOnDevice bool
	next            int // position in order of the next command to begin
	cur             int // record index of the running command, -1 between commands
	out             *capture
	deadline        atomic.Int64 // unix nanos: the watchdog fires when no frame comes by then
}

// runScript runs the commands at todo as one script and returns those left for the exec driver.
func (d *batchDriver) runScript(ctx context.Context, s *session, records []CommandRecord, errs []error, todo []int) []int {
	nonce := newBatchNonce
	if d.nonce != nil {
		nonce = d.nonce
	}
	n := nonce()
	cmds := make([]batchCommand, len(todo))
	for k, i := range todo {
		cmds[k] = batchCommand{index: i, command: records[i].Command}
	}
	b := &batchRun{d: d, records: records, errs: errs, order: todo, cur: -1,
		exited: make(chan struct{}), stderr: headBuffer{max: batchStderrMax}}
	b.parser = newFrameParser(n, b)
	b.touch(false)

	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan batchEnd, 1)
	go b.work(wctx, s.client, batchScript(n, cmds, d.exec.commandTimeout), done)
	end, watchdog := b.wait(ctx, done)
	cancel()
	return b.settle(ctx, s, end, watchdog)
}

// wait returns when the worker reports its end, ctx ends, or the watchdog fires (no frame in
// time), and stops the worker: from then on the records are this goroutine's alone.
func (b *batchRun) wait(ctx context.Context, done <-chan batchEnd) (end batchEnd, watchdog bool) {
	watch := time.NewTimer(b.d.exec.commandTimeout)
	defer watch.Stop()
loop:
	for {
		select {
		case end = <-done:
		case <-ctx.Done():
		case <-watch.C:
			if left := time.Until(time.Unix(0, b.deadline.Load())); left > 0 {
				watch.Reset(left)
				continue
			}
			watchdog = true
		}
		break loop
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.stopped = true
	if end.stage == 0 {
		// Cut off: the bytes held back as a possible frame belong to the running command.
		_ = b.parser.finish()
	}
	return end, watchdog
}

// settle gives every command that has no outcome yet one (or leaves it to the exec driver,
// returned), once the script has stopped for the reason given.
func (b *batchRun) settle(ctx context.Context, s *session, end batchEnd, watchdog bool) []int {
	d, cur, host := b.d, b.cur, s.client.RemoteAddr().String()
	notBegun := b.order[b.next:]
	if cur >= 0 {
		notBegun = b.order[b.next+1:]
	}
	closeSession := func() {
		if b.ch != nil {
			_ = b.ch.Close()
		}
	}
	switch {
	case end.complete:
		closeSession() // background jobs may hold stdout open: the records are complete
		return nil
	case ctx.Err() != nil:
		closeSession()
		if cur >= 0 {
			b.fail(cur, ctxError(ctx, "while the command ran"))
		}
		b.notRun(notBegun, ctxError(ctx, "before the command started"))
		return nil
	case watchdog && !b.parser.started:
		// Not even the first frame: the device accepted the channel but is not running the
		// script (an exec refused without a reply, since none was asked for).
		closeSession()
		if !connectionAlive(s.client, s.dead) {
			b.notRun(notBegun, classError(ErrDisconnect, errors.New("connection lost before the command started")))
			return nil
		}
		d.refused.Store(true)
		d.log.Info("the device refused the batch script; running one channel per command", "host", host,
			"error", fmt.Sprintf("exec /bin/sh -s: no output within command_timeout (%s)", d.exec.commandTimeout))
		return notBegun
	case watchdog:
		closeSession()
		if cur >= 0 {
			b.fail(cur, classError(ErrTimeout, fmt.Errorf("command timeout after %s", d.exec.commandTimeout)))
		} else {
			d.log.Debug("batch script made no progress within command_timeout; running the rest one channel each",
				"host", host, "commands", len(notBegun))
		}
		return notBegun
	case end.stage == stageOpen || end.stage == stageExec:
		closeSession()
		if !connectionAlive(s.client, s.dead) {
			b.notRun(notBegun, classError(ErrDisconnect, fmt.Errorf("connection lost before the command started: %w", end.err)))
			return nil
		}
		if end.stage == stageExec {
			d.refused.Store(true)
			d.log.Info("the device refused the batch script; running one channel per command", "host", host, "error", end.err)
		} else {
			d.log.Debug("could not open the batch script's channel; running one channel per command", "host", host, "error", end.err)
		}
		return notBegun
	case errors.Is(end.err, ErrOutputLimit):
		closeSession()
		b.fail(cur, end.err)
		return notBegun
	case errors.Is(end.err, errFrameOrder):
		closeSession()
		if cur >= 0 {
			b.fail(cur, fmt.Errorf("the batch script's frames broke during command %d (%q)", cur, b.records[cur].Command))
		}
		d.log.Debug("batch script frames out of order; running the rest one channel each", "host", host, "commands", len(notBegun))
		return notBegun
	}
	// The stream ended (EOF or a read error) before every command ended.
	status := "channel broken"
	if end.err == nil {
		status = b.scriptExit(s.dead)
	}
	closeSession()
	if !connectionAlive(s.client, s.dead) {
		cause := end.err
		if cause == nil {
			cause = errors.New("the batch script's channel closed")
		}
		return b.lost(cur, notBegun, cause)
	}
	if cur >= 0 {
		msg := fmt.Sprintf("the batch script ended before command %d (%q) finished; %s", cur, b.records[cur].Command, status)
		if end.err != nil {
			msg += ": " + end.err.Error()
		}
		if e := b.stderr.String(); e != "" {
			msg += fmt.Sprintf("; shell stderr: %q", e)
		}
		b.fail(cur, errors.New(msg))
	}
	d.log.Debug("batch script ended early; running the rest one channel each", "host", host, "commands", len(notBegun), "exit", status)
	return notBegun
}

// batchReadBufs are the buffers batch runs read their channel's output into: one per device in
// flight instead of 32 KiB of garbage per device.
var batchReadBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// work opens the channel, starts the script and parses its output until every command has
// ended, the stream stops, or run stops it. Its last act is one send on done (none once
// stopped: nobody listens any more).
func (b *batchRun) work(ctx context.Context, client *ssh.Client, script []byte, done chan<- batchEnd) {
	g := newChannelGate(1) // one channel; openBatchChannel's retry on a busy device needs a held slot
	if err := g.acquire(ctx); err != nil {
		done <- batchEnd{stage: stageOpen, err: fmt.Errorf("open channel: %w", err)}
		return
	}
	defer g.release()
	ch, reqs, err := openBatchChannel(ctx, client, g)
	if err != nil {
		done <- batchEnd{stage: stageOpen, err: fmt.Errorf("open channel: %w", err)}
		return
	}
	// The channel's requests (exit-status, exit-signal) must be drained from now on: x/crypto
	// stalls the whole connection when a channel's request queue is full.
	go b.watchExit(reqs)
	b.mu.Lock()
	if b.stopped {
		b.mu.Unlock()
		_ = ch.Close()
		return
	}
	b.ch = ch
	b.mu.Unlock()
	go func() { // ends when the channel does
		// The script shell's own stderr is rare and short: a small buffer, not io.Copy's 32 KiB.
		_, _ = io.CopyBuffer(&b.stderr, ch.Stderr(), make([]byte, 512))
	}()
	exec := struct{ Command string }{"/bin/sh -s"}
	if _, err := ch.SendRequest("exec", false, ssh.Marshal(&exec)); err != nil {
		done <- batchEnd{stage: stageExec, err: fmt.Errorf("exec /bin/sh -s: %w", err)}
		return
	}
	// Written on its own goroutine: a script larger than the device's window must not keep
	// this one from reading the output that lets the device's shell go on reading.
	go func() {
		if _, err := ch.Write(script); err == nil {
			_ = ch.CloseWrite()
		}
	}()

	bp := batchReadBufs.Get().(*[]byte)
	defer batchReadBufs.Put(bp)
	buf := *bp
	for {
		n, rerr := ch.Read(buf)
		b.mu.Lock()
		if b.stopped {
			b.mu.Unlock()
			return
		}
		var perr error
		if n > 0 {
			perr = b.parser.feed(buf[:n])
		}
		complete := b.next == len(b.order)
		started := b.parser.started
		if perr == nil && !complete && rerr != nil {
			perr = b.parser.finish() // the command cut off keeps what it printed
		}
		b.mu.Unlock()
		switch {
		case perr != nil:
			done <- batchEnd{stage: stageRead, err: perr}
			return
		case complete:
			done <- batchEnd{stage: stageRead, complete: true}
			return
		case errors.Is(rerr, io.EOF) && !started && b.refusedExec(ctx):
			done <- batchEnd{stage: stageExec, err: errors.New("exec /bin/sh -s: the device closed the channel without running it")}
			return
		case rerr != nil:
			if errors.Is(rerr, io.EOF) {
				rerr = nil
			}
			done <- batchEnd{stage: stageRead, err: rerr}
			return
		}
	}
}

// refusedExec tells, once the channel's output ended before the script's first frame, whether
// the device refused the exec: the channel closed and no exit status or signal came. A shell
// that started and died reports how it ended. It waits for the channel's requests to end,
// bounded as scriptExit is.
func (b *batchRun) refusedExec(ctx context.Context) bool {
	t := time.NewTimer(2 * time.Second)
	defer t.Stop()
	select {
	case <-b.exited:
		return !b.exit.reported
	case <-ctx.Done():
	case <-t.C:
	}
	return false
}

// scriptStatus is how the script's shell ended, from the channel's exit-status or exit-signal.
type scriptStatus struct {
	reported bool
	status   int
	signal   string
}

// watchExit drains the channel's requests until the channel closes, keeping the exit status
// or signal, then closes exited.
func (b *batchRun) watchExit(reqs <-chan *ssh.Request) {
	defer close(b.exited)
	for req := range reqs {
		switch req.Type {
		case "exit-status":
			var m struct{ Status uint32 }
			if ssh.Unmarshal(req.Payload, &m) == nil {
				b.exit = scriptStatus{reported: true, status: int(m.Status)}
			}
		case "exit-signal":
			var m struct {
				Signal     string
				CoreDumped bool
				Error      string
				Lang       string
			}
			if ssh.Unmarshal(req.Payload, &m) == nil {
				b.exit = scriptStatus{reported: true, status: -1, signal: m.Signal}
			}
		}
		if req.WantReply {
			_ = req.Reply(false, nil)
		}
	}
}

// openBatchChannel opens a session channel as openSession does (the same waits and retries on
// a busy device), but as a bare channel, so the exec can go without waiting for its reply.
func openBatchChannel(ctx context.Context, client *ssh.Client, g *channelGate) (ssh.Channel, <-chan *ssh.Request, error) {
	wait := 10 * time.Millisecond
	for {
		ch, reqs, err := client.OpenChannel("session", nil)
		var oce *ssh.OpenChannelError
		if err == nil || !errors.As(err, &oce) {
			return ch, reqs, err
		}
		if oce.Reason != ssh.ResourceShortage && oce.Reason != ssh.ConnectionFailed {
			return nil, nil, err
		}
		waited, werr := g.refused(ctx)
		switch {
		case werr != nil:
			return nil, nil, err
		case waited:
			continue
		case oce.Reason != ssh.ResourceShortage:
			return nil, nil, err
		}
		if serr := sleepCtx(ctx, wait); serr != nil {
			return nil, nil, err
		}
		wait = min(wait*2, 500*time.Millisecond)
	}
}

// touch restarts the watchdog: the next frame is due within command_timeout (plus the kill
// grace when timeout(1) runs the commands).
func (b *batchRun) touch(timeoutOnDevice bool) {
	limit := b.d.exec.commandTimeout
	if timeoutOnDevice {
		limit += batchGrace
	}
	b.deadline.Store(time.Now().Add(limit).UnixNano())
}

// The frameSink methods run on the worker with mu held.

func (b *batchRun) frameStart(timeoutOnDevice bool) error {
	b.timeoutOnDevice = timeoutOnDevice
	b.touch(timeoutOnDevice)
	return nil
}

func (b *batchRun) frameBegin(i int) error {
	if b.next >= len(b.order) || b.order[b.next] != i {
		return errFrameOrder
	}
	rec := &b.records[i]
	rec.Started = time.Now()
	rec.Output, rec.Truncated = nil, false
	b.cur = i
	b.out = newCapture(b.d.exec.maxOutput, b.d.exec.budget)
	b.touch(b.timeoutOnDevice)
	if b.d.began != nil {
		b.d.began(i)
	}
	return nil
}

func (b *batchRun) frameOutput(p []byte) error {
	if _, err := b.out.write(p, false); err != nil {
		return classError(ErrOutputLimit, fmt.Errorf("output exceeds the limit (max_output_bytes %d or max_device_bytes)", b.d.exec.maxOutput))
	}
	return nil
}

func (b *batchRun) frameEnd(i, status int) error {
	rec := &b.records[i]
	rec.Duration = time.Since(rec.Started)
	rec.Output, rec.Stderr, rec.Truncated = b.out.snapshot()
	rec.Stderr, rec.ExitStatus, rec.Signal, rec.Error = 0, status, "", ""
	b.errs[i] = nil
	// timeout(1) exits 124 after TERM and 137 after KILL. A command that exits so by itself well
	// before the limit keeps its status.
	limit := b.d.exec.commandTimeout
	if b.timeoutOnDevice && (status == 124 || status == 137) && rec.Duration >= limit-limit/10 {
		err := classError(ErrTimeout, fmt.Errorf("command timeout after %s (timeout(1) on the device)", limit))
		rec.ExitStatus, rec.Error, rec.Truncated = -1, err.Error(), true
		b.errs[i] = err
	}
	b.cur = -1
	b.next++
	b.touch(b.timeoutOnDevice)
	return nil
}

// fail ends the running command i with err, keeping what it printed.
func (b *batchRun) fail(i int, err error) {
	rec := &b.records[i]
	rec.Duration = time.Since(rec.Started)
	rec.Output, _, rec.Truncated = b.out.snapshot()
	rec.Stderr, rec.ExitStatus, rec.Signal, rec.Error = 0, -1, "", err.Error()
	rec.Truncated = rec.Truncated || len(rec.Output) > 0
	b.errs[i] = err
}

func (b *batchRun) notRun(idx []int, err error) {
	for _, i := range idx {
		b.records[i], b.errs[i] = notRun(b.records[i], err)
	}
}

// lost fails the running and remaining commands with ErrDisconnect, for the device runner to
// resume them on a new connection.
func (b *batchRun) lost(cur int, notBegun []int, cause error) []int {
	if cur >= 0 {
		b.fail(cur, classError(ErrDisconnect, fmt.Errorf("connection lost during the command: %w", cause)))
	}
	b.notRun(notBegun, classError(ErrDisconnect, fmt.Errorf("connection lost before the command started: %w", cause)))
	return nil
}

// scriptExit describes how the script's shell ended, waiting briefly for the device to say.
func (b *batchRun) scriptExit(dead <-chan struct{}) string {
	t := time.NewTimer(2 * time.Second)
	defer t.Stop()
	select {
	case <-b.exited:
	case <-dead:
		return "connection closed"
	case <-t.C:
		return "no exit status"
	}
	switch e := b.exit; {
	case !e.reported:
		return "no exit status"
	case e.signal != "":
		return "killed by signal " + e.signal
	default:
		return fmt.Sprintf("exit status %d", e.status)
	}
}

// headBuffer keeps the first max bytes written and drops the rest, always accepting the write
// so the channel's stderr is drained and cannot stall stdout.
type headBuffer struct {
	mu  sync.Mutex
	b   []byte
	max int
}

func (h *headBuffer) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if room := h.max - len(h.b); room > 0 {
		h.b = append(h.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (h *headBuffer) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return string(bytes.TrimSpace(h.b))
}
