package bench

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Manifest is what a running simfleet tells its harness: where each device listens, which host
// key it presents (so the collector verifies keys strictly, as in production), and which user
// and key log in.
type Manifest struct {
	PID     int    `json:"pid"`
	User    string `json:"user"`
	UserKey string `json:"user_key"` // path of the unencrypted private key, mode 0600
	// Latency is the simulated round trip (sshsim.Config.Latency), as a Go duration.
	Latency     string           `json:"latency"`
	MaxSessions int              `json:"max_sessions"`
	Commands    int              `json:"commands"`
	Devices     []ManifestDevice `json:"devices"`
}

// ManifestDevice is one simulated device.
type ManifestDevice struct {
	Name    string `json:"name"`
	Host    string `json:"host"`
	Port    int    `json:"port"`
	HostKey string `json:"host_key"` // authorized_keys format: "ssh-ed25519 AAAA..."
}

// Address is the device's host:port.
func (d ManifestDevice) Address() string { return net.JoinHostPort(d.Host, strconv.Itoa(d.Port)) }

// KnownHosts renders a known_hosts file pinning every device's host key under the address the
// collector dials.
func (m Manifest) KnownHosts() ([]byte, error) {
	var b strings.Builder
	for _, d := range m.Devices {
		key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(d.HostKey))
		if err != nil {
			return nil, fmt.Errorf("manifest: host key of %s: %w", d.Name, err)
		}
		b.WriteString(knownhosts.Line([]string{knownhosts.Normalize(d.Address())}, key))
		b.WriteByte('\n')
	}
	return []byte(b.String()), nil
}

// WriteManifest writes m to path atomically (a temporary file renamed into place, 0600), so a
// reader never sees half a manifest.
func WriteManifest(path string, m Manifest) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".manifest-*")
	if err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename there is nothing left to remove
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("manifest: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	return nil
}

// ReadManifest reads a manifest WriteManifest wrote.
func ReadManifest(path string) (Manifest, error) {
	var m Manifest
	data, err := os.ReadFile(path)
	if err != nil {
		return m, fmt.Errorf("manifest: %w", err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("manifest %s: %w", path, err)
	}
	return m, nil
}
