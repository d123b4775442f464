package collector

import (
	"context"
	"fmt"
	"net"
	"sync"

	"golang.org/x/crypto/ssh"

	"github.com/oca-collector/collector/devices"
)

// jumpChain is a device's jump hosts, logged in to in order, each through the one before it
// (like OpenSSH's ProxyJump). It is the Dialer for the device: connections open from the last
// hop, and the hops live exactly as long as the device's connection, because closing that
// connection closes them.
type jumpChain struct {
	clients []*ssh.Client
	names   []string
	once    sync.Once
}

var (
	_ Dialer = (*jumpChain)(nil)
	_ Dialer = (*ssh.Client)(nil)
)

// dialJumps logs in to every hop with the hop's own credential, host key check and algorithms.
// An error names the hop it happened at; the hops already up are closed.
func (r *Runner) dialJumps(ctx context.Context, hops []devices.Hop) (*jumpChain, error) {
	c := &jumpChain{}
	d := r.dialer
	for _, h := range hops {
		ep := endpoint{name: h.Name, addr: h.Address(), cred: h.Credential, ssh: h.SSH}
		client, err := r.login(ctx, d, ep)
		if err != nil {
			c.close()
			if ctx.Err() != nil {
				return nil, ctxError(ctx, fmt.Sprintf("while connecting to jump host %s", h.Name))
			}
			return nil, fmt.Errorf("jump %s (%s): %w", h.Name, ep.addr, err)
		}
		c.clients = append(c.clients, client)
		c.names = append(c.names, h.Name)
		d = client
	}
	return c, nil
}

// DialContext opens a TCP connection from the last hop (an SSH "direct-tcpip" channel). The
// connection closes every hop when it closes.
func (c *jumpChain) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	last := len(c.clients) - 1
	conn, err := c.clients[last].DialContext(ctx, network, addr)
	if err != nil {
		return nil, fmt.Errorf("through jump host %s: %w", c.names[last], err)
	}
	return &chainConn{Conn: conn, chain: c}, nil
}

// close closes every hop, the first one first: that drops the TCP connection under all the
// others at once, so no hop's close can wait on a stalled path. It is safe on a nil chain and
// safe to call more than once.
func (c *jumpChain) close() {
	if c == nil {
		return
	}
	c.once.Do(func() {
		for _, cl := range c.clients {
			_ = cl.Close()
		}
	})
}

// chainConn is the device's connection through the chain. x/crypto closes it both when the
// client is closed and when the connection dies, so the hops can never outlive the device.
type chainConn struct {
	net.Conn
	chain *jumpChain
}

func (c *chainConn) Close() error {
	c.chain.close()
	return c.Conn.Close()
}
