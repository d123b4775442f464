package collector

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oca-collector/collector/internal/sshsim"
)

// fakeKeepaliveConn answers keepalives (or never does) and records what it was asked.
type fakeKeepaliveConn struct {
	answer    bool
	probes    atomic.Int32
	probed    chan struct{}
	closed    chan struct{}
	closeOnce sync.Once
}

func newFakeKeepaliveConn(answer bool) *fakeKeepaliveConn {
	return &fakeKeepaliveConn{answer: answer, probed: make(chan struct{}, 100), closed: make(chan struct{})}
}

func (c *fakeKeepaliveConn) SendRequest(name string, wantReply bool, _ []byte) (bool, []byte, error) {
	if name != "keepalive@openssh.com" || !wantReply {
		return false, nil, errors.New("unexpected request")
	}
	c.probes.Add(1)
	select {
	case c.probed <- struct{}{}:
	default:
	}
	if c.answer {
		return false, nil, nil // a refusal is an answer, as from OpenSSH
	}
	<-c.closed
	return false, nil, io.EOF
}

func (c *fakeKeepaliveConn) Wait() error { <-c.closed; return nil }

func (c *fakeKeepaliveConn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	return nil
}

func (c *fakeKeepaliveConn) isClosed() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

func waitClosed(t *testing.T, what string, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

func TestKeepaliveAnsweredKeepsConnection(t *testing.T) {
	c := newFakeKeepaliveConn(true)
	stopped := startKeepalive(c, 2*time.Millisecond, 2, func(int) { t.Error("declared dead") })
	for range 8 { // several times countMax intervals: answers must reset the count
		waitClosed(t, "a probe", c.probed)
	}
	if c.isClosed() {
		t.Fatal("an answering connection was closed")
	}
	_ = c.Close()
	waitClosed(t, "the keepalive to stop", stopped)
}

func TestKeepaliveUnansweredClosesConnection(t *testing.T) {
	c := newFakeKeepaliveConn(false)
	var missed atomic.Int32
	stopped := startKeepalive(c, 2*time.Millisecond, 3, func(n int) { missed.Store(int32(n)) })
	waitClosed(t, "the keepalive to give up", stopped)
	if !c.isClosed() || missed.Load() != 3 {
		t.Fatalf("closed %v missed %d", c.isClosed(), missed.Load())
	}
	if n := c.probes.Load(); n != 1 {
		t.Errorf("%d probes in flight, want 1", n)
	}
}

func TestKeepaliveDisabled(t *testing.T) {
	c := newFakeKeepaliveConn(true)
	waitClosed(t, "a disabled keepalive to return", startKeepalive(c, 0, 3, nil))
	if c.probes.Load() != 0 {
		t.Errorf("probes %d", c.probes.Load())
	}
}

// freezeProxy relays TCP between a client and target until frozen; from then on it swallows
// every byte both ways without closing anything: a black-holed path, or a peer that died
// without a word.
type freezeProxy struct {
	ln     net.Listener
	target string
	frozen atomic.Bool
	mu     sync.Mutex
	conns  []net.Conn
	wg     sync.WaitGroup
}

func newFreezeProxy(t *testing.T, target string) *freezeProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &freezeProxy{ln: ln, target: target}
	p.wg.Go(p.accept)
	t.Cleanup(func() {
		_ = ln.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			_ = c.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

func (p *freezeProxy) Addr() string { return p.ln.Addr().String() }

func (p *freezeProxy) accept() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = in.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, in, out)
		p.mu.Unlock()
		p.wg.Go(func() { p.pump(out, in) })
		p.wg.Go(func() { p.pump(in, out) })
	}
}

// pump copies src to dst until src ends, dropping what it reads while frozen.
func (p *freezeProxy) pump(dst, src net.Conn) {
	defer dst.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !p.frozen.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// A device that stops answering in the middle of a command fails as a lost connection within
// a few keepalive intervals, long before command_timeout.
func TestKeepaliveNoticesDeadPeer(t *testing.T) {
	f := newFleet(t)
	f.inv.Collection.Retries = 0
	f.inv.Collection.CommandTimeout = 60 * time.Second
	f.inv.Collection.DeviceTimeout = 120 * time.Second
	srv, dev := f.device("wan-router", sshsim.Config{Commands: map[string]sshsim.Response{
		"show tech-support": {Output: []sshsim.Chunk{{Data: "part one\n"}}, Hang: true},
	}}, "show tech-support")
	proxy := newFreezeProxy(t, srv.Addr())
	dev.Host, dev.Port = splitHostPort(t, proxy.Addr())
	appendKnownHostsLine(t, f.knownHosts, knownHostsLineFor(proxy.Addr(), srv.HostKey()))
	dev.SSH.KeepaliveInterval, dev.SSH.KeepaliveCountMax = 100*time.Millisecond, 3

	base := runtime.NumGoroutine()
	start := time.Now()
	done := make(chan []DeviceResult, 1)
	go func() {
		_, res := f.run(context.Background())
		done <- res
	}()
	waitFor(t, "the command to start", func() bool { return slices.Contains(srv.Stats().CommandsSeen, "show tech-support") })
	proxy.frozen.Store(true)
	var res []DeviceResult
	select {
	case res = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("device still running 10s after its peer went silent")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s to notice", d)
	}
	if res[0].Status != StatusFailed || !errors.Is(res[0].Err, ErrDisconnect) {
		t.Fatalf("status %s err %v", res[0].Status, res[0].Err)
	}
	checkNoLeaks(t, base)
}

// Keepalives on a healthy connection are answered and change nothing, even when a command
// outlasts many intervals.
func TestKeepaliveHealthyConnection(t *testing.T) {
	f := newFleet(t)
	f.inv.Collection.Retries = 0
	_, dev := f.device("lan-switch", sshsim.Config{Commands: map[string]sshsim.Response{
		"show logging": {Output: []sshsim.Chunk{{Data: "a\n"}, {Data: "b\n", Delay: 400 * time.Millisecond}}},
	}}, "show logging")
	dev.SSH.KeepaliveInterval, dev.SSH.KeepaliveCountMax = 25*time.Millisecond, 8
	_, res := f.run(context.Background())
	if res[0].Status != StatusOK {
		t.Fatalf("status %s err %v", res[0].Status, res[0].Err)
	}
}

func appendKnownHostsLine(t *testing.T, path, line string) {
	t.Helper()
	fh, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	if _, err := fh.WriteString(line + "\n"); err != nil {
		t.Fatal(err)
	}
}
