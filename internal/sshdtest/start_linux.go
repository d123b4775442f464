//go:build linux

package sshdtest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// bindAttempts bounds how often Start picks new ports when sshd finds one taken: the ports are
// probed free and then released, so another process can take one in between.
const bindAttempts = 5

// Start launches the daemons opts describes and returns how to reach them. It skips the test
// when Available says sshd cannot run here, and fails it when the daemons do not come up
// (with sshd's log). t.Cleanup stops every process it started, sessions included.
//
// The login user is UserName, created on first use. Its password is generated once per machine
// and kept in /var/lib/oca-collector-sshdtest/password (0600, root), so concurrent test
// binaries, which all set it, agree on it; setup is serialised by a flock on
// /run/oca-collector-sshdtest.lock.
func Start(t testing.TB, opts Options) *Daemon {
	t.Helper()
	return start(t, opts, Available)
}

// start is Start with the availability check injected, so the skip is tested.
func start(t testing.TB, opts Options, availableFn func() (string, error)) *Daemon {
	t.Helper()
	sshd, err := availableFn()
	if err != nil {
		t.Skipf("sshdtest: %v", err)
	}
	opts, err = normalize(opts)
	if err != nil {
		t.Fatalf("sshdtest: %v", err)
	}
	acct, err := ensureAccount()
	if err != nil {
		t.Fatalf("sshdtest: %v", err)
	}
	d, cfg, err := prepare(t, opts, acct)
	if err != nil {
		t.Fatalf("sshdtest: %v", err)
	}
	t.Cleanup(func() { d.cleanup(t) })

	groups := splitListen(opts.Listen, opts.Ports)
	var ports []int
	for attempt := 1; ; attempt++ {
		ports, err = pickPorts(opts.Ports)
		if err == nil {
			err = d.launchAll(sshd, cfg, groups, ports)
		}
		if err == nil {
			break
		}
		stopErr := d.stopAll()
		if errors.Is(err, errPortTaken) && stopErr == nil && attempt < bindAttempts {
			continue
		}
		t.Fatalf("sshdtest: %v", errors.Join(err, stopErr))
	}

	for _, ip := range opts.Listen {
		for _, p := range ports {
			d.Addrs = append(d.Addrs, net.JoinHostPort(ip, strconv.Itoa(p)))
		}
	}
	if err := os.WriteFile(d.KnownHostsPath, knownHostsFile(d.Addrs, d.HostKey), 0o600); err != nil {
		t.Fatalf("sshdtest: write known_hosts: %v", err)
	}
	return d
}

// normalize fills defaults and rejects options that cannot work, before anything is started.
func normalize(o Options) (Options, error) {
	if len(o.Listen) == 0 {
		o.Listen = []string{"127.0.0.1"}
	}
	seen := map[string]bool{}
	listen := make([]string, 0, len(o.Listen))
	for _, s := range o.Listen {
		ip := net.ParseIP(s)
		if ip == nil || !ip.IsLoopback() {
			return o, fmt.Errorf("options: Listen %q is not a loopback IP (tests never listen elsewhere)", s)
		}
		if seen[ip.String()] {
			return o, fmt.Errorf("options: Listen %q given twice", s)
		}
		seen[ip.String()] = true
		listen = append(listen, ip.String())
	}
	o.Listen = listen
	if o.Ports == 0 {
		o.Ports = 1
	}
	if o.Ports < 0 || o.Ports > maxListenSockets {
		return o, fmt.Errorf("options: Ports %d out of range 1..%d (sshd's listen socket limit)", o.Ports, maxListenSockets)
	}
	for i, path := range o.ForceCommand {
		if i < 0 || i >= o.Ports {
			return o, fmt.Errorf("options: ForceCommand port index %d out of range 0..%d", i, o.Ports-1)
		}
		if path == "" {
			return o, fmt.Errorf("options: ForceCommand[%d] is empty", i)
		}
	}
	if o.HostKeyType == "" {
		o.HostKeyType = "ed25519"
	}
	if o.HostKeyType != "ed25519" && o.HostKeyType != "rsa" {
		return o, fmt.Errorf("options: HostKeyType %q (want ed25519 or rsa)", o.HostKeyType)
	}
	for _, l := range o.ExtraConfig {
		if strings.ContainsAny(l, "\r\n") {
			return o, fmt.Errorf("options: ExtraConfig line %q holds a line break; give one line per entry", l)
		}
	}
	return o, nil
}

// prepare writes everything the daemons share into a fresh directory: host key, client key,
// authorized_keys (owned by the login user, who reads it), the ForceCommand scripts.
func prepare(t testing.TB, opts Options, acct account) (*Daemon, daemonConfig, error) {
	// Not t.TempDir(): that is 0700 root, and sshd reads authorized_keys and runs the scripts
	// as the login user. This directory is 0711: traversable, not listable, its secrets 0600.
	dir, err := os.MkdirTemp("", "oca-sshdtest-")
	if err != nil {
		return nil, daemonConfig{}, fmt.Errorf("temp dir: %w", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o711); err != nil {
		return nil, daemonConfig{}, fmt.Errorf("temp dir: %w", err)
	}
	if err := checkPath(dir); err != nil {
		return nil, daemonConfig{}, err
	}
	marker, err := newMarker()
	if err != nil {
		return nil, daemonConfig{}, err
	}
	d := &Daemon{
		marker:         marker,
		User:           UserName,
		Password:       acct.password,
		ClientKeyPath:  filepath.Join(dir, "client_key"),
		KnownHostsPath: filepath.Join(dir, "known_hosts"),
		LogPath:        filepath.Join(dir, "sshd.log"),
	}
	cfg := daemonConfig{
		hostKey:        filepath.Join(dir, "host_key"),
		authorizedKeys: filepath.Join(dir, "authorized_keys"),
		passwordAuth:   opts.PasswordAuth,
		extra:          opts.ExtraConfig,
		marker:         marker,
	}

	host, err := newKeyPair(opts.HostKeyType, "oca-sshdtest host key")
	if err != nil {
		return nil, cfg, err
	}
	d.HostKey = host.signer.PublicKey()
	client, err := newKeyPair("ed25519", UserName+"@oca-sshdtest")
	if err != nil {
		return nil, cfg, err
	}
	d.ClientKey = client.signer
	if err := writeFile(cfg.hostKey, host.pem, 0o600); err != nil {
		return nil, cfg, err
	}
	if err := writeFile(d.ClientKeyPath, client.pem, 0o600); err != nil {
		return nil, cfg, err
	}
	if err := writeFile(cfg.authorizedKeys, ssh.MarshalAuthorizedKey(d.ClientKey.PublicKey()), 0o600); err != nil {
		return nil, cfg, err
	}
	if err := os.Chown(cfg.authorizedKeys, acct.uid, acct.gid); err != nil {
		return nil, cfg, fmt.Errorf("authorized_keys: %w", err)
	}
	cfg.scripts = map[int]string{}
	for i, src := range opts.ForceCommand {
		body, err := os.ReadFile(src)
		if err != nil {
			return nil, cfg, fmt.Errorf("ForceCommand[%d]: %w", i, err)
		}
		dst := filepath.Join(dir, "force-command-"+strconv.Itoa(i))
		if err := writeFile(dst, body, 0o755); err != nil {
			return nil, cfg, err
		}
		cfg.scripts[i] = dst
	}
	// sshd refuses to start without its privilege separation directory.
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		return nil, cfg, fmt.Errorf("privilege separation dir: %w", err)
	}
	return d, cfg, nil
}

// writeFile writes data with exactly perm (WriteFile's mode is filtered by the umask).
func writeFile(path string, data []byte, perm os.FileMode) error {
	if err := os.WriteFile(path, data, perm); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	if err := os.Chmod(path, perm); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	return nil
}

// splitListen groups the addresses so each daemon stays within sshd's 16 listen sockets.
func splitListen(ips []string, ports int) [][]string {
	per := maxListenSockets / ports
	var groups [][]string
	for len(ips) > 0 {
		n := min(per, len(ips))
		groups = append(groups, ips[:n])
		ips = ips[n:]
	}
	return groups
}

// pickPorts asks the kernel for n distinct free ports on 127.0.0.1, holding them all open until
// the last is chosen, then releases them for sshd.
func pickPorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	var held []net.Listener
	defer func() {
		for _, l := range held {
			_ = l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("pick port: %w", err)
		}
		held = append(held, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// markerName is the environment variable sshd sets in every session (SetEnv) so cleanup can
// recognise the processes of one Start among everyone else's.
const markerName = "OCA_SSHDTEST_RUN"

func newMarker() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("session marker: %w", err)
	}
	return markerName + "=" + hex.EncodeToString(b), nil
}
