package sshsim

import (
	"io"
	"net"
	"strings"
	"sync"

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
				if !req.WantReply && ran == nil {
					// A refusal nobody asked to hear: close the channel, as a device that
					// cannot run the command hangs up, so the client is not left waiting.
					_ = ch.Close()
				}
				continue
			}
			c.reply(req, true)
			ran = make(chan struct{})
			batch := s.cfg.POSIXBatch && payload.Command == batchShell
			go func() {
				defer close(ran)
				if batch {
					c.runBatch(ch, stop)
					return
				}
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
	if c.play(ch, r, stop, false) {
		c.exit(ch, r)
	}
}

// play writes r's output to ch (stderr chunks to stdout when merged, as `2>&1` does) and
// reports whether the command ended: false when stop or Close interrupted a delay or hang, a
// write failed because the client went away, or a scripted disconnect dropped the connection.
func (c *conn) play(ch ssh.Channel, r Response, stop <-chan struct{}, merged bool) bool {
	done := c.s.done
	budget := r.DisconnectAfter
	for _, chunk := range r.Output {
		if !pause(chunk.Delay, stop, done) {
			return false
		}
		data, cut := chunk.Data, false
		if r.DisconnectAfter > 0 && len(data) >= budget {
			data, cut = data[:budget], true
		}
		budget -= len(data)
		var w io.Writer = ch
		if chunk.Stderr && !merged {
			w = ch.Stderr()
		}
		if len(data) > 0 {
			if err := writeString(w, data); err != nil {
				return false
			}
		}
		if cut {
			c.disconnect()
			return false
		}
	}
	if r.DisconnectAfter > 0 {
		c.disconnect()
		return false
	}
	if r.Hang {
		select {
		case <-stop:
		case <-done:
		}
		return false
	}
	return true
}

// exit ends the channel as r ends: OpenSSH's order, EOF, exit status (or signal), close.
func (c *conn) exit(ch ssh.Channel, r Response) {
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

// chunkBufs holds the buffers writeString copies output through.
var chunkBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// writeString writes s to w a piece at a time through a pooled buffer. io.WriteString would
// convert all of s to a fresh []byte: the simulator's outputs are shared strings of up to tens
// of KiB, played by every device, and that garbage is CPU taken from the collector measured
// beside the simulator. An ssh.Channel has copied the data into packets when Write returns.
func writeString(w io.Writer, s string) error {
	bp := chunkBufs.Get().(*[]byte)
	defer chunkBufs.Put(bp)
	for len(s) > 0 {
		n := copy(*bp, s)
		if _, err := w.Write((*bp)[:n]); err != nil {
			return err
		}
		s = s[n:]
	}
	return nil
}
