package bench

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// kexProbeLogins is the logins (and exec channels) one kex probe of the collector adds to a
// device's counts.
const kexProbeLogins = 1

// kexTap forwards one loopback port to an SSH server and keeps the first bytes each way of
// the first connection, so the key exchange the two ends agreed on can be read off the wire:
// both KEXINIT messages travel in the clear. It sees what a real client process offered
// without any hook inside it.
type kexTap struct {
	ln     net.Listener
	target string
	wg     sync.WaitGroup

	mu             sync.Mutex
	client, server []byte
	used           bool
}

// kexCapture bounds what the tap keeps of each direction: identification lines and one
// KEXINIT fit in a few KiB.
const kexCapture = 64 << 10

func startKexTap(tb testing.TB, target string) *kexTap {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	t := &kexTap{ln: ln, target: target}
	t.wg.Add(1)
	go t.accept()
	tb.Cleanup(func() { _ = ln.Close(); t.wg.Wait() })
	return t
}

func (t *kexTap) addr() string { return t.ln.Addr().String() }

func (t *kexTap) accept() {
	defer t.wg.Done()
	for {
		c, err := t.ln.Accept()
		if err != nil {
			return
		}
		t.mu.Lock()
		first := !t.used
		t.used = true
		t.mu.Unlock()
		t.wg.Add(1)
		go t.splice(c, first)
	}
}

func (t *kexTap) splice(c net.Conn, record bool) {
	defer t.wg.Done()
	defer c.Close()
	up, err := net.Dial("tcp", t.target)
	if err != nil {
		return
	}
	defer up.Close()
	// The tee keeps each chunk before passing it on, so once a client has finished its
	// handshake both KEXINITs are already here.
	fromClient, fromServer := io.Reader(c), io.Reader(up)
	if record {
		fromClient = io.TeeReader(c, tapWriter{t, &t.client})
		fromServer = io.TeeReader(up, tapWriter{t, &t.server})
	}
	var inner sync.WaitGroup
	inner.Go(func() { _, _ = io.Copy(up, fromClient); closeWrite(up) })
	_, _ = io.Copy(c, fromServer)
	closeWrite(c)
	inner.Wait()
}

// tapWriter appends what one direction carried to dst, up to kexCapture bytes.
type tapWriter struct {
	t   *kexTap
	dst *[]byte
}

func (w tapWriter) Write(p []byte) (int, error) {
	w.t.mu.Lock()
	defer w.t.mu.Unlock()
	if room := kexCapture - len(*w.dst); room > 0 {
		*w.dst = append(*w.dst, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// negotiated applies RFC 4253's rule: the first of the client's key exchanges that the server
// also offers.
func (t *kexTap) negotiated() (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	client, err := kexAlgorithms(t.client)
	if err != nil {
		return "", fmt.Errorf("client: %w", err)
	}
	server, err := kexAlgorithms(t.server)
	if err != nil {
		return "", fmt.Errorf("server: %w", err)
	}
	for _, k := range client {
		if slices.Contains(server, k) {
			return k, nil
		}
	}
	return "", errors.New("no common key exchange")
}

// kexAlgorithms reads the identification line and the first binary packet (KEXINIT) of one
// direction of an SSH connection and returns its kex_algorithms name-list.
func kexAlgorithms(stream []byte) ([]string, error) {
	r := bufio.NewReader(bytes.NewReader(stream))
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, errors.New("no identification line")
		}
		if strings.HasPrefix(line, "SSH-") {
			break
		}
	}
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, errors.New("short packet")
	}
	n := int(binary.BigEndian.Uint32(hdr[:4])) - 1 - int(hdr[4])
	if n < 1+16+4 || n > kexCapture {
		return nil, fmt.Errorf("packet payload of %d bytes", n)
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		return nil, errors.New("short packet")
	}
	if payload[0] != 20 { // SSH_MSG_KEXINIT
		return nil, fmt.Errorf("first packet is message %d, not KEXINIT", payload[0])
	}
	list := payload[17:]
	l := int(binary.BigEndian.Uint32(list[:4]))
	if l > len(list)-4 {
		return nil, errors.New("truncated name-list")
	}
	return strings.Split(string(list[4:4+l]), ","), nil
}

// kexProbe runs the collector once against the device at addr (one command, `true`) through a
// tap and returns the key exchange it negotiated. hostKey pins the device's key under the tap's
// address; batch is the inventory's setting (nil: default).
func kexProbe(tb testing.TB, collectorBin, addr string, hostKey ssh.PublicKey, user, key string, batch *bool) string {
	tb.Helper()
	tap := startKexTap(tb, addr)
	dir := tb.TempDir()
	host, port, err := net.SplitHostPort(tap.addr())
	if err != nil {
		tb.Fatal(err)
	}
	kh := filepath.Join(dir, "known_hosts")
	if err := os.WriteFile(kh, []byte(knownhosts.Line([]string{knownhosts.Normalize(tap.addr())}, hostKey)+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	cmdFile := filepath.Join(dir, "commands.txt")
	if err := os.WriteFile(cmdFile, []byte("true\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	inv := writeInventory(tb, dir, inventorySpec{
		Targets: []target{{Name: "kex-probe", Host: host, Port: atoi(tb, port)}}, User: user, Key: key,
		KnownHosts: kh, CommandFile: cmdFile, Concurrency: 1, Batch: batch,
	})
	runCollector(tb, collectorBin, inv, nil, time.Minute)
	k, err := tap.negotiated()
	if err != nil {
		tb.Fatalf("kex probe of the collector: %v", err)
	}
	return k
}

// sshKexProbe runs the baseline's ssh command line once against addr through a tap.
func sshKexProbe(tb testing.TB, addr string, hostKey ssh.PublicKey, user, key string) string {
	tb.Helper()
	tap := startKexTap(tb, addr)
	dir := tb.TempDir()
	host, port, err := net.SplitHostPort(tap.addr())
	if err != nil {
		tb.Fatal(err)
	}
	kh := filepath.Join(dir, "known_hosts")
	if err := os.WriteFile(kh, []byte(knownhosts.Line([]string{knownhosts.Normalize(tap.addr())}, hostKey)+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	cfg := filepath.Join(dir, "ssh_config")
	if err := os.WriteFile(cfg, sshConfig([]target{{Name: "kex-probe", Host: host, Port: atoi(tb, port)}}, user), 0o600); err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command("ssh", append(append([]string{"-F", cfg}, sshOptions(kh, key, "")...), "kex-probe", "true")...)
	cmd.Env = baseEnv(dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("kex probe: ssh: %v\n%s", err, out)
	}
	k, err := tap.negotiated()
	if err != nil {
		tb.Fatalf("kex probe of ssh: %v", err)
	}
	return k
}

func readString(tb testing.TB, path string) string {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// countIn counts occurrences of needle in path from byte offset from on.
func countIn(tb testing.TB, path string, from int64, needle string) int {
	tb.Helper()
	b := readString(tb, path)
	if from > int64(len(b)) {
		from = int64(len(b))
	}
	return strings.Count(b[from:], needle)
}

func fileSize(tb testing.TB, path string) int64 {
	tb.Helper()
	st, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	return st.Size()
}
