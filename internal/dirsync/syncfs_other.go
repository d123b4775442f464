//go:build !linux

package dirsync

import (
	"os"
	"syscall"
)

// SyncFS makes everything written to the file system holding path durable. Without syncfs(2)
// it syncs every file system (sync(2)).
func SyncFS(path string) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	syscall.Sync()
	return nil
}

// NewFS returns nil here: sync(2) may return before the data is written, so callers fsync each
// file instead.
func NewFS(string) *Syncer { return nil }

// Device reports no device here, so no caller relies on a shared file system sync.
func Device(os.FileInfo) (uint64, bool) { return 0, false }
