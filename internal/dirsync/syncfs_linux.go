package dirsync

import (
	"os"

	"golang.org/x/sys/unix"
)

// SyncFS makes everything written to the file system holding path durable: data, inodes and
// directory entries of every file on it (syncfs(2)). The kernel's flusher threads do the
// writing, in large batches, instead of the caller's thread one file at a time.
func SyncFS(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := unix.Syncfs(int(f.Fd())); err != nil {
		return &os.PathError{Op: "syncfs", Path: path, Err: err}
	}
	return nil
}
