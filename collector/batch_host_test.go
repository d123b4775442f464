//go:build unix

package collector

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// posixHost is a test-only SSH server on 127.0.0.1:0 that behaves like a POSIX host: an exec
// request runs for real with the local /bin/sh (`/bin/sh -s` reads the channel's stdin, anything
// else runs as `/bin/sh -c`), so batch scripts are executed, not scripted. The simulator cannot
// do this: it answers fixed command lines.
type posixHost struct {
	t      *testing.T
	cfg    posixHostConfig
	ln     net.Listener
	signer ssh.Signer

	mu      sync.Mutex
	execs   []string
	dropped bool
	conns   map[net.Conn]struct{}
	wg      sync.WaitGroup
}

type posixHostConfig struct {
	dir          string   // working directory of every shell
	env          []string // environment of every shell (PATH decides whether timeout(1) exists)
	refuseScript bool     // refuse `exec /bin/sh -s`, as a non-POSIX device would
	// dropOn, when a command prints it, delivers the output up to it and then ends the TCP
	// connection (once per host): a connection lost mid-script.
	dropOn string
	// killOn, when a command prints it, delivers the output up to and including its line and
	// then kills the exec'd shell and everything it started: sh dying mid-script, connection
	// alive.
	killOn string
}

func startPosixHost(t *testing.T, cfg posixHostConfig) *posixHost {
	t.Helper()
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh on this machine")
	}
	if cfg.dir == "" {
		cfg.dir = t.TempDir()
	}
	if cfg.env == nil {
		cfg.env = []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C", "HOME=" + cfg.dir}
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &posixHost{t: t, cfg: cfg, ln: ln, signer: signer, conns: map[net.Conn]struct{}{}}
	h.wg.Add(1)
	go h.accept()
	t.Cleanup(func() {
		_ = ln.Close()
		h.mu.Lock()
		for c := range h.conns {
			_ = c.Close()
		}
		h.mu.Unlock()
		h.wg.Wait()
	})
	return h
}

func (h *posixHost) addr() string { return h.ln.Addr().String() }

// execLog returns the exec requests received so far, refused ones included.
func (h *posixHost) execLog() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.execs...)
}

// dial connects as the device runner does and returns the session the drivers see; the
// connection is closed at cleanup.
func (h *posixHost) dial(t *testing.T) *session {
	t.Helper()
	client, err := ssh.Dial("tcp", h.addr(), &ssh.ClientConfig{
		User: testUser, HostKeyCallback: ssh.FixedHostKey(h.signer.PublicKey()), Timeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	dead := make(chan struct{})
	go func() { _ = client.Wait(); close(dead) }()
	t.Cleanup(func() { _ = client.Close(); <-dead })
	return &session{client: client, dead: dead}
}

func (h *posixHost) accept() {
	defer h.wg.Done()
	for {
		nc, err := h.ln.Accept()
		if err != nil {
			return
		}
		h.mu.Lock()
		h.conns[nc] = struct{}{}
		h.mu.Unlock()
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			h.serve(nc)
			h.mu.Lock()
			delete(h.conns, nc)
			h.mu.Unlock()
		}()
	}
}

func (h *posixHost) serve(nc net.Conn) {
	defer nc.Close()
	cfg := &ssh.ServerConfig{NoClientAuth: true}
	cfg.AddHostKey(h.signer)
	sc, chans, reqs, err := ssh.NewServerConn(nc, cfg)
	if err != nil {
		return
	}
	defer sc.Close()
	go ssh.DiscardRequests(reqs) // keepalives get an answer (false), as from sshd
	var wg sync.WaitGroup
	for nch := range chans {
		if nch.ChannelType() != "session" {
			_ = nch.Reject(ssh.UnknownChannelType, "only sessions")
			continue
		}
		ch, creqs, err := nch.Accept()
		if err != nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.session(nc, ch, creqs)
		}()
	}
	wg.Wait()
}

// session runs at most one exec'd command on ch. When the client closes the channel or the
// connection ends, the command's process group is killed, as a device's sshd hangs up on it.
func (h *posixHost) session(nc net.Conn, ch ssh.Channel, reqs <-chan *ssh.Request) {
	var (
		cmd *exec.Cmd
		ran chan struct{}
	)
	for req := range reqs {
		if req.Type != "exec" || cmd != nil {
			_ = req.Reply(false, nil)
			continue
		}
		var p struct{ Command string }
		if err := ssh.Unmarshal(req.Payload, &p); err != nil {
			_ = req.Reply(false, nil)
			continue
		}
		h.mu.Lock()
		h.execs = append(h.execs, p.Command)
		h.mu.Unlock()
		script := p.Command == "/bin/sh -s"
		if script && h.cfg.refuseScript {
			_ = req.Reply(false, nil)
			continue
		}
		args := []string{"-c", p.Command}
		if script {
			args = []string{"-s"}
		}
		c := exec.Command("/bin/sh", args...)
		c.Dir, c.Env = h.cfg.dir, h.cfg.env
		c.Stdin = ch
		out := &hostStdout{h: h, nc: nc, ch: ch, cmd: c}
		c.Stdout, c.Stderr = out, ch.Stderr()
		c.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // see killSession
		c.WaitDelay = 2 * time.Second
		if err := c.Start(); err != nil {
			_ = req.Reply(false, nil)
			continue
		}
		_ = req.Reply(true, nil)
		cmd, ran = c, make(chan struct{})
		go func() {
			defer close(ran)
			sendExit(ch, c.Wait())
			_ = ch.Close()
		}()
	}
	if cmd != nil {
		killSession(cmd.Process.Pid)
		<-ran
	}
	_ = ch.Close()
}

// killSession kills every process of the session that sid leads. timeout(1) puts the command it
// runs in a process group of its own, so killing the shell's group is not enough; all of them
// stay in the shell's session. Other systems than Linux have no /proc to search: the group
// has to do.
func killSession(sid int) {
	_ = syscall.Kill(-sid, syscall.SIGKILL)
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp session ...: comm may hold spaces and parentheses.
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(fields) > 3 && fields[3] == strconv.Itoa(sid) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// sendExit reports how the command ended: exit-status, or exit-signal for a signal death.
func sendExit(ch ssh.Channel, err error) {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			name := map[syscall.Signal]string{syscall.SIGKILL: "KILL", syscall.SIGTERM: "TERM", syscall.SIGPIPE: "PIPE"}[ws.Signal()]
			if name == "" {
				name = "USR1"
			}
			_, _ = ch.SendRequest("exit-signal", false, ssh.Marshal(struct {
				Signal     string
				CoreDumped bool
				Error      string
				Lang       string
			}{Signal: name}))
			return
		}
	}
	status := 0
	if ee != nil {
		status = ee.ExitCode()
	} else if err != nil {
		status = 255
	}
	_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{uint32(status)}))
}

// hostStdout forwards a command's stdout to the channel, playing the configured faults.
type hostStdout struct {
	h   *posixHost
	nc  net.Conn
	ch  ssh.Channel
	cmd *exec.Cmd
}

func (w *hostStdout) Write(p []byte) (int, error) {
	cfg := &w.h.cfg
	if i := markerAt(p, cfg.dropOn); i >= 0 && w.h.dropOnce() {
		if _, err := w.ch.Write(p[:i]); err != nil {
			return 0, err
		}
		// FIN after the data, so everything before the marker arrives, then nothing more.
		if tc, ok := w.nc.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		return 0, net.ErrClosed
	}
	if i := markerAt(p, cfg.killOn); i >= 0 {
		end := i + len(cfg.killOn)
		if nl := bytes.IndexByte(p[end:], '\n'); nl >= 0 {
			end += nl + 1
		}
		if _, err := w.ch.Write(p[:end]); err != nil {
			return 0, err
		}
		killSession(w.cmd.Process.Pid)
		return len(p), nil // the rest of the chunk is lost with the shell
	}
	return w.ch.Write(p)
}

func markerAt(p []byte, marker string) int {
	if marker == "" {
		return -1
	}
	return bytes.Index(p, []byte(marker))
}

func (h *posixHost) dropOnce() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.dropped {
		return false
	}
	h.dropped = true
	return true
}

// pathWithout returns a PATH directory holding links to the given tools only, so a shell
// using it lacks everything else (timeout(1) in particular).
func pathWithout(t *testing.T, tools ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, tool := range tools {
		p, err := exec.LookPath(tool)
		if err != nil {
			t.Skipf("%s not found: %v", tool, err)
		}
		if err := os.Symlink(p, filepath.Join(dir, tool)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
