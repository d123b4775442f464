package sshsim

import (
	"io"
	"net"
	"strings"

	"golang.org/x/crypto/ssh"
)

// session serves one session channel: it answers requests until the client closes the channel
// (or the connection dies), and runs at most one exec'd command or shell alongside.
func (c *conn) session(nch ssh.NewChannel) {
	s := c.s
	if !pause(s.cfg.Latency, s.done, nil) {
		_ = nch.Reject(ssh.ConnectionFailed, "server closing")
		return
	}
	ch, reqs, err := nch.Accept()
	if err != nil {
		return
	}
	stop := make(chan struct{}) // closed when the client is gone: the command must stop
	var ran chan struct{}       // closed when the command's goroutine has returned
	pty := false                // a PTY was requested: the shell echoes
	for req := range reqs {
		// Requests must keep being drained while a command runs: x/crypto's mux stalls the
		// whole connection when a channel's request queue is full.
		switch req.Type {
		case "exec":
			var payload struct{ Command string }
			if err := ssh.Unmarshal(req.Payload, &payload); err != nil {
				c.reply(req, false)
				continue
			}
			r := s.recordExec(payload.Command)
			s.log.Debug("sshsim exec", keyHost, s.Addr(), keyCommand, payload.Command)
			if s.cfg.RejectExec || (s.cfg.Shell != nil && s.cfg.Shell.RefuseExec) || ran != nil {
				c.reply(req, false)
				continue
			}
			c.reply(req, true)
			ran = make(chan struct{})
			go func() {
				defer close(ran)
				c.run(ch, r, stop)
			}()
		case "shell":
			if s.cfg.Shell == nil || ran != nil {
				c.reply(req, false)
				continue
			}
			c.reply(req, true)
			ran = make(chan struct{})
			go func(pty bool) {
				defer close(ran)
				c.shell(ch, pty, stop)
			}(pty)
		case "pty-req":
			pty = true
			c.reply(req, true)
		case "window-change", "env":
			c.reply(req, true)
		default: // subsystem, x11-req, ...
			c.reply(req, false)
		}
	}
	close(stop)
	if ran != nil {
		<-ran
	}
	_ = ch.Close()
}

// reply answers req after the simulated round trip, if the client asked for an answer.
func (c *conn) reply(req *ssh.Request, ok bool) {
	if !req.WantReply {
		return
	}
	pause(c.s.cfg.Latency, c.s.done, nil)
	_ = req.Reply(ok, nil)
}

// run plays r on ch. It returns early when stop or Close interrupts a delay or hang, when a
// write fails because the client went away, or after a scripted disconnect.
func (c *conn) run(ch ssh.Channel, r Response, stop <-chan struct{}) {
	done := c.s.done
	budget := r.DisconnectAfter
	for _, chunk := range r.Output {
		if !pause(chunk.Delay, stop, done) {
			return
		}
		data, cut := chunk.Data, false
		if r.DisconnectAfter > 0 && len(data) >= budget {
			data, cut = data[:budget], true
		}
		budget -= len(data)
		var w io.Writer = ch
		if chunk.Stderr {
			w = ch.Stderr()
		}
		if len(data) > 0 {
			if _, err := io.WriteString(w, data); err != nil {
				return
			}
		}
		if cut {
			c.disconnect()
			return
		}
	}
	if r.DisconnectAfter > 0 {
		c.disconnect()
		return
	}
	if r.Hang {
		select {
		case <-stop:
		case <-done:
		}
		return
	}
	// OpenSSH's order: EOF, exit status, close.
	_ = ch.CloseWrite()
	if r.Signal != "" {
		sig := struct {
			Signal     string
			CoreDumped bool
			Error      string
			Lang       string
		}{Signal: strings.TrimPrefix(r.Signal, "SIG")}
		_, _ = ch.SendRequest("exit-signal", false, ssh.Marshal(&sig))
	} else {
		st := struct{ Status uint32 }{uint32(r.ExitStatus)}
		_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(&st))
	}
	_ = ch.Close()
}

// disconnect drops the whole TCP connection. The write side is shut first so the output
// already written reaches the client ahead of the FIN instead of being lost to a reset.
func (c *conn) disconnect() {
	if tc, ok := c.nc.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
	_ = c.nc.Close()
}
