package dirsync

import (
	"os"
	"syscall"

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

// NewFS returns a Syncer whose rounds are one syncfs(2) of the file system holding path
// (SyncFS), for callers that need file data on disk before they go on: a caller's files, written
// before it called Sync, are durable when Sync returns, and every caller that arrived during a
// round shares the next one. Many files cost one sync of the file system (and one flush of the
// disk's cache) instead of one fsync each. Nil where the system has no syncfs(2).
func NewFS(path string) *Syncer { return &Syncer{dir: path, fsync: SyncFS} }

// Device returns the ID of the device holding the file fi describes (st_dev); ok is false when
// fi does not say.
func Device(fi os.FileInfo) (dev uint64, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return st.Dev, true
}
