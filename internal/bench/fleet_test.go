package bench

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/oca-collector/collector/internal/sshsim"
)

// TestFleetOverForwardedAddresses starts a fleet spread over two 127.0.x.y addresses, logs in
// to each device the way the collector does (host key checked against the manifest's
// known_hosts), runs a command, and checks the devices' counts and a clean Close.
func TestFleetOverForwardedAddresses(t *testing.T) {
	signer, _, err := sshsim.GenerateUserKey()
	if err != nil {
		t.Fatal(err)
	}
	cmds := []string{"hostname", "cat /etc/passwd"}
	f, err := StartFleet(FleetConfig{Devices: 3, Commands: cmds, User: "oca", UserKey: signer.PublicKey(), IPs: []string{"127.0.1.1", "127.0.1.2"}})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			_ = f.Close()
		}
	})
	m := Manifest{User: "oca", Devices: f.Devices()}
	if len(m.Devices) != 3 || m.Devices[0].Host != "127.0.1.1" || m.Devices[1].Host != "127.0.1.2" || m.Devices[2].Host != "127.0.1.1" {
		t.Fatalf("devices: %+v", m.Devices)
	}
	kh, err := m.KnownHosts()
	if err != nil {
		t.Fatal(err)
	}
	khPath := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(khPath, kh, 0o600); err != nil {
		t.Fatal(err)
	}
	cb, err := knownhosts.New(khPath)
	if err != nil {
		t.Fatal(err)
	}
	want := LinuxOutputs(cmds)["cat /etc/passwd"].Output[0].Data
	for _, d := range m.Devices {
		c, err := ssh.Dial("tcp", d.Address(), &ssh.ClientConfig{
			User: "oca", Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)}, HostKeyCallback: cb, Timeout: 10 * time.Second,
		})
		if err != nil {
			t.Fatalf("%s: %v", d.Name, err)
		}
		for cmd, exp := range map[string]string{"hostname": d.Name + "\n", "cat /etc/passwd": want} {
			s, err := c.NewSession()
			if err != nil {
				t.Fatal(err)
			}
			out, err := s.Output(cmd)
			if err != nil || !bytes.Equal(out, []byte(exp)) {
				t.Errorf("%s %q: %d bytes, %v", d.Name, cmd, len(out), err)
			}
		}
		_ = c.Close()
	}
	st := f.Stats()
	if st.Devices != 3 || st.Logins != 3 || st.Execs != 6 || st.AuthFailures != 0 {
		t.Errorf("stats %+v", st)
	}
	closed = true
	if err := f.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestStartFleetRefuses(t *testing.T) {
	signer, _, err := sshsim.GenerateUserKey()
	if err != nil {
		t.Fatal(err)
	}
	for name, cfg := range map[string]FleetConfig{
		"no devices":   {User: "oca", UserKey: signer.PublicKey()},
		"no user":      {Devices: 1, UserKey: signer.PublicKey()},
		"not loopback": {Devices: 1, User: "oca", UserKey: signer.PublicKey(), IPs: []string{"192.0.2.1"}},
	} {
		if f, err := StartFleet(cfg); err == nil {
			_ = f.Close()
			t.Errorf("%s: started", name)
		}
	}
}

func TestManifestRoundTrip(t *testing.T) {
	p := filepath.Join(t.TempDir(), "m.json")
	m := Manifest{PID: 7, User: "oca", UserKey: "/k", Latency: "50ms", Commands: 44,
		Devices: []ManifestDevice{{Name: "a", Host: "127.0.0.1", Port: 2222, HostKey: strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshsim.NewHostKey().PublicKey())))}}}
	if err := WriteManifest(p, m); err != nil {
		t.Fatal(err)
	}
	got, err := ReadManifest(p)
	if err != nil || got.Devices[0] != m.Devices[0] || got.Latency != "50ms" {
		t.Fatalf("ReadManifest = %+v, %v", got, err)
	}
	kh, err := got.KnownHosts()
	if err != nil || !strings.HasPrefix(string(kh), "[127.0.0.1]:2222 ssh-ed25519 ") {
		t.Errorf("KnownHosts = %q, %v", kh, err)
	}
	got.Devices[0].HostKey = "garbage"
	if _, err := got.KnownHosts(); err == nil {
		t.Error("bad host key accepted")
	}
}

func TestRaiseNoFile(t *testing.T) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	got, err := RaiseNoFile(lim.Cur)
	if err != nil || got < lim.Cur {
		t.Errorf("RaiseNoFile(current %d) = %d, %v", lim.Cur, got, err)
	}
}
