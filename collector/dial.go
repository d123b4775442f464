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
	return sleepCtx(ctx, time.Until(slot))
}

// endpoint is one SSH server on the way to a device's commands: a jump host or the device
// itself, each with its own credential, host key check and algorithm settings.
type endpoint struct {
	name string // for logs and messages: the device or hop name
	addr string
	cred devices.Credential
	ssh  devices.SSH
}

// dial paces the login and connects to dev, through its jump hosts in order when it has any.
// Each login (every hop, then the device) gets its own connect_timeout, so a chain of n hops
// may take up to (n+1) x connect_timeout. Once connected, keepalives watch the connection.
func (r *Runner) dial(ctx context.Context, dev devices.Device) (*ssh.Client, error) {
	if len(dev.Jump) > 0 && len(dev.JumpHops) == 0 {
		// Dialling directly would reach the wrong network, or the right one by a path the
		// operator did not intend. Unclassified, so it is not retried: it is a local problem.
		return nil, fmt.Errorf("device is reached through jump hosts %v, which were not resolved; not dialling %s directly",
			dev.Jump, dev.Address())
	}
	if err := r.pacer.wait(ctx); err != nil {
		return nil, ctxError(ctx, "waiting for a login slot")
	}
	target := endpoint{name: dev.Name, addr: dev.Address(), cred: dev.Credential, ssh: dev.SSH}
	d := r.dialer
	var chain *jumpChain
	if len(dev.JumpHops) > 0 {
		var err error
		if chain, err = r.dialJumps(ctx, dev.JumpHops); err != nil {
			return nil, err
		}
		d = chain
	}
	client, err := r.login(ctx, d, target)
	if err != nil {
		chain.close()
		if ctx.Err() != nil {
			return nil, ctxError(ctx, "while connecting")
		}
		return nil, err
	}
	interval, count := dev.SSH.KeepaliveInterval, dev.SSH.KeepaliveCountMax
	startKeepalive(client, interval, count, func(missed int) {
		r.log.Warn("no answer to keepalives; closing the connection", "device", dev.Name, "host", target.addr,
			"missed", missed, "interval", interval.String())
	})
	return client, nil
}

// login connects to ep through d and authenticates, within connect_timeout.
func (r *Runner) login(ctx context.Context, d Dialer, ep endpoint) (*ssh.Client, error) {
	cb, known, err := r.hostKeys.callbackFor(ep.name, ep.addr, ep.ssh)
	if err != nil {
		return nil, err
	}
	cfg := &ssh.ClientConfig{
		User:            ep.cred.Username,
		HostKeyCallback: cb,
		ClientVersion:   "SSH-2.0-oca-collector",
		Timeout:         r.inv.Collection.ConnectTimeout,
	}
	algos := algorithmsFor(ep.ssh.Algorithms)
	if err := algos.apply(cfg, ep.addr, known); err != nil {
		return nil, err
	}
	methods, release, err := authMethods(ep.cred, r.signers)
	if err != nil {
		return nil, err
	}
	defer release()
	cfg.Auth = methods
	cctx, cancel := context.WithTimeout(ctx, r.inv.Collection.ConnectTimeout)
	defer cancel()
	client, err := connect(cctx, d, ep.addr, cfg)
	if aerr := algorithmError(ep.addr, err, algos); aerr != nil {
		return nil, aerr
	}
	return client, err
}
