package collector

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
)

// execDriver runs each command in its own exec channel, several at once on one connection
// (up to maxSessions, sshd's MaxSessions is 10), so a device far away costs a few round trips
// rather than two per command. Records come back in command order whatever order the channels
// finish in.
type execDriver struct {
	maxSessions    int
	commandTimeout time.Duration
	maxOutput      int64
	budget         *atomic.Int64
}

// run executes the commands at indexes todo and fills records[i] for each. It returns when
// every command has a record: finished, failed, or cut short by ctx (device deadline or
// interruption). dead is closed when the connection is known to be gone.
func (d execDriver) run(ctx context.Context, s *session, records []CommandRecord, errs []error, todo []int) {
	client, dead := s.client, s.dead
	g := newChannelGate(max(d.maxSessions, 1))
	var wg sync.WaitGroup
	for _, i := range todo {
		if err := g.acquire(ctx); err != nil {
			records[i], errs[i] = notRun(records[i], ctxError(ctx, "before the command started"))
			continue
		}
		wg.Add(1)
		go func() {
			defer func() { g.release(); wg.Done() }()
			records[i], errs[i] = d.runOne(ctx, client, g, dead, records[i])
		}()
	}
	wg.Wait()
}

type execResult struct {
	err    error
	exit   int
	signal string
}

func (d execDriver) runOne(ctx context.Context, client *ssh.Client, g *channelGate, dead <-chan struct{}, rec CommandRecord) (CommandRecord, error) {
	rec.Started = time.Now()
	rec.ExitStatus = -1
	rec.Error = ""
	cctx, cancel := context.WithTimeout(ctx, d.commandTimeout)
	defer cancel()

	out := newCapture(d.maxOutput, d.budget)
	done := make(chan execResult, 1)
	var (
		mu     sync.Mutex
		sess   *ssh.Session
		closed bool
	)
	go func() {
		s, err := openSession(cctx, client, g)
		if err != nil {
			done <- execResult{err: fmt.Errorf("open channel: %w", err)}
			return
		}
		mu.Lock()
		if closed {
			mu.Unlock()
			_ = s.Close()
			return
		}
		sess = s
		mu.Unlock()
		s.Stdout = captureWriter{c: out}
		s.Stderr = captureWriter{c: out, stderr: true}
		if err := s.Start(rec.Command); err != nil {
			_ = s.Close()
			done <- execResult{err: fmt.Errorf("exec: %w", err)}
			return
		}
		err = s.Wait()
		_ = s.Close()
		done <- exitOf(err)
	}()

	abandon := func() {
		mu.Lock()
		closed = true
		if sess != nil {
			_ = sess.Close()
		}
		mu.Unlock()
	}

	var res execResult
	select {
	case res = <-done:
	case <-out.full:
		abandon()
		res.err = classError(ErrOutputLimit, fmt.Errorf("output exceeds the limit (max_output_bytes %d or max_device_bytes)", d.maxOutput))
	case <-cctx.Done():
		abandon()
		if ctx.Err() != nil {
			res.err = ctxError(ctx, "while the command ran")
		} else {
			res.err = classError(ErrTimeout, fmt.Errorf("command timeout after %s", d.commandTimeout))
		}
	}
	rec.Duration = time.Since(rec.Started)
	rec.Output, rec.Stderr, rec.Truncated = out.snapshot()
	rec.ExitStatus, rec.Signal = res.exit, res.signal
	if res.err != nil {
		// Not run, cut off or lost: the command reported no status (res.exit is only a zero value).
		rec.ExitStatus = -1
		cutByUs := errors.Is(res.err, ErrTimeout) || errors.Is(res.err, ErrInterrupted) || errors.Is(res.err, ErrOutputLimit)
		if !cutByUs {
			// One keepalive round trip tells a channel the device closed from a lost connection.
			var missing *ssh.ExitMissingError
			switch {
			case !connectionAlive(client, dead):
				res.err = classError(ErrDisconnect, fmt.Errorf("connection lost during the command: %w", res.err))
			case errors.As(res.err, &missing):
				// The channel closed cleanly without an exit status, as several network OSes
				// do: the output is complete, the status unknown.
				return rec, nil
			}
		}
		rec.Error = res.err.Error()
		if errors.Is(res.err, ErrTimeout) || errors.Is(res.err, ErrDisconnect) || errors.Is(res.err, ErrInterrupted) {
			rec.Truncated = rec.Truncated || len(rec.Output) > 0
		}
	}
	return rec, res.err
}

func exitOf(err error) execResult {
	if err == nil {
		return execResult{}
	}
	var ee *ssh.ExitError
	if errors.As(err, &ee) {
		return execResult{exit: ee.ExitStatus(), signal: ee.Signal()}
	}
	return execResult{err: err, exit: -1}
}

// connectionAlive tells a channel the device closed on purpose from one lost with the
// connection: a keepalive round trip fails at once on a dead connection.
func connectionAlive(client *ssh.Client, dead <-chan struct{}) bool {
	select {
	case <-dead:
		return false
	default:
	}
	reply := make(chan error, 1)
	go func() {
		_, _, err := client.SendRequest("keepalive@openssh.com", true, nil)
		reply <- err
	}()
	t := time.NewTimer(5 * time.Second)
	defer t.Stop()
	select {
	case err := <-reply:
		return err == nil
	case <-dead:
		return false
	case <-t.C:
		return false
	}
}

// ctxError says why ctx ended, classified: the device deadline or an interruption.
func ctxError(ctx context.Context, when string) error {
	if errors.Is(context.Cause(ctx), errDeviceTimeout) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return classError(ErrTimeout, fmt.Errorf("device timeout reached %s", when))
	}
	return classError(ErrInterrupted, fmt.Errorf("interrupted %s", when))
}

var errDeviceTimeout = errors.New("device timeout")

func notRun(rec CommandRecord, err error) (CommandRecord, error) {
	rec.ExitStatus = -1
	rec.Error = err.Error()
	return rec, err
}

// maxLoneRefusals bounds the retries of a "connect failed" channel open while none of our
// channels is open (about 0.6 s of backoff in all).
const maxLoneRefusals = 6

// openSession opens a session channel. A device at its channel limit refuses the open: sshd
// at MaxSessions answers "connect failed", others "resource shortage". While other channels of
// this connection are open, the refusal means "not now": the gate lowers the connection's limit
// to what the device took and the open waits for one of them to finish. With no other channel
// open, "resource shortage" is retried with a capped backoff (other clients may hold the
// device's sessions), "connect failed" a few times (maxLoneRefusals), anything else is final.
func openSession(ctx context.Context, client *ssh.Client, g *channelGate) (*ssh.Session, error) {
	wait := 10 * time.Millisecond
	lone := 0 // "connect failed" refusals with no other channel of ours open
	for {
		s, err := client.NewSession()
		var oce *ssh.OpenChannelError
		if err == nil || !errors.As(err, &oce) {
			return s, err
		}
		if oce.Reason != ssh.ResourceShortage && oce.Reason != ssh.ConnectionFailed {
			return nil, err
		}
		waited, werr := g.refused(ctx)
		switch {
		case werr != nil:
			return nil, err
		case waited:
			continue
		case oce.Reason == ssh.ConnectionFailed:
			// sshd can still count a session we have just closed (it frees it after its own
			// cleanup), so a refusal right after one of our channels ended is retried a few
			// times; a device that keeps refusing with nothing of ours open means it.
			if lone++; lone > maxLoneRefusals {
				return nil, err
			}
		}
		if serr := sleepCtx(ctx, wait); serr != nil {
			return nil, err
		}
		wait = min(wait*2, 500*time.Millisecond)
	}
}
