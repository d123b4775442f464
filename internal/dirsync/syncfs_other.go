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
