package collector

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/oca-collector/collector/devices"
)

// Dialer opens the TCP connection to a device. The fleet run uses net.Dialer; tests and jump
// hosts substitute their own.
type Dialer interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

var _ Dialer = (*net.Dialer)(nil)

// connect dials addr and completes the SSH handshake and authentication, all inside ctx's
// deadline: a device that accepts TCP and never speaks SSH cannot hold the run, because the
// connection's deadline is set from ctx and the connection is closed if ctx ends first.
func connect(ctx context.Context, d Dialer, addr string, cfg *ssh.ClientConfig) (*ssh.Client, error) {
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, classifyDialError("connect", fmt.Errorf("%s: %w", addr, err), ctx.Err())
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	c, chans, reqs, err := ssh.NewClientConn(conn, addr, cfg)
	if !stop() {
		// ctx ended during the handshake; the connection is closed.
		if err == nil {
			_ = c.Close()
			err = ctx.Err()
		}
		return nil, classifyDialError("ssh handshake", fmt.Errorf("%s: %w", addr, err), ctx.Err())
	}
	if err != nil {
		_ = conn.Close()
		return nil, classifyDialError("ssh handshake", fmt.Errorf("%s: %w", addr, err), nil)
	}
	_ = conn.SetDeadline(time.Time{})
	return ssh.NewClient(c, chans, reqs), nil
}

// pacer spaces new logins over the whole fleet to at most rate per second, so a burst of
// devices behind one sshd (or one TACACS server) is not refused by MaxStartups-style limits.
type pacer struct {
	mu       sync.Mutex
	interval time.Duration
	next     time.Time
}

func newPacer(rate float64) *pacer {
	if rate <= 0 {
		return nil
	}
	return &pacer{interval: time.Duration(float64(time.Second) / rate)}
}

// wait blocks until the caller's login slot, or until ctx ends.
func (p *pacer) wait(ctx context.Context) error {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	now := time.Now()
	slot := p.next
	if slot.Before(now) {
		slot = now
	}
	p.next = slot.Add(p.interval)
	p.mu.Unlock()
	d := time.Until(slot)
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// dial paces the login, resolves the credential and connects within connect_timeout.
func (r *Runner) dial(ctx context.Context, dev devices.Device) (*ssh.Client, error) {
	if err := r.pacer.wait(ctx); err != nil {
		return nil, ctxError(ctx, "waiting for a login slot")
	}
	cb, algos, err := r.hostKeys.callbackFor(dev)
	if err != nil {
		return nil, err
	}
	methods, release, err := authMethods(dev.Credential)
	if err != nil {
		return nil, err
	}
	defer release()
	cfg := &ssh.ClientConfig{
		User:              dev.Credential.Username,
		Auth:              methods,
		HostKeyCallback:   cb,
		HostKeyAlgorithms: algos,
		ClientVersion:     "SSH-2.0-oca-collector",
		Timeout:           r.inv.Collection.ConnectTimeout,
	}
	cctx, cancel := context.WithTimeout(ctx, r.inv.Collection.ConnectTimeout)
	defer cancel()
	client, err := connect(cctx, r.dialer, dev.Address(), cfg)
	if err != nil && ctx.Err() != nil {
		return nil, ctxError(ctx, "while connecting")
	}
	return client, err
}
