package collector

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/oca-collector/collector/devices"
	"github.com/oca-collector/collector/internal/sshsim"
)

// fleet is a test fleet: simulated devices plus an inventory pointing at them.
type fleet struct {
	t          testing.TB
	dir        string
	knownHosts string
	keyPath    string
	key        ssh.Signer
	inv        *devices.Inventory
}

const testUser = "oca"
const testPassword = "s3cret-device-pw"

func newFleet(t testing.TB) *fleet {
	t.Helper()
	dir := t.TempDir()
	signer, pem, err := sshsim.GenerateUserKey()
	if err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(dir, "id_ed25519")
	if err := os.WriteFile(keyPath, pem, 0o600); err != nil {
		t.Fatal(err)
	}
	f := &fleet{t: t, dir: dir, knownHosts: filepath.Join(dir, "known_hosts"), keyPath: keyPath, key: signer}
	t.Setenv("OCA_TEST_PASSWORD", testPassword)
	f.inv = &devices.Inventory{
		Path: filepath.Join(dir, "inventory.yaml"), Dir: dir, Version: 1,
		OutputDir: filepath.Join(dir, "out"),
		Collection: devices.Collection{
			Concurrency: 8, ConnectTimeout: 2 * time.Second, CommandTimeout: 2 * time.Second,
			MaxSessions: 4, DeviceTimeout: 10 * time.Second, Retries: 1, Framing: devices.FramingMarkers,
			MaxOutputBytes: 1 << 20, MaxDeviceBytes: 4 << 20,
		},
	}
	if err := os.WriteFile(f.knownHosts, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// device starts a simulated device that accepts the fleet's key and password, records its host
// key in known_hosts, and adds it to the inventory with the given commands.
func (f *fleet) device(name string, cfg sshsim.Config, commands ...string) (*sshsim.Server, *devices.Device) {
	f.t.Helper()
	if cfg.Users == nil {
		cfg.Users = map[string]sshsim.User{testUser: {Password: testPassword, AuthorizedKeys: []ssh.PublicKey{f.key.PublicKey()}}}
	}
	srv := sshsim.New(f.t, cfg)
	f.trust(srv)
	dev := devices.Device{
		Name: name, Host: srv.Host(), Port: srv.Port(), AssetUUID: uuidFor(len(f.inv.Devices)),
		Platform: "linux", CommandSet: "test", Commands: commands, MaxSessions: 4,
		Credential: devices.Credential{Name: "key", Username: testUser, PrivateKey: f.keyPath},
		SSH:        devices.SSH{KnownHosts: f.knownHosts, HostKeyPolicy: devices.HostKeyStrict},
	}
	f.inv.Devices = append(f.inv.Devices, dev)
	return srv, &f.inv.Devices[len(f.inv.Devices)-1]
}

func (f *fleet) trust(srv *sshsim.Server) {
	f.t.Helper()
	fh, err := os.OpenFile(f.knownHosts, os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		f.t.Fatal(err)
	}
	defer fh.Close()
	if _, err := fh.WriteString(srv.KnownHostsLine() + "\n"); err != nil {
		f.t.Fatal(err)
	}
}

// addr adds a device at a bare address (tarpit, closed port).
func (f *fleet) addr(name, addr string, commands ...string) *devices.Device {
	host, port := splitHostPort(f.t, addr)
	dev := devices.Device{
		Name: name, Host: host, Port: port, AssetUUID: uuidFor(len(f.inv.Devices)),
		Platform: "linux", CommandSet: "test", Commands: commands, MaxSessions: 4,
		Credential: devices.Credential{Name: "key", Username: testUser, PrivateKey: f.keyPath},
		SSH:        devices.SSH{KnownHosts: f.knownHosts, HostKeyPolicy: devices.HostKeyStrict},
	}
	f.inv.Devices = append(f.inv.Devices, dev)
	return &f.inv.Devices[len(f.inv.Devices)-1]
}

func (f *fleet) run(ctx context.Context, opts ...Option) (*Runner, []DeviceResult) {
	f.t.Helper()
	r, err := NewRunner(f.inv, opts...)
	if err != nil {
		f.t.Fatal(err)
	}
	res, err := r.Run(ctx, f.inv.Devices)
	if err != nil {
		f.t.Fatal(err)
	}
	if len(res) != len(f.inv.Devices) {
		f.t.Fatalf("got %d results for %d devices", len(res), len(f.inv.Devices))
	}
	return r, res
}

func uuidFor(i int) string {
	return strings.Replace("00000000-0000-4000-8000-0000000000XX", "XX", string([]byte{"0123456789abcdef"[i/16%16], "0123456789abcdef"[i%16]}), 1)
}

func splitHostPort(t testing.TB, addr string) (string, int) {
	t.Helper()
	i := strings.LastIndexByte(addr, ':')
	var port int
	for _, c := range addr[i+1:] {
		port = port*10 + int(c-'0')
	}
	return addr[:i], port
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// recordingUploader is an Uploader that records what it was given.
type recordingUploader struct {
	mu     sync.Mutex
	staged map[string]string // asset -> contents at Stage time
	sent   []string
	result UploadResult
}

func (u *recordingUploader) Stage(asset, file, _ string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.staged == nil {
		u.staged = map[string]string{}
	}
	u.staged[asset] = string(b)
	return nil
}

func (u *recordingUploader) Send(_ context.Context, asset string) UploadResult {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.sent = append(u.sent, asset)
	if u.result.Status == "" {
		return UploadResult{Status: UploadUploaded, Attempts: 1}
	}
	return u.result
}

// checkNoLeaks fails if goroutines started during the test are still running after a grace
// period (polled, bounded).
func checkNoLeaks(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			t.Fatalf("goroutines: %d, started with %d\n%s", runtime.NumGoroutine(), base, buf[:n])
		}
		time.Sleep(10 * time.Millisecond) // polling for goroutines to exit, bounded by deadline
	}
}
