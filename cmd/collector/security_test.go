package main

// Security checks of the built binary: secrets never leave the places they belong (the
// environment and the wire), secret files with loose permissions are refused, TLS is verified
// and the proxy environment honoured, and an inline password is warned about.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/oca-collector/collector/internal/fakegateway"
	"github.com/oca-collector/collector/internal/sshsim"
)

const envPassphrase = "OCA_E2E_KEY_PASSPHRASE"

// TestSecuritySecretsStayOut runs a fleet that uses every kind of secret (device password,
// private-key passphrase, enable secret, Qualys password, the bearer token the gateway issues)
// through two runs (JSON and text logs, -v) and a drain of the spool, with a gateway that echoes
// the password and the Authorization header back in a 400. No secret may appear on stdout or
// stderr, in any file under the output directory (reports, transcripts, bulk files, spool
// metadata), or in the process's command line, read from /proc while a run is in progress.
// TestE2ESecretsStayOut covers the device and Qualys passwords alone; this extends it.
func TestSecuritySecretsStayOut(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	passphrase := "key-passphrase-" + rand.Text()
	enableSecret := "enable-secret-" + rand.Text()

	encSigner, encKey := encryptedKey(t, passphrase)
	writeFile(t, filepath.Join(f.home, "id_encrypted"), encKey)
	f.env = append(f.env, envPassphrase+"="+passphrase)
	encCredential := fmt.Sprintf("  enc:\n    username: %s\n    private_key: %s\n    passphrase_env: %s\n",
		simUser, filepath.Join(f.home, "id_encrypted"), envPassphrase)

	pw := f.addDevice("pw1", nil)
	pw.credential = "pw"
	enc := f.addDevice("enc", func(c *sshsim.Config) {
		c.Users = map[string]sshsim.User{simUser: {AuthorizedKeys: []ssh.PublicKey{encSigner.PublicKey()}}}
	})
	enc.credential = "enc"
	p := sshsim.Personalities()["cisco_ios"]
	p.EnablePassword = enableSecret
	ios := f.addShellDevice("ios", p, "show version", "show running-config")
	echo := f.addDevice("echo", nil)
	hang := f.addDevice("hang", nil)
	hang.commandSet = "hang"
	// Both runs get the echo; the drain afterwards goes through.
	eg := newEchoGateway(t, f.gw, echo.uuid, f.qualysPW, 2)
	f.writeInventory(invOptions{gateway: eg.URL, commandTimeout: "2s", credentialsExtra: netCredential + encCredential})

	// Everything the binary printed or was started with, checked once every token is known.
	type blob struct{ name, data string }
	var blobs []blob
	for _, format := range []string{"json", "text"} {
		r, cmdline := f.runWatching(hang, "run", "-i", f.inv, "--log-format", format, "-v")
		wantExit(t, r, exitFailures)
		logLine := map[string]string{"json": `{"time":`, "text": "time="}[format]
		if !strings.Contains(r.stderr, logLine) || !strings.Contains(r.stderr, "DEBUG") {
			t.Errorf("--log-format %s -v not applied:\n%s", format, r.stderr)
		}
		if !bytes.Contains(cmdline, []byte(f.inv)) || !bytes.Contains(cmdline, []byte(format)) {
			t.Errorf("/proc/<pid>/cmdline %q is not the collector's", cmdline)
		}
		blobs = append(blobs, blob{format + " run stdout", r.stdout}, blob{format + " run stderr", r.stderr},
			blob{format + " run command line", string(cmdline)})
	}
	dir, rep := f.latest()
	for _, d := range []*device{pw, enc, ios} {
		if dr := rep.device(t, d.name); dr.Status != "ok" || dr.Upload.Status != "uploaded" {
			t.Errorf("%s: %+v", d.name, dr)
		}
	}
	if !strings.Contains(string(readFile(t, filepath.Join(dir, ios.uuid+".txt"))), "Current configuration") {
		t.Error("the ios device's bulk file lacks the privileged show running-config")
	}
	if h := rep.device(t, hang.name); h.Status != "failed" || h.ErrorClass != "timeout" {
		t.Errorf("hang: %+v", h)
	}
	// The echo really happened and was scrubbed: the gateway's words are kept, the secrets not.
	e := rep.device(t, echo.name)
	if e.Upload.Status != "failed" || !strings.Contains(e.Upload.Error, "ERR-2070 - bad request: password=[REDACTED] Authorization: Bearer [REDACTED]") {
		t.Errorf("echo: %+v", e)
	}
	if _, last := f.spoolMeta(echo.uuid); !strings.Contains(last, "ERR-2070 - bad request") {
		t.Errorf("spool metadata last_error %q", last)
	}

	r := f.run("upload", "-i", f.inv, "--pending", "--log-format", "json")
	wantExit(t, r, exitOK)
	blobs = append(blobs, blob{"upload stdout", r.stdout}, blob{"upload stderr", r.stderr})

	secrets := map[string]string{
		"device password": f.devicePW, "key passphrase": passphrase, "enable secret": enableSecret, "Qualys password": f.qualysPW,
	}
	for i, tok := range bearerTokens(f.gw) {
		secrets[fmt.Sprintf("bearer token %d", i)] = tok
		// A token cut short in a message still leaks its signature.
		secrets[fmt.Sprintf("bearer token %d signature", i)] = tok[strings.LastIndexByte(tok, '.')+1:]
	}
	if n := len(secrets); n < 4+2*3 {
		t.Errorf("%d secrets; want a token for each of the 3 runs", n)
	}
	for _, b := range blobs {
		for name, s := range secrets {
			if strings.Contains(b.data, s) {
				t.Errorf("the %s appears in the %s:\n%s", name, b.name, b.data)
			}
		}
	}
	files := checkNoSecretsInTree(t, f.out, secrets)
	// Two runs of 5 transcripts, 4 bulk files (not the failed device's) and a report, and the
	// lock; the spool is empty after the drain.
	if files != 2*(5+4+1)+1 {
		t.Errorf("walked %d files under %s, want 21", files, f.out)
	}

	// The secrets were really used.
	for _, d := range []*device{pw, enc} {
		if st := d.srv.Stats(); st.Logins != 2 || st.AuthFailures != 0 {
			t.Errorf("%s saw %+v, want 2 logins", d.name, st)
		}
	}
	if st := ios.srv.Stats(); st.Logins != 2 || !slices.Contains(st.ShellCommands, "enable") {
		t.Errorf("ios saw %d logins, commands %q", st.Logins, st.ShellCommands)
	}
	if ups := f.gw.UploadsFor(echo.uuid); len(ups) != 1 || eg.echoes() != 2 {
		t.Errorf("echo asset: %d uploads after %d echoes", len(ups), eg.echoes())
	}
	checkTree(t, f.out)
}

// encryptedKey returns a new ed25519 signer and its private key in OpenSSH format, encrypted
// with passphrase.
func encryptedKey(t *testing.T, passphrase string) (ssh.Signer, []byte) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKeyWithPassphrase(priv, "e2e encrypted key", []byte(passphrase))
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return signer, pem.EncodeToMemory(block)
}

// bearerTokens lists the distinct tokens the gateway saw in Authorization headers.
func bearerTokens(gw *fakegateway.Gateway) []string {
	var out []string
	for _, r := range gw.Requests() {
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && tok != "" && !slices.Contains(out, tok) {
			out = append(out, tok)
		}
	}
	return out
}

// runWatching runs the binary like run, and while it is in progress (once hang's command has
// arrived) reads its command line from /proc.
func (f *fixture) runWatching(hang *device, args ...string) (result, []byte) {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), binTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := f.command(ctx, &stdout, &stderr, args...)
	if err := cmd.Start(); err != nil {
		f.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.After(20 * time.Second)
	// The command line is read while polling too: under load the run may be past the hanging
	// command (and exiting, with an empty cmdline) by the time the poll notices the exec.
	var cmdline []byte
	readCmdline := func() {
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", cmd.Process.Pid)); err == nil && bytes.HasPrefix(b, []byte(collectorBin(f.t)+"\x00")) {
			cmdline = b
		}
	}
	for hang.srv.Stats().Execs == 0 {
		readCmdline()
		select {
		case err := <-done:
			f.t.Fatalf("collector exited before the hanging command started: %s", f.finish(err, &stdout, &stderr))
		case <-deadline:
			cancel()
			<-done
			f.t.Fatal("the hanging command never started")
		case <-time.After(10 * time.Millisecond): // polling, bounded by the deadline
		}
	}
	readCmdline()
	if len(cmdline) == 0 {
		cancel()
		<-done
		f.t.Fatal("could not read the command line of the running collector")
	}
	return f.finish(<-done, &stdout, &stderr), cmdline
}

// echoGateway fronts a fake gateway and answers the first n uploads of one asset with a 400
// whose message echoes the Qualys password (as the form spells it) and the request's
// Authorization header, as a careless gateway might; everything else is passed through.
type echoGateway struct {
	URL string

	mu     sync.Mutex
	echoed int
}

func newEchoGateway(t *testing.T, gw *fakegateway.Gateway, assetUUID, password string, n int) *echoGateway {
	t.Helper()
	target, err := url.Parse(gw.URL)
	if err != nil {
		t.Fatal(err)
	}
	eg := &echoGateway{}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		eg.mu.Lock()
		echo := strings.Contains(r.URL.Path, "/asset/"+assetUUID+"/") && eg.echoed < n
		if echo {
			eg.echoed++
		}
		eg.mu.Unlock()
		if !echo {
			proxy.ServeHTTP(w, r)
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		msg := "ERR-2070 - bad request: password=" + url.QueryEscape(password) + " Authorization: " + r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, errEnvelope(http.StatusBadRequest, msg))
	})}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(l)
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-served
	})
	eg.URL = "http://" + l.Addr().String()
	return eg
}

func (eg *echoGateway) echoes() int {
	eg.mu.Lock()
	defer eg.mu.Unlock()
	return eg.echoed
}

// TestSecuritySecretFilePermissions: a private key or a password file that group or others can
// read is refused by validate (and run), with a message naming the file and the fix, as OpenSSH
// refuses such a key; nothing is contacted.
func TestSecuritySecretFilePermissions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		setup func(f *fixture) (path string, o invOptions)
		mode  os.FileMode
		path  string // the inventory path of the offending key
		want  []string
	}{
		{
			name:  "private key 0644",
			setup: func(f *fixture) (string, invOptions) { return f.keyPath, invOptions{} },
			mode:  0o644, path: "credentials.key.private_key",
			want: []string{"permissions 0644 for ", " are too open", "chmod 600"},
		},
		{
			name: "password file 0640",
			setup: func(f *fixture) (string, invOptions) {
				path := filepath.Join(f.home, "device-password")
				writeFile(f.t, path, []byte(f.devicePW+"\n"))
				return path, invOptions{credentialsExtra: fmt.Sprintf("  pwfile:\n    username: %s\n    password_file: %s\n", simUser, path)}
			},
			mode: 0o640, path: "credentials.pwfile.password_file",
			want: []string{"password file ", " has permissions 0640", "must not be readable by group or others", "chmod 600"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			d := f.addDevice("web01", nil)
			path, o := tc.setup(f)
			f.writeInventory(o)
			if err := os.Chmod(path, tc.mode); err != nil {
				t.Fatal(err)
			}
			line, col := position(t, string(readFile(t, f.inv)), path)
			prefix := fmt.Sprintf("%s:%d:%d: %s: ", f.inv, line, col, tc.path)
			for _, args := range [][]string{{"validate", "-i", f.inv}, {"run", "-i", f.inv}} {
				r := f.run(args...)
				wantExit(t, r, exitUsage)
				lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
				i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, prefix) })
				if i < 0 {
					t.Fatalf("%s: no line starting %q:\n%s", args[0], prefix, r.stderr)
				}
				for _, want := range append(tc.want, path) {
					if !strings.Contains(lines[i], want) {
						t.Errorf("%s: %q lacks %q", args[0], lines[i], want)
					}
				}
				if strings.Contains(r.stdout+r.stderr, f.devicePW) {
					t.Errorf("%s printed the password file's content:\n%s", args[0], r)
				}
			}
			if st := d.srv.Stats(); st.Connections != 0 {
				t.Errorf("the device was contacted: %+v", st)
			}
			if n := len(f.gw.Requests()); n != 0 {
				t.Errorf("the gateway got %d requests", n)
			}
		})
	}
}

// TestSecurityTLS: the gateway's certificate is always verified. Against a private CA without
// ca_file the upload fails (the file stays in the spool and nothing reaches the API); with
// ca_file the spooled file is drained and the next run uploads.
func TestSecurityTLS(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.gw = fakegateway.NewTLS(t, fakegateway.WithCredentials(qualysUser, f.qualysPW))
	d := f.addDevice("web01", nil)
	f.writeInventory(invOptions{uploadExtra: "  max_attempts: 2\n  max_backoff: 50ms\n"})

	r := f.run("run", "-i", f.inv)
	wantExit(t, r, exitFailures)
	dir, rep := f.latest()
	dr := rep.device(t, d.name)
	// A failed verification is final (retrying cannot fix a missing CA): one attempt, failed.
	if dr.Status != "ok" || dr.Upload.Status != "failed" || dr.Upload.Attempts != 1 ||
		!strings.Contains(dr.Upload.Error, "x509: certificate signed by unknown authority") {
		t.Errorf("upload to an unverifiable gateway: %+v", dr)
	}
	// The TLS handshake failed before any HTTP request: not even /auth got the password.
	if n := len(f.gw.Requests()); n != 0 {
		t.Errorf("the gateway got %d requests over an unverified connection", n)
	}
	if sp := f.spoolEntries(); !slices.Equal(sp, []string{d.uuid + ".json", d.uuid + ".txt"}) {
		t.Fatalf("spool: %q, want the file and its metadata", sp)
	}
	if !bytes.Equal(readFile(t, filepath.Join(f.out, "spool", d.uuid+".txt")), readFile(t, filepath.Join(dir, d.uuid+".txt"))) {
		t.Error("the spooled file differs from the bulk file")
	}

	f.writeInventory(invOptions{uploadExtra: "  ca_file: " + f.gw.CAFile() + "\n"})
	r = f.run("upload", "-i", f.inv, "--pending")
	wantExit(t, r, exitOK)
	f.checkUploaded(dir, d)
	if sp := f.spoolEntries(); len(sp) != 0 {
		t.Errorf("spool after the drain: %q", sp)
	}
	r = f.run("run", "-i", f.inv)
	wantExit(t, r, exitOK)
	if dr := func() deviceReport { _, rep := f.latest(); return rep.device(t, d.name) }(); dr.Upload.Status != "uploaded" {
		t.Errorf("run with ca_file: %+v", dr)
	}
	if n := len(f.gw.UploadsFor(d.uuid)); n != 2 {
		t.Errorf("gateway accepted %d uploads, want 2", n)
	}
	checkTree(t, f.out)
}

// TestSecurityProxy: HTTPS_PROXY is honoured (http.ProxyFromEnvironment). Go never proxies
// loopback hosts, so the gateway is named https://example.com:<port>: the client sends
// "CONNECT example.com:<port>" to an in-test proxy on loopback, which tunnels to the fake
// gateway's real 127.0.0.1 address. The binary never resolves example.com, so nothing leaves
// loopback; httptest's certificate is valid for example.com and trusted through ca_file.
//
// NO_PROXY is http.ProxyFromEnvironment's standard behaviour too, but a NO_PROXY=example.com
// run would make the binary resolve and dial example.com over the network, so it is not run.
// What is checked instead is that NO_PROXY=127.0.0.1 with the proxy variables pointing at a
// closed port leaves a loopback gateway run alone. (Go bypasses the proxy for loopback hosts
// even without NO_PROXY; the case guards against a client that would dial a proxy anyway.)
func TestSecurityProxy(t *testing.T) {
	t.Parallel()
	t.Run("HTTPS_PROXY", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.gw = fakegateway.NewTLS(t, fakegateway.WithCredentials(qualysUser, f.qualysPW))
		real := strings.TrimPrefix(f.gw.URL, "https://")
		_, port := splitAddr(t, real)
		target := fmt.Sprintf("example.com:%d", port)
		proxy := startConnectProxy(t, target, real)
		f.env = append(f.env, "HTTPS_PROXY=http://"+proxy.addr)
		d := f.addDevice("web01", nil)
		f.writeInventory(invOptions{gateway: "https://" + target, uploadExtra: "  ca_file: " + f.gw.CAFile() + "\n"})

		r := f.run("run", "-i", f.inv)
		wantExit(t, r, exitOK)
		dir, _ := f.latest()
		f.checkUploaded(dir, d)
		seen := proxy.requests()
		if len(seen) == 0 || slices.ContainsFunc(seen, func(s string) bool { return s != "CONNECT "+target }) {
			t.Errorf("the proxy saw %q, want only CONNECT %s", seen, target)
		}
	})
	t.Run("NO_PROXY", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.gw = fakegateway.NewTLS(t, fakegateway.WithCredentials(qualysUser, f.qualysPW))
		closed := "http://" + sshsim.ClosedPort(t)
		f.env = append(f.env, "HTTPS_PROXY="+closed, "HTTP_PROXY="+closed, "NO_PROXY=127.0.0.1")
		d := f.addDevice("web01", nil)
		f.writeInventory(invOptions{uploadExtra: "  ca_file: " + f.gw.CAFile() + "\n"})
		r := f.run("run", "-i", f.inv)
		wantExit(t, r, exitOK)
		dir, _ := f.latest()
		f.checkUploaded(dir, d)
	})
}

// connectProxy is a minimal HTTP CONNECT proxy on loopback that tunnels one allowed target to
// a fixed upstream address and records every request line it gets.
type connectProxy struct {
	addr string

	mu   sync.Mutex
	seen []string
}

func startConnectProxy(t *testing.T, allowed, upstream string) *connectProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &connectProxy{addr: l.Addr().String()}
	var (
		wg     sync.WaitGroup
		connMu sync.Mutex
		conns  = map[net.Conn]bool{}
		closed bool
	)
	track := func(c net.Conn) bool {
		connMu.Lock()
		defer connMu.Unlock()
		if closed {
			_ = c.Close()
			return false
		}
		conns[c] = true
		return true
	}
	t.Cleanup(func() {
		_ = l.Close()
		connMu.Lock()
		closed = true
		for c := range conns {
			_ = c.Close()
		}
		connMu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			if !track(c) {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				p.serve(c, allowed, upstream, track)
			}()
		}
	}()
	return p
}

func (p *connectProxy) serve(c net.Conn, allowed, upstream string, track func(net.Conn) bool) {
	defer c.Close()
	br := bufio.NewReader(c)
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	p.mu.Lock()
	p.seen = append(p.seen, req.Method+" "+req.RequestURI)
	p.mu.Unlock()
	if req.Method != http.MethodConnect || req.RequestURI != allowed {
		_, _ = io.WriteString(c, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
		return
	}
	up, err := net.Dial("tcp", upstream)
	if err != nil {
		_, _ = io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
		return
	}
	if !track(up) {
		return
	}
	defer up.Close()
	if _, err := io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		return
	}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		_, _ = io.Copy(up, br) // what the client sent after CONNECT may already be buffered
		_ = up.Close()
	}()
	_, _ = io.Copy(c, up)
	_ = c.Close()
	<-copied
}

func (p *connectProxy) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.seen)
}

// TestSecurityInlinePasswordWarning: an inline password is accepted, but validate warns about
// it with file:line:col and the key's path, and never prints the value.
func TestSecurityInlinePasswordWarning(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.addDevice("web01", nil)
	inline := "inline-pw-" + rand.Text()
	f.writeInventory(invOptions{credentialsExtra: fmt.Sprintf("  inline:\n    username: %s\n    password: %s\n", simUser, inline)})
	line, col := position(t, string(readFile(t, f.inv)), inline)

	r := f.run("validate", "-i", f.inv)
	wantExit(t, r, exitOK)
	want := fmt.Sprintf("warning: %s:%d:%d: credentials.inline.password: inline password; prefer password_env or password_file\n", f.inv, line, col)
	if r.stderr != want {
		t.Errorf("validate stderr %q, want %q", r.stderr, want)
	}
	if !strings.Contains(r.stdout, ": ok: 1 devices, 3 credentials") {
		t.Errorf("validate stdout %q", r.stdout)
	}
	if strings.Contains(r.stdout+r.stderr, inline) {
		t.Errorf("validate printed the inline password:\n%s", r)
	}
}
