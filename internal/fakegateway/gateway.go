package fakegateway

import (
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Credentials the gateway accepts unless WithCredentials says otherwise.
const (
	DefaultUsername = "oca-test-user"
	DefaultPassword = "oca-test-password-Secr3t"
)

// DefaultTokenTTL is the lifetime of issued tokens, as documented for the real gateway.
const DefaultTokenTTL = 4 * time.Hour

// maxBodyBytes bounds an upload body the gateway reads; larger ones get 413.
const maxBodyBytes = 64 << 20

// Option configures a Gateway.
type Option func(*options)

type options struct {
	user, pass   string
	ttl          time.Duration
	now          func() time.Time
	confirmAfter int // asset status queries answered "Provision Requested" (assets.go)
}

// WithCredentials sets the username and password /auth accepts.
func WithCredentials(user, pass string) Option {
	return func(o *options) { o.user, o.pass = user, pass }
}

// WithTokenTTL sets the lifetime written into issued tokens' exp claim and enforced on uploads.
func WithTokenTTL(d time.Duration) Option { return func(o *options) { o.ttl = d } }

// WithClock replaces time.Now for token issue and expiry, so tests can age tokens.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// Gateway is a running fake OCA gateway. URL is its base URL, to use as the client's gateway.
type Gateway struct {
	URL string

	srv       *httptest.Server
	opts      options
	tb        testing.TB
	closing   chan struct{}
	closeOnce sync.Once
	tokenKey  []byte // HMAC key signing issued tokens

	mu        sync.Mutex
	tokens    map[string]time.Time // issued token -> exp
	uploads   []Upload
	requests  []Request
	authCount int
	scripts   map[string][]Fault // asset uuid ("" any upload, authScript for /auth, ...Script) -> queue
	assets    assetBook
	caFile    string
	tmpDir    string // created by CAFile for gateways without a testing.TB
}

// New starts a plain-http gateway on 127.0.0.1 with a kernel-chosen port; it is closed when the
// test ends.
func New(t testing.TB, opts ...Option) *Gateway {
	t.Helper()
	g := newGateway(t, opts)
	g.srv = httptest.NewUnstartedServer(g)
	g.srv.Config.ErrorLog = quietLog()
	g.srv.Start()
	g.URL = g.srv.URL
	t.Cleanup(g.Close)
	return g
}

// NewTLS is New over HTTPS with httptest's self-signed certificate; CAFile returns a PEM file
// the client can trust it with.
func NewTLS(t testing.TB, opts ...Option) *Gateway {
	t.Helper()
	g := newGateway(t, opts)
	g.srv = httptest.NewUnstartedServer(g)
	g.srv.Config.ErrorLog = quietLog()
	g.srv.StartTLS()
	g.URL = g.srv.URL
	t.Cleanup(g.Close)
	return g
}

// Start runs a plain-http gateway outside a test (for the demo). addr must be a loopback
// address; "" means 127.0.0.1:0. The caller must Close it.
func Start(addr string, opts ...Option) (*Gateway, error) { return start(addr, false, opts) }

// StartTLS is Start over HTTPS; see CAFile.
func StartTLS(addr string, opts ...Option) (*Gateway, error) { return start(addr, true, opts) }

func start(addr string, tls bool, opts []Option) (*Gateway, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("fake gateway: %w", err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("fake gateway: %s is not a loopback address", addr)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("fake gateway: %w", err)
	}
	g := newGateway(nil, opts)
	g.srv = httptest.NewUnstartedServer(g)
	_ = g.srv.Listener.Close()
	g.srv.Listener = l
	g.srv.Config.ErrorLog = quietLog()
	if tls {
		g.srv.StartTLS()
	} else {
		g.srv.Start()
	}
	g.URL = g.srv.URL
	return g, nil
}

// quietLog drops the server's own log (TLS handshake failures that tests provoke on purpose,
// connections they reset): tests assert on Requests instead.
func quietLog() *log.Logger { return log.New(io.Discard, "", 0) }

func newGateway(tb testing.TB, opts []Option) *Gateway {
	o := options{user: DefaultUsername, pass: DefaultPassword, ttl: DefaultTokenTTL, now: time.Now, confirmAfter: 1}
	for _, opt := range opts {
		opt(&o)
	}
	return &Gateway{
		opts:     o,
		tb:       tb,
		closing:  make(chan struct{}),
		tokenKey: []byte(rand.Text()),
		tokens:   make(map[string]time.Time),
		scripts:  make(map[string][]Fault),
	}
}

// Close stops the gateway. Delayed requests are abandoned, so Close does not wait for them.
// It is safe to call more than once.
func (g *Gateway) Close() {
	g.closeOnce.Do(func() {
		close(g.closing)
		g.srv.Close()
		g.mu.Lock()
		dir := g.tmpDir
		g.mu.Unlock()
		if dir != "" {
			os.RemoveAll(dir)
		}
	})
}

// CAFile writes the TLS gateway's certificate as PEM to a temporary file and returns its path
// ("" for a plain-http gateway). Call it from the test goroutine.
func (g *Gateway) CAFile() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.srv.TLS == nil || g.srv.Certificate() == nil {
		return ""
	}
	if g.caFile != "" {
		return g.caFile
	}
	var dir string
	if g.tb != nil {
		dir = g.tb.TempDir()
	} else {
		d, err := os.MkdirTemp("", "fakegateway-")
		if err != nil {
			return ""
		}
		g.tmpDir, dir = d, d
	}
	path := filepath.Join(dir, "gateway-ca.pem")
	data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: g.srv.Certificate().Raw})
	if err := os.WriteFile(path, data, 0o600); err != nil {
		if g.tb != nil {
			g.tb.Fatalf("fake gateway CA file: %v", err)
		}
		return ""
	}
	g.caFile = path
	return path
}

// Script queues faults for uploads of assetUUID ("" for any asset). An upload consumes the next
// fault of its own asset's queue first, then of the "" queue; with both empty it is answered
// normally.
func (g *Gateway) Script(assetUUID string, faults ...Fault) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.scripts[assetUUID] = append(g.scripts[assetUUID], faults...)
}

// ScriptAuth queues faults for /auth requests (Status, TooManyRequests, Delay, Reset, OK).
func (g *Gateway) ScriptAuth(faults ...Fault) {
	g.Script(authScript, faults...)
}

// authScript is the script key of /auth; it cannot collide with an asset UUID.
const authScript = "/auth"

// nextFault pops the fault for a request on key, if any.
func (g *Gateway) nextFault(key string) (Fault, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, k := range []string{key, ""} {
		q := g.scripts[k]
		// "" is for uploads only; the other endpoints' keys start with "/".
		if len(q) == 0 || (k == "" && strings.HasPrefix(key, "/")) {
			continue
		}
		f := q[0]
		if q[0].times > 1 {
			q[0].times--
		} else {
			g.scripts[k] = q[1:]
		}
		return f, true
	}
	return Fault{}, false
}

// ServeHTTP routes /auth, the bulk upload path and the asset calls; anything else is 404.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := Request{
		Method:           r.Method,
		Path:             r.URL.Path,
		Header:           r.Header.Clone(),
		ContentLength:    r.ContentLength,
		TransferEncoding: r.TransferEncoding,
		Time:             g.opts.now(),
	}
	switch {
	case r.URL.Path == "/auth":
		rec.Status, rec.Fault = g.serveAuth(w, r)
	case uploadPathRE.MatchString(r.URL.Path):
		rec.Status, rec.Fault = g.serveUpload(w, r)
	case isAssetPath(r.URL.Path):
		rec.Status, rec.Fault = g.serveAsset(w, r)
	default:
		rec.Status = reply(w, http.StatusNotFound, envelope(http.StatusNotFound, "Not Found"), nil)
	}
	g.mu.Lock()
	g.requests = append(g.requests, rec)
	g.mu.Unlock()
}
