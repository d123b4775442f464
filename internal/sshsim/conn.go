package sshsim

import (
	"io"
	"net"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
)

// conn is one client connection's state: the raw socket (for mid-output disconnects) and the
// number of session channels open on it (for MaxSessions).
type conn struct {
	s     *Server
	nc    net.Conn
	open  atomic.Int32
	freed chan struct{} // one token per release, for an open waiting on the limit
}

// serve runs one accepted connection to its end. It owns the connection's wg slot.
func (s *Server) serve(nc net.Conn) {
	defer s.wg.Done()
	defer s.untrack(nc)
	if s.cfg.NoSSH {
		// A tarpit never writes; reading only notices the client leaving.
		_, _ = io.Copy(io.Discard, nc)
		return
	}
	sconn, chans, reqs, err := ssh.NewServerConn(nc, s.sshCfg)
	if err != nil {
		s.log.Debug("sshsim handshake", keyHost, s.Addr(), keyError, err)
		return
	}
	c := &conn{s: s, nc: nc, freed: make(chan struct{}, 1)}

	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		c.globalRequests(reqs)
	}()
	for nch := range chans {
		c.dispatch(nch)
	}
	_ = sconn.Close()
	_ = sconn.Wait()
}

// globalRequests refuses every global request, keepalive@openssh.com included, as OpenSSH
// does; a client's keepalive must get an answer, not a dropped connection.
func (c *conn) globalRequests(reqs <-chan *ssh.Request) {
	for req := range reqs {
		if req.WantReply {
			pause(c.s.cfg.Latency, c.s.done, nil)
			_ = req.Reply(false, nil)
		}
	}
}

// dispatch decides a channel open on the connection's own goroutine, so the MaxSessions count
// is exact, and answers it on a new goroutine, so Latency does not serialise opens.
func (c *conn) dispatch(nch ssh.NewChannel) {
	s := c.s
	if nch.ChannelType() == "direct-tcpip" && s.cfg.AllowForward {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			c.forward(nch)
		}()
		return
	}
	reason, msg := ssh.RejectionReason(0), ""
	switch {
	case nch.ChannelType() != "session":
		reason, msg = ssh.UnknownChannelType, "unsupported channel type"
	case !c.slotFree():
		reason, msg = ssh.ConnectionFailed, "open failed" // what sshd answers at MaxSessions
	}
	s.wg.Add(1)
	if msg != "" {
		go func() {
			defer s.wg.Done()
			pause(s.cfg.Latency, s.done, nil)
			_ = nch.Reject(reason, msg)
		}()
		return
	}
	s.noteChannels(int(c.open.Add(1)))
	go func() {
		defer s.wg.Done()
		defer c.release()
		c.session(nch)
	}()
}

// closeGrace is how long a channel open at the limit waits for a slot. sshd handles a channel
// close and the next open in wire order, so a client that closed a channel before opening the
// next one never sees "resource shortage"; x/crypto hands the two to different goroutines here,
// and this short wait restores sshd's ordering without letting a client exceed the limit.
const closeGrace = 250 * time.Millisecond

// slotFree reports whether one more channel may open, waiting up to closeGrace for a session
// the client has already closed to finish.
func (c *conn) slotFree() bool {
	if int(c.open.Load()) < c.s.cfg.MaxSessions {
		return true
	}
	t := time.NewTimer(closeGrace)
	defer t.Stop()
	for int(c.open.Load()) >= c.s.cfg.MaxSessions {
		select {
		case <-c.freed:
		case <-t.C:
			return false
		case <-c.s.done:
			return false
		}
	}
	return true
}

// release frees a session slot and wakes a channel open waiting for one.
func (c *conn) release() {
	c.open.Add(-1)
	select {
	case c.freed <- struct{}{}:
	default:
	}
}
