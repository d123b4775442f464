//go:build linux

package sshdtest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// dial logs in to addr as d.User, verifying the host key strictly against d.KnownHostsPath.
func dial(t *testing.T, d *Daemon, addr string, auth ssh.AuthMethod) (*ssh.Client, error) {
	t.Helper()
	hostKeys, err := knownhosts.New(d.KnownHostsPath)
	if err != nil {
		t.Fatalf("known_hosts: %v", err)
	}
	c, err := ssh.Dial("tcp", addr, &ssh.ClientConfig{
		User:            d.User,
		Auth:            []ssh.AuthMethod{auth},
		HostKeyCallback: hostKeys,
		Timeout:         5 * time.Second,
	})
	if err == nil {
		t.Cleanup(func() { _ = c.Close() })
	}
	return c, err
}

func mustDial(t *testing.T, d *Daemon, addr string, auth ssh.AuthMethod) *ssh.Client {
	t.Helper()
	c, err := dial(t, d, addr, auth)
	if err != nil {
		t.Fatalf("login %s: %v", addr, err)
	}
	return c
}

func run(t *testing.T, c *ssh.Client, cmd string) string {
	t.Helper()
	s, err := c.NewSession()
	if err != nil {
		t.Fatalf("session: %v", err)
	}
	defer s.Close()
	out, err := s.CombinedOutput(cmd)
	if err != nil {
		t.Fatalf("run %q: %v (output %q)", cmd, err, out)
	}
	return string(out)
}

func TestKeyLoginAndFiles(t *testing.T) {
	t.Parallel()
	d := Start(t, Options{})
	if len(d.Addrs) != 1 || !strings.HasPrefix(d.Addrs[0], "127.0.0.1:") {
		t.Fatalf("Addrs = %q, want one 127.0.0.1 address", d.Addrs)
	}
	c := mustDial(t, d, d.Addrs[0], ssh.PublicKeys(d.ClientKey))
	if got := run(t, c, "id -un"); got != UserName+"\n" {
		t.Errorf("id -un = %q, want %q", got, UserName+"\n")
	}
	if d.HostKey.Type() != ssh.KeyAlgoED25519 {
		t.Errorf("host key type %s, want ed25519", d.HostKey.Type())
	}

	// The key file is the same key, unencrypted, private to root.
	pemBytes, err := os.ReadFile(d.ClientKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	fromFile, err := ssh.ParsePrivateKey(pemBytes)
	if err != nil {
		t.Fatalf("parse %s: %v", d.ClientKeyPath, err)
	}
	if string(fromFile.PublicKey().Marshal()) != string(d.ClientKey.PublicKey().Marshal()) {
		t.Error("ClientKeyPath holds a different key than ClientKey")
	}
	for _, p := range []string{d.ClientKeyPath, d.KnownHostsPath} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", filepath.Base(p), fi.Mode().Perm())
		}
	}

	// Password authentication is off unless asked for, even with the right password.
	if _, err := dial(t, d, d.Addrs[0], ssh.Password(d.Password)); err == nil {
		t.Error("password login accepted with PasswordAuth false")
	}
	// A host key that is not the pinned one is refused by the known_hosts file.
	other, err := newKeyPair("ed25519", "other")
	if err != nil {
		t.Fatal(err)
	}
	hostKeys, err := knownhosts.New(d.KnownHostsPath)
	if err != nil {
		t.Fatal(err)
	}
	tcp, err := net.ResolveTCPAddr("tcp", d.Addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	var keyErr *knownhosts.KeyError
	if err := hostKeys(d.Addrs[0], tcp, other.signer.PublicKey()); !errors.As(err, &keyErr) || len(keyErr.Want) == 0 {
		t.Errorf("known_hosts accepted a foreign host key: %v", err)
	}
}

func TestPasswordLogin(t *testing.T) {
	t.Parallel()
	d := Start(t, Options{PasswordAuth: true})
	if len(d.Password) != passwordLen {
		t.Fatalf("password has %d characters, want %d", len(d.Password), passwordLen)
	}
	stored, err := os.ReadFile(passwordPath)
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(stored)) != d.Password {
		t.Error("Daemon.Password differs from the machine's fixture file")
	}
	c := mustDial(t, d, d.Addrs[0], ssh.Password(d.Password))
	if got := run(t, c, "id -un"); got != UserName+"\n" {
		t.Errorf("id -un = %q, want %q", got, UserName+"\n")
	}
	_, err = dial(t, d, d.Addrs[0], ssh.Password(d.Password+"x"))
	if err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
		t.Errorf("wrong password: err = %v, want an authentication failure", err)
	}
}

func TestAddressesTimesPorts(t *testing.T) {
	t.Parallel()
	d := Start(t, Options{Listen: []string{"127.0.0.1", "127.0.1.5"}, Ports: 2})
	if len(d.Addrs) != 4 {
		t.Fatalf("Addrs = %q, want 4", d.Addrs)
	}
	seen := map[string]bool{}
	for i, a := range d.Addrs {
		host, port, err := net.SplitHostPort(a)
		if err != nil {
			t.Fatal(err)
		}
		wantHost := []string{"127.0.0.1", "127.0.1.5"}[i/2]
		if host != wantHost {
			t.Errorf("Addrs[%d] = %s, want host %s", i, a, wantHost)
		}
		if _, otherPort, _ := net.SplitHostPort(d.Addrs[i%2]); otherPort != port {
			t.Errorf("Addrs[%d] = %s: port index %d differs between addresses (%s)", i, a, i%2, otherPort)
		}
		if seen[a] {
			t.Errorf("address %s listed twice", a)
		}
		seen[a] = true
		c := mustDial(t, d, a, ssh.PublicKeys(d.ClientKey))
		if got := run(t, c, "id -un"); got != UserName+"\n" {
			t.Errorf("%s: id -un = %q", a, got)
		}
	}
	if len(d.procs) != 1 {
		t.Errorf("%d daemons for 4 sockets, want 1", len(d.procs))
	}
}

func TestSplitsOverDaemonsBeyond16Sockets(t *testing.T) {
	t.Parallel()
	var ips []string
	for i := 1; i <= 9; i++ {
		ips = append(ips, "127.0.2."+strconv.Itoa(i))
	}
	d := Start(t, Options{Listen: ips, Ports: 2}) // 18 sockets: 8+1 addresses x 2 ports
	if len(d.procs) != 2 {
		t.Fatalf("%d daemons for 18 sockets, want 2", len(d.procs))
	}
	if len(d.Addrs) != 18 {
		t.Fatalf("%d addrs, want 18", len(d.Addrs))
	}
	deadline := time.Now().Add(5 * time.Second)
	for _, a := range d.Addrs {
		if err := readBanner(a, deadline); err != nil {
			t.Errorf("%s: %v", a, err)
		}
	}
	// Both daemons present the same host key: log in on one address of each.
	for _, a := range []string{d.Addrs[0], d.Addrs[len(d.Addrs)-1]} {
		c := mustDial(t, d, a, ssh.PublicKeys(d.ClientKey))
		if got := run(t, c, "id -un"); got != UserName+"\n" {
			t.Errorf("%s: id -un = %q", a, got)
		}
	}
}

func TestForceCommand(t *testing.T) {
	t.Parallel()
	// The script lives in the test's own 0700 directory, which the login user cannot reach:
	// Start must make it runnable anyway.
	script := filepath.Join(t.TempDir(), "device.sh")
	body := "#!/bin/sh\nprintf 'device[%s]:%s\\n' \"$(id -un)\" \"$SSH_ORIGINAL_COMMAND\"\n"
	if err := os.WriteFile(script, []byte(body), 0o700); err != nil {
		t.Fatal(err)
	}
	d := Start(t, Options{Ports: 2, ForceCommand: map[int]string{1: script}})
	plain := mustDial(t, d, d.Addrs[0], ssh.PublicKeys(d.ClientKey))
	if got := run(t, plain, "echo show version"); got != "show version\n" {
		t.Errorf("port 0 (no ForceCommand): %q", got)
	}
	forced := mustDial(t, d, d.Addrs[1], ssh.PublicKeys(d.ClientKey))
	if got, want := run(t, forced, "show version"), "device[ocatest]:show version\n"; got != want {
		t.Errorf("port 1 (ForceCommand): %q, want %q", got, want)
	}
}

func TestExtraConfigOverridesDefaults(t *testing.T) {
	t.Parallel()
	d := Start(t, Options{ExtraConfig: []string{"MaxSessions 1"}})
	c := mustDial(t, d, d.Addrs[0], ssh.PublicKeys(d.ClientKey))
	first, err := c.NewSession()
	if err != nil {
		t.Fatalf("first session: %v", err)
	}
	defer first.Close()
	second, err := c.NewSession()
	if err == nil {
		second.Close()
		t.Fatal("second session opened: ExtraConfig MaxSessions 1 did not override the default 10")
	}
}

func TestRSAHostKey(t *testing.T) {
	t.Parallel()
	d := Start(t, Options{HostKeyType: "rsa"})
	if d.HostKey.Type() != ssh.KeyAlgoRSA {
		t.Fatalf("host key type %s, want ssh-rsa", d.HostKey.Type())
	}
	c := mustDial(t, d, d.Addrs[0], ssh.PublicKeys(d.ClientKey))
	if got := run(t, c, "id -un"); got != UserName+"\n" {
		t.Errorf("id -un = %q", got)
	}
}

// TestCleanupStopsEverything leaves a session running a command when its subtest ends, and
// checks that cleanup ended the daemon, the session's processes and the command.
func TestCleanupStopsEverything(t *testing.T) {
	t.Parallel()
	var masters, tree []int
	var cmdPID int
	var addr, dir string
	t.Run("daemon", func(t *testing.T) {
		d := Start(t, Options{})
		addr, dir = d.Addrs[0], filepath.Dir(d.LogPath)
		c := mustDial(t, d, addr, ssh.PublicKeys(d.ClientKey))
		s, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		out, err := s.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start("echo $$; exec sleep 600"); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(out).ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if cmdPID, err = strconv.Atoi(strings.TrimSpace(line)); err != nil {
			t.Fatalf("pid line %q: %v", line, err)
		}
		for _, p := range d.procs {
			masters = append(masters, p.pid())
			tree = append(tree, descendants(p.pid())...)
		}
		if !containsInt(tree, cmdPID) {
			t.Fatalf("command pid %d not below sshd %v (tree %v)", cmdPID, masters, tree)
		}
	})
	for _, pid := range append(append(masters, tree...), cmdPID) {
		if alive(pid) {
			t.Errorf("pid %d (%s) still running after cleanup", pid, string(procState(pid)))
		}
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Errorf("%s still accepts connections after cleanup", addr)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temp dir %s not removed: %v", dir, err)
	}
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func TestAvailable(t *testing.T) {
	missing := func(string) (string, error) { return "", errors.New("not found") }
	if _, err := available(missing, 0); err == nil || !strings.Contains(err.Error(), "apt-get install -y openssh-server") {
		t.Errorf("sshd missing: err = %v, want the install hint", err)
	}
	found := func(name string) (string, error) { return "/usr/sbin/sshd", nil }
	if _, err := available(found, 1000); err == nil || !strings.Contains(err.Error(), "root") {
		t.Errorf("not root: err = %v, want it to say root", err)
	}
	if p, err := available(found, 0); err != nil || p != "/usr/sbin/sshd" {
		t.Errorf("available = %q, %v", p, err)
	}
}

// skipRecorder is a testing.TB whose Skipf records the message instead of skipping the real
// test.
type skipRecorder struct {
	testing.TB
	msg string
}

func (r *skipRecorder) Helper() {}

func (r *skipRecorder) Skipf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestStartSkipsWhenUnavailable(t *testing.T) {
	rec := &skipRecorder{TB: t}
	done := make(chan *Daemon)
	go func() {
		var d *Daemon
		defer func() { done <- d }()
		d = start(rec, Options{}, func() (string, error) {
			return "", errors.New("sshd not found: install it with `apt-get install -y openssh-server`")
		})
	}()
	if d := <-done; d != nil {
		t.Fatal("start returned a daemon although sshd is unavailable")
	}
	if !strings.Contains(rec.msg, "sshdtest: sshd not found") || !strings.Contains(rec.msg, "apt-get install") {
		t.Errorf("skip message %q does not say why", rec.msg)
	}
}

func TestNormalizeRejectsMisuse(t *testing.T) {
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{Listen: []string{"10.0.0.1"}}, "not a loopback IP"},
		{Options{Listen: []string{"127.0.0.1", "127.0.0.1"}}, "given twice"},
		{Options{Ports: 17}, "out of range 1..16"},
		{Options{Ports: 2, ForceCommand: map[int]string{2: "/bin/true"}}, "port index 2 out of range"},
		{Options{HostKeyType: "dsa"}, `HostKeyType "dsa"`},
		{Options{ExtraConfig: []string{"MaxSessions 1\nPermitRootLogin yes"}}, "line break"},
	} {
		if _, err := normalize(tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("normalize(%+v) = %v, want %q", tc.opts, err, tc.want)
		}
	}
	o, err := normalize(Options{})
	if err != nil || len(o.Listen) != 1 || o.Listen[0] != "127.0.0.1" || o.Ports != 1 || o.HostKeyType != "ed25519" {
		t.Errorf("defaults = %+v, %v", o, err)
	}
}

func TestRenderOrder(t *testing.T) {
	cfg := daemonConfig{
		ips: []string{"127.0.0.1"}, ports: []int{4001, 4002},
		hostKey: "/k", pidFile: "/p", authorizedKeys: "/a",
		scripts: map[int]string{1: "/s"},
		extra:   []string{"MaxSessions 2", "Match User nobody", "\tPermitTTY no"},
	}
	got := cfg.render()
	order := []string{"MaxSessions 2\n", "Port 4001\n", "Port 4002\n", "ListenAddress 127.0.0.1\n",
		"MaxSessions 10\n", "Match User nobody\n", "Match LocalPort 4002\n\tForceCommand /s\n"}
	last := -1
	for _, s := range order {
		i := strings.Index(got, s)
		if i <= last {
			t.Fatalf("%q missing or out of order in:\n%s", s, got)
		}
		last = i
	}
	if strings.Contains(got, "LocalPort 4001") {
		t.Errorf("port without ForceCommand got a Match block:\n%s", got)
	}
}

func TestSplitListen(t *testing.T) {
	ips := make([]string, 17)
	for i := range ips {
		ips[i] = "127.0.3." + strconv.Itoa(i+1)
	}
	for _, tc := range []struct{ n, ports, want int }{{17, 1, 2}, {16, 1, 1}, {8, 2, 1}, {9, 2, 2}, {3, 16, 3}} {
		if got := len(splitListen(ips[:tc.n], tc.ports)); got != tc.want {
			t.Errorf("%d addresses x %d ports: %d daemons, want %d", tc.n, tc.ports, got, tc.want)
		}
	}
}

// failRecorder is a testing.TB that records Fatalf, Errorf, Logf and cleanups, so a test can
// watch Start fail without failing itself.
type failRecorder struct {
	testing.TB
	failed   bool
	msgs     []string
	cleanups []func()
}

func (r *failRecorder) Helper()                 {}
func (r *failRecorder) Failed() bool            { return r.failed }
func (r *failRecorder) Cleanup(f func())        { r.cleanups = append(r.cleanups, f) }
func (r *failRecorder) Logf(f string, a ...any) { r.msgs = append(r.msgs, fmt.Sprintf(f, a...)) }
func (r *failRecorder) Errorf(f string, a ...any) {
	r.failed = true
	r.Logf(f, a...)
}
func (r *failRecorder) Fatalf(f string, a ...any) {
	r.Errorf(f, a...)
	runtime.Goexit()
}

func (r *failRecorder) runCleanups() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

func TestStartFailsWithLogWhenSSHDExits(t *testing.T) {
	t.Parallel()
	if _, err := Available(); err != nil {
		t.Skipf("sshdtest: %v", err)
	}
	rec := &failRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Start(rec, Options{ExtraConfig: []string{"NoSuchKeyword yes"}})
	}()
	<-done
	rec.runCleanups()
	all := strings.Join(rec.msgs, "\n")
	if !rec.failed || !strings.Contains(all, "exited early") {
		t.Fatalf("Start did not fail on a config sshd rejects; messages:\n%s", all)
	}
	if !strings.Contains(all, "NoSuchKeyword") || !strings.Contains(all, "last 60 lines of sshd log") {
		t.Errorf("failure does not show sshd's log; messages:\n%s", all)
	}
}

func TestPortTakenIsDetected(t *testing.T) {
	t.Parallel()
	sshd, err := Available()
	if err != nil {
		t.Skipf("sshdtest: %v", err)
	}
	acct, err := ensureAccount()
	if err != nil {
		t.Fatal(err)
	}
	opts, err := normalize(Options{Ports: 2})
	if err != nil {
		t.Fatal(err)
	}
	d, cfg, err := prepare(t, opts, acct)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.stopAll(); err != nil {
			t.Error(err)
		}
	})
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	free, err := pickPorts(1)
	if err != nil {
		t.Fatal(err)
	}
	// One port free, one taken: sshd keeps running on the free one, so only its log tells.
	err = d.launchAll(sshd, cfg, [][]string{{"127.0.0.1"}}, []int{free[0], taken.Addr().(*net.TCPAddr).Port})
	if !errors.Is(err, errPortTaken) {
		t.Fatalf("launch on a taken port: err = %v, want errPortTaken", err)
	}
}
