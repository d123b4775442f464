package collector

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/oca-collector/collector/devices"
)

// hostKeys verifies device host keys for a whole run. It parses each known_hosts file once,
// and under accept-new it appends unknown keys one writer at a time (a mutex inside the process,
// flock across processes) so that many new devices at once never interleave lines.
type hostKeys struct {
	log *slog.Logger

	mu    sync.Mutex
	files map[string]*knownHostsFile
}

type knownHostsFile struct {
	path string
	// callback is built from the file as it was when first needed; keys this run accepts are
	// remembered in added so they match later devices without re-reading the file.
	callback ssh.HostKeyCallback
	missing  bool // the file did not exist when read
	indexed  bool // callback is a knownHostsIndex's, not x/crypto's line scan
	added    map[string]ssh.PublicKey
}

func newHostKeys(log *slog.Logger) *hostKeys {
	return &hostKeys{log: log, files: map[string]*knownHostsFile{}}
}

func (h *hostKeys) file(path string) (*knownHostsFile, error) {
	if f, ok := h.files[path]; ok {
		return f, nil
	}
	f := &knownHostsFile{path: path, added: map[string]ssh.PublicKey{}}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		f.missing = true
	case err != nil:
		return nil, fmt.Errorf("read known_hosts %s: %w", path, err)
	default:
		if idx, ok := indexKnownHosts(path, data); ok {
			f.callback, f.indexed = idx.callback(), true
			break
		}
		// Markers, hashed hosts or patterns: x/crypto's matcher, which reads the file again.
		if f.callback, err = knownhosts.New(path); err != nil {
			return nil, fmt.Errorf("read known_hosts %s: %w", path, err)
		}
	}
	h.files[path] = f
	return f, nil
}

// callbackFor returns the host key callback and the host key algorithms to ask for when
// dialing the SSH server called name (a device or a jump host) at addr with settings s.
// Asking only for the algorithms of keys already known for the host avoids false mismatches
// on devices that have several host keys.
func (h *hostKeys) callbackFor(name, addr string, s devices.SSH) (ssh.HostKeyCallback, []string, error) {
	policy := s.HostKeyPolicy
	if policy == devices.HostKeyInsecure {
		h.log.Warn("host key NOT verified (host_key_policy: insecure)", "device", name, "host", addr)
		return ssh.InsecureIgnoreHostKey(), nil, nil //nolint:gosec // named opt-out, logged per device
	}
	h.mu.Lock()
	f, err := h.file(s.KnownHosts)
	h.mu.Unlock()
	if err != nil {
		return nil, nil, classError(ErrHostKey, err)
	}
	algos := h.knownAlgorithms(f, addr)
	cb := func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		return h.check(f, policy, name, addr, hostname, remote, key)
	}
	return cb, algos, nil
}

func (h *hostKeys) knownAlgorithms(f *knownHostsFile, addr string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var keys []knownhosts.KnownKey
	if f.callback != nil {
		// A probe with a key that cannot be known makes the callback list the known ones.
		var ke *knownhosts.KeyError
		if err := f.callback(addr, probeAddr{}, probeKey{}); errors.As(err, &ke) {
			keys = ke.Want
		}
	}
	if k, ok := f.added[knownhosts.Normalize(addr)]; ok {
		keys = append(keys, knownhosts.KnownKey{Key: k})
	}
	var algos []string
	seen := map[string]bool{}
	for _, k := range keys {
		for _, a := range algorithmsForKey(k.Key.Type()) {
			if !seen[a] {
				seen[a] = true
				algos = append(algos, a)
			}
		}
	}
	return algos
}

// algorithmsForKey lists the signature algorithms a key of this type can prove itself with.
func algorithmsForKey(keyType string) []string {
	switch keyType {
	case ssh.KeyAlgoRSA:
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	case ssh.CertAlgoRSAv01:
		return []string{ssh.CertAlgoRSASHA512v01, ssh.CertAlgoRSASHA256v01, ssh.CertAlgoRSAv01}
	default:
		return []string{keyType}
	}
}

func (h *hostKeys) check(f *knownHostsFile, policy, name, addr, hostname string, remote net.Addr, key ssh.PublicKey) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	norm := knownhosts.Normalize(hostname)
	if k, ok := f.added[norm]; ok {
		if keysEqual(k, key) {
			return nil
		}
		return mismatchError(addr, key, []knownhosts.KnownKey{{Key: k, Filename: f.path}})
	}
	var err error
	if f.callback != nil {
		err = f.callback(hostname, remote, key)
		if err == nil {
			return nil
		}
	}
	var ke *knownhosts.KeyError
	switch {
	case f.callback != nil && !errors.As(err, &ke):
		return classError(ErrHostKey, fmt.Errorf("host key of %s: %w", addr, err))
	case ke != nil && len(ke.Want) > 0:
		return mismatchError(addr, key, ke.Want)
	case policy != devices.HostKeyAcceptNew:
		how := "add it to " + f.path + " (ssh-keyscan, or one run with host_key_policy: accept-new)"
		if f.missing {
			how = "known_hosts file " + f.path + " does not exist; create it or use host_key_policy: accept-new for first contact"
		}
		return classError(ErrHostKey, fmt.Errorf("host key of %s (%s %s) is not known: %s",
			addr, key.Type(), ssh.FingerprintSHA256(key), how))
	}
	if err := appendKnownHost(f.path, hostname, key); err != nil {
		return classError(ErrHostKey, fmt.Errorf("record new host key of %s: %w", addr, err))
	}
	f.added[norm] = key
	h.log.Info("recorded new host key (accept-new)", "device", name, "host", addr,
		"fingerprint", ssh.FingerprintSHA256(key), "known_hosts", f.path)
	return nil
}

func mismatchError(addr string, got ssh.PublicKey, want []knownhosts.KnownKey) error {
	w := want[0]
	where := w.Filename
	if w.Line > 0 {
		where = fmt.Sprintf("%s:%d", w.Filename, w.Line)
	}
	return classError(ErrHostKey, fmt.Errorf(
		"host key of %s has CHANGED: device offers %s %s, %s has %s %s (possible man-in-the-middle; if the device was rebuilt, remove the old line)",
		addr, got.Type(), ssh.FingerprintSHA256(got), where, w.Key.Type(), ssh.FingerprintSHA256(w.Key)))
}

func keysEqual(a, b ssh.PublicKey) bool {
	return a.Type() == b.Type() && string(a.Marshal()) == string(b.Marshal())
}

// appendKnownHost adds one line to path, creating it (0600, directory 0700) if needed. An
// exclusive flock keeps concurrent collectors from interleaving their appends.
func appendKnownHost(path, hostname string, key ssh.PublicKey) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("lock %s: %w", path, err)
	}
	line := knownhosts.Line([]string{knownhosts.Normalize(hostname)}, key) + "\n"
	if _, err := f.WriteString(line); err != nil {
		return err
	}
	return f.Sync()
}

// probeKey is a public key that no known_hosts file can contain.
type probeKey struct{}

func (probeKey) Type() string                        { return "oca-collector-probe" }
func (probeKey) Marshal() []byte                     { return []byte("oca-collector-probe") }
func (probeKey) Verify([]byte, *ssh.Signature) error { return errors.New("probe key") }

type probeAddr struct{}

func (probeAddr) Network() string { return "tcp" }
func (probeAddr) String() string  { return "0.0.0.0:0" }
