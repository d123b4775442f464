package bench

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// forwarder accepts on one loopback address and splices each connection to a device on
// 127.0.0.1. sshsim listens only on 127.0.0.1; the forwarder lets a fleet spread over
// 127.0.x.y addresses, as real devices have distinct IPs, at the cost of a copy in the
// simulator's process (never in the collector's). With a delay it is also a WAN: every byte
// reaches the other side that long after it was sent (see delayCopy).
type forwarder struct {
	ln     net.Listener
	target string
	delay  time.Duration // one way; 0 splices directly
	wg     sync.WaitGroup

	mu     sync.Mutex
	closed bool
	conns  map[net.Conn]struct{}
}

// startForwarder listens on ip at a kernel-chosen port and forwards to target, each byte
// delayed by delay (one way) in both directions.
func startForwarder(ip, target string, delay time.Duration) (*forwarder, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		return nil, fmt.Errorf("forward listen %s: %w", ip, err)
	}
	f := &forwarder{ln: ln, target: target, delay: delay, conns: make(map[net.Conn]struct{})}
	f.wg.Add(1)
	go f.acceptLoop()
	return f, nil
}

// addr is where the forwarder listens.
func (f *forwarder) addr() *net.TCPAddr { return f.ln.Addr().(*net.TCPAddr) }

func (f *forwarder) acceptLoop() {
	defer f.wg.Done()
	for {
		c, err := f.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue // a transient accept error (EMFILE): the next Accept may succeed
		}
		if !f.track(c) {
			_ = c.Close()
			return
		}
		f.wg.Add(1)
		go f.splice(c)
	}
}

// splice copies both ways until either side ends, then closes both.
func (f *forwarder) splice(c net.Conn) {
	defer f.wg.Done()
	defer f.untrack(c)
	up, err := net.Dial("tcp", f.target)
	if err != nil {
		return
	}
	if !f.track(up) {
		_ = up.Close()
		return
	}
	defer f.untrack(up)
	done := make(chan struct{}, 2)
	go func() { f.copy(up, c); closeWrite(up); done <- struct{}{} }()
	go func() { f.copy(c, up); closeWrite(c); done <- struct{}{} }()
	<-done
	<-done
}

func (f *forwarder) copy(dst, src net.Conn) {
	if f.delay <= 0 {
		_, _ = io.Copy(dst, src)
		return
	}
	delayCopy(dst, src, f.delay)
}

// delayLineDepth bounds the reads in flight on one direction of a delayed connection: with
// 32 KiB reads, 2 MiB, an SSH channel window, so the delay never throttles bulk output.
const delayLineDepth = 64

// delayCopy copies src to dst, each read written delay after it arrived: a link with a
// one-way latency and no bandwidth limit, so a request and its answer cost a round trip of
// 2*delay whichever protocol step they are (TCP's own handshake excepted: the kernel
// completes it before the forwarder sees the connection). It returns when src ends (after
// writing what was read) or dst fails.
func delayCopy(dst, src net.Conn, delay time.Duration) {
	type piece struct {
		due  time.Time
		data []byte
	}
	line := make(chan piece, delayLineDepth)
	failed := make(chan struct{})
	go func() {
		defer close(line)
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				// A copy of what was read, not a fresh 32 KiB per read: most reads are a
				// handshake packet of a few hundred bytes, and the simulator's garbage is CPU
				// taken from the collector measured beside it.
				data := append([]byte(nil), buf[:n]...)
				select {
				case line <- piece{due: time.Now().Add(delay), data: data}:
				case <-failed:
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	for p := range line {
		time.Sleep(time.Until(p.due)) // the link's latency, not a synchronisation
		if _, err := dst.Write(p.data); err != nil {
			close(failed)
			_ = src.Close() // unblocks the reader; nobody will read what it would pass on
			for range line {
			}
			return
		}
	}
}

// closeWrite passes a half close on, so a side that finished sending is seen to.
func closeWrite(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
}

func (f *forwarder) track(c net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	f.conns[c] = struct{}{}
	return true
}

func (f *forwarder) untrack(c net.Conn) {
	f.mu.Lock()
	delete(f.conns, c)
	f.mu.Unlock()
	_ = c.Close()
}

// close stops accepting, drops every connection and waits for every goroutine.
func (f *forwarder) close() error {
	f.mu.Lock()
	f.closed = true
	conns := make([]net.Conn, 0, len(f.conns))
	for c := range f.conns {
		conns = append(conns, c)
	}
	f.mu.Unlock()
	err := f.ln.Close()
	for _, c := range conns {
		_ = c.Close()
	}
	f.wg.Wait()
	if err != nil {
		return fmt.Errorf("forward close: %w", err)
	}
	return nil
}
