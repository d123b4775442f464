// Package runlock keeps two collectors from working on one output directory at once. It uses
// flock(2) on <output_dir>/lock: the kernel drops the lock when its holder exits for any reason
// (kill -9 included), so a stale lock never needs cleaning by hand. The file holds the holder's
// PID and start time for the message the loser prints.
package runlock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// ErrHeld is returned by Acquire when another process holds the lock.
var ErrHeld = errors.New("another collector run holds the lock")

// Lock is a held lock. Release it when the run is over (exiting releases it too).
type Lock struct {
	f *os.File
}

// Acquire takes the lock in dir (creating dir 0700 and the lock file 0600 if needed) without
// waiting. When another process holds it, the error wraps ErrHeld and says who holds it.
func Acquire(dir string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	path := filepath.Join(dir, "lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			who := strings.TrimSpace(string(holder))
			if who == "" {
				who = "unknown process"
			}
			return nil, fmt.Errorf("%w: %s (%s)", ErrHeld, path, who)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	// Record the holder for the next one's message. Errors here do not matter to the lock.
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(fmt.Sprintf("pid %d since %s\n", os.Getpid(), time.Now().UTC().Format(time.RFC3339))), 0)
	return &Lock{f: f}, nil
}

// Release drops the lock. The file stays (removing it would race with a new holder).
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	_ = l.f.Truncate(0)
	err := syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}
