package sshsim

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Log attribute keys, shared with the rest of the project's logs.
const (
	keyHost    = "host"
	keyUser    = "user"
	keyMethod  = "method"
	keyCommand = "command"
	keyError   = "error"
)

// Server is one simulated device listening on 127.0.0.1.
type Server struct {
	cfg      Config
	ln       net.Listener
	addr     *net.TCPAddr
	signer   ssh.Signer
	sshCfg   *ssh.ServerConfig
	users    map[string]user
	log      *slog.Logger
	done     chan struct{} // closed by Close: every wait gives up
	wg       sync.WaitGroup
	shutOnce sync.Once
	shutErr  error

	mu       sync.Mutex
	closed   bool
	conns    map[net.Conn]struct{}
	commands map[string]Response
	stats    Stats
}

// Stats is what a device saw, so tests can assert on the collector's behaviour from the
// device's side (how many logins, how many channels at once, which commands in which order).
// Every count but Connections is updated before the client gets the answer it is about, so a
// client that has seen the answer also sees it counted; Connections counts accepts, which can
// trail a client's successful TCP connect (poll for it).
type Stats struct {
	// Connections counts accepted TCP connections, SSH or not.
	Connections int
	// AuthFailures counts refused credentials: each wrong password and each public key not
	// authorized (the "none" probe every client sends first is not counted).
	AuthFailures int
	// Logins counts successful authentications.
	Logins int
	// Execs counts exec requests received, including refused ones (RejectExec).
	Execs int
	// Forwards counts "direct-tcpip" channels accepted (AllowForward): connections the device
	// relayed as a jump host.
	Forwards int
	// MaxConcurrentChannels is the most session channels ever open at once on any single
	// connection, the quantity sshd's MaxSessions limits.
	MaxConcurrentChannels int
	// CommandsSeen lists exec'd command lines in arrival order.
	CommandsSeen []string
	// ScriptCommands lists the command lines batch scripts ran (POSIXBatch), in order; the
	// script's own exec is in Execs and CommandsSeen.
	ScriptCommands []string
	// ShellCommands lists the command lines entered in shell sessions, in arrival order
	// (empty lines and the enable password are not commands and are not listed).
	ShellCommands []string
	// PagerPrompts counts the times a shell session showed its pager marker and waited.
	PagerPrompts int
}

// Start scripts a device from cfg and listens on 127.0.0.1 at a kernel-chosen port.
func Start(cfg Config) (*Server, error) {
	s := &Server{
		cfg:      cfg,
		signer:   cfg.HostKey,
		log:      cfg.Logger,
		done:     make(chan struct{}),
		conns:    make(map[net.Conn]struct{}),
		commands: make(map[string]Response, len(cfg.Commands)),
		users:    make(map[string]user, len(cfg.Users)),
	}
	if s.signer == nil {
		s.signer = NewHostKey()
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.cfg.MaxSessions <= 0 {
		s.cfg.MaxSessions = defaultMaxSessions
	}
	for cmd, r := range cfg.Commands {
		s.commands[cmd] = r.clone()
	}
	if cfg.Unknown != nil {
		u := cfg.Unknown.clone()
		s.cfg.Unknown = &u
	}
	if cfg.Shell != nil {
		s.cfg.Shell = cfg.Shell.prepare()
	}
	for name, u := range cfg.Users {
		s.users[name] = newUser(u)
	}
	s.cfg.Users, s.cfg.Commands = nil, nil // the copies above are the live ones
	s.sshCfg = s.serverConfig()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("sshsim listen: %w", err)
	}
	s.ln = ln
	s.addr = ln.Addr().(*net.TCPAddr)
	s.wg.Add(1)
	go s.acceptLoop()
	return s, nil
}

// New is Start for tests: the device is closed when the test ends, and a failure to start
// fails the test.
func New(t testing.TB, cfg Config) *Server {
	t.Helper()
	s, err := Start(cfg)
	if err != nil {
		t.Fatalf("sshsim: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("sshsim close: %v", err)
		}
	})
	return s
}

// Addr is the device's "127.0.0.1:port", ready for a dialer.
func (s *Server) Addr() string { return s.addr.String() }

// Host is the device's IP, for inventories that keep host and port apart.
func (s *Server) Host() string { return s.addr.IP.String() }

// Port is the device's kernel-chosen TCP port.
func (s *Server) Port() int { return s.addr.Port }

// HostKey is the public half of the device's host key, for pinning it in a client.
func (s *Server) HostKey() ssh.PublicKey { return s.signer.PublicKey() }

// KnownHostsLine is the device's known_hosts entry, so tests can exercise strict host key
// checking exactly as an operator's known_hosts file would.
func (s *Server) KnownHostsLine() string {
	return knownhosts.Line([]string{knownhosts.Normalize(s.Addr())}, s.HostKey())
}

// SetCommand scripts (or rescripts) cmd while the device runs; later exec requests see it.
func (s *Server) SetCommand(cmd string, r Response) {
	r = r.clone()
	s.mu.Lock()
	s.commands[cmd] = r
	s.mu.Unlock()
}

// Stats is a snapshot of what the device saw so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.CommandsSeen = append([]string(nil), s.stats.CommandsSeen...)
	st.ShellCommands = append([]string(nil), s.stats.ShellCommands...)
	st.ScriptCommands = append([]string(nil), s.stats.ScriptCommands...)
	return st
}

// Close stops listening, drops every connection, interrupts every delay and hang, and returns
// once every goroutine the server started has ended. Calling it again returns the first result.
func (s *Server) Close() error {
	s.shutOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		conns := make([]net.Conn, 0, len(s.conns))
		for c := range s.conns {
			conns = append(conns, c)
		}
		s.mu.Unlock()

		close(s.done)
		if err := s.ln.Close(); err != nil {
			s.shutErr = fmt.Errorf("sshsim close: %w", err)
		}
		for _, c := range conns {
			_ = c.Close() // already-closed conns are fine: we only need them dead
		}
		s.wg.Wait()
	})
	return s.shutErr
}

// acceptLoop hands each connection to its own goroutine until Close.
func (s *Server) acceptLoop() {
	defer s.wg.Done()
	var backoff time.Duration
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if s.isClosed() || errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors with thousands of devices: back off like net/http
			// rather than spin or give up.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.log.Warn("sshsim accept", keyHost, s.Addr(), keyError, err)
			if !pause(backoff, s.done, nil) {
				return
			}
			continue
		}
		backoff = 0
		if !s.track(c) {
			_ = c.Close()
			return
		}
		go s.serve(c)
	}
}

// track registers a live connection so Close can drop it; false once the server is closing.
func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	s.stats.Connections++
	s.wg.Add(1)
	return true
}

func (s *Server) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	_ = c.Close()
}

func (s *Server) isClosed() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// recordExec finds the scripted response for cmd and records that the device saw it.
func (s *Server) recordExec(cmd string) Response {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Execs++
	s.stats.CommandsSeen = append(s.stats.CommandsSeen, cmd)
	return s.lookup(cmd)
}

// batchCommand finds the scripted response for a command a batch script runs and records it.
func (s *Server) batchCommand(cmd string) Response {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.ScriptCommands = append(s.stats.ScriptCommands, cmd)
	return s.lookup(cmd)
}

// lookup finds the scripted response for cmd; s.mu is held.
func (s *Server) lookup(cmd string) Response {
	if r, ok := s.commands[cmd]; ok {
		return r
	}
	if p := s.cfg.Shell; p != nil {
		if r, known := p.execResponse(cmd); known || s.cfg.Unknown == nil {
			return r
		}
	}
	if s.cfg.Unknown != nil {
		return *s.cfg.Unknown
	}
	return notFound(cmd)
}

func (s *Server) noteChannels(open int) {
	s.mu.Lock()
	s.stats.MaxConcurrentChannels = max(s.stats.MaxConcurrentChannels, open)
	s.mu.Unlock()
}

func (s *Server) noteLogin() {
	s.mu.Lock()
	s.stats.Logins++
	s.mu.Unlock()
}

func (s *Server) noteAuthFailure() {
	s.mu.Lock()
	s.stats.AuthFailures++
	s.mu.Unlock()
}

// pause waits d and reports whether it elapsed; it returns false as soon as a or b closes
// (a nil channel never does), so no simulated delay outlives the client or the server.
func pause(d time.Duration, a, b <-chan struct{}) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-a:
		return false
	case <-b:
		return false
	}
}
