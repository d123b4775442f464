package agent

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/oca-collector/collector/devices"
)

// listen opens the API's listener: the loopback address (checked again here, whatever the
// loader said) or the unix socket. It returns the socket's path when it made one.
func listen(cfg *devices.Agent) (net.Listener, string, error) {
	if cfg.Socket != "" {
		ln, err := listenUnix(cfg.Socket)
		if err != nil {
			return nil, "", configError{err}
		}
		return ln, cfg.Socket, nil
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, "", fmt.Errorf("listen %s: %w", cfg.Listen, err)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
		_ = ln.Close()
		return nil, "", configError{fmt.Errorf("listen %s: bound to %s, which is not a loopback address", cfg.Listen, ln.Addr())}
	}
	return ln, "", nil
}

// listenUnix creates the socket at path with mode 0600 from the first moment: it is made in
// a fresh 0700 directory beside path, restricted, then renamed into place (the umask cannot be
// changed for one goroutine). A stale socket left by a crash is replaced; a live one, or any
// other kind of file, is refused.
func listenUnix(path string) (net.Listener, error) {
	if st, err := os.Lstat(path); err == nil {
		if st.Mode().Type() != fs.ModeSocket {
			return nil, fmt.Errorf("socket %s: a file that is not a socket is in the way; refusing to replace it", path)
		}
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			_ = c.Close()
			return nil, fmt.Errorf("socket %s: another process is listening on it", path)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("socket %s: %w", path, err)
	}
	tmpDir, err := os.MkdirTemp(filepath.Dir(path), ".agent-sock-")
	if err != nil {
		return nil, fmt.Errorf("socket %s: %w", path, err)
	}
	defer func() { _ = os.RemoveAll(tmpDir) }()
	tmp := filepath.Join(tmpDir, "s")
	ln, err := net.Listen("unix", tmp)
	if err != nil {
		return nil, fmt.Errorf("socket %s: %w", path, err)
	}
	ul, _ := ln.(*net.UnixListener)
	ul.SetUnlinkOnClose(false) // it will not be at tmp any more; Close removes path
	if err := os.Chmod(tmp, 0o600); err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("socket %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("socket %s: %w", path, err)
	}
	return ln, nil
}

// removeSocket removes the agent's socket at shutdown, so the next start finds no stale one.
func removeSocket(path string, log *slog.Logger) {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		log.Warn("could not remove the API socket", "socket", path, "error", err)
	}
}
