package sshsim

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// forwardDialTimeout bounds the simulator's own dial to a forward's target.
const forwardDialTimeout = 5 * time.Second

// directTCPIP is the "direct-tcpip" channel open payload (RFC 4254 section 7.2).
type directTCPIP struct {
	Host       string
	Port       uint32
	OriginHost string
	OriginPort uint32
}

// forward plays a jump host for one "direct-tcpip" channel: it dials the requested target and
// relays bytes both ways until both sides are done. Only loopback IP targets are dialled, so a
// test can never make the simulator reach beyond the machine; anything else is refused the way
// sshd refuses a forward its PermitOpen does not allow.
func (c *conn) forward(nch ssh.NewChannel) {
	s := c.s
	var p directTCPIP
	if err := ssh.Unmarshal(nch.ExtraData(), &p); err != nil {
		_ = nch.Reject(ssh.ConnectionFailed, "malformed direct-tcpip request")
		return
	}
	if !pause(s.cfg.Latency, s.done, nil) {
		_ = nch.Reject(ssh.ConnectionFailed, "server closing")
		return
	}
	if ip := net.ParseIP(p.Host); ip == nil || !ip.IsLoopback() {
		_ = nch.Reject(ssh.Prohibited, fmt.Sprintf("sshsim forwards only to loopback addresses, not %q", p.Host))
		return
	}
	if p.Port == 0 || p.Port > 65535 {
		_ = nch.Reject(ssh.ConnectionFailed, fmt.Sprintf("bad port %d", p.Port))
		return
	}
	target := net.JoinHostPort(p.Host, strconv.Itoa(int(p.Port)))
	ctx, cancel := context.WithTimeout(context.Background(), forwardDialTimeout)
	go func() { // Close interrupts the dial; the goroutine ends with cancel below
		select {
		case <-s.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	tcp, err := (&net.Dialer{}).DialContext(ctx, "tcp", target)
	cancel()
	if err != nil {
		_ = nch.Reject(ssh.ConnectionFailed, err.Error())
		return
	}
	s.noteForward()
	ch, reqs, err := nch.Accept()
	if err != nil {
		_ = tcp.Close()
		return
	}
	s.log.Debug("sshsim forward", keyHost, s.Addr(), "target", target)
	relay(ch, reqs, tcp)
}

// relay copies both ways, passing each side's end of data on as a half-close, and returns
// once both directions are done. The channel closing (the client closed it, or the whole
// connection died) drops the target connection at once.
func relay(ch ssh.Channel, reqs <-chan *ssh.Request, tcp net.Conn) {
	var wg sync.WaitGroup
	wg.Go(func() {
		for r := range reqs {
			if r.WantReply {
				_ = r.Reply(false, nil)
			}
		}
		_ = tcp.Close()
	})
	var copies sync.WaitGroup
	copies.Go(func() {
		_, _ = io.Copy(tcp, ch)
		if tc, ok := tcp.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
	})
	copies.Go(func() {
		_, _ = io.Copy(ch, tcp)
		_ = ch.CloseWrite()
	})
	copies.Wait()
	_ = ch.Close()
	_ = tcp.Close()
	wg.Wait()
}

func (s *Server) noteForward() {
	s.mu.Lock()
	s.stats.Forwards++
	s.mu.Unlock()
}
