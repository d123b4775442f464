package collector

import (
	"bufio"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/oca-collector/collector/internal/dirsync"
)

// tempInfix separates the target's base name from the random suffix in temporary file names.
const tempInfix = ".tmp-"

// atomicBufferSize is the buffer WriteFileAtomic puts in front of the file. Render asks for the
// same size, so bufio hands it back the same writer instead of stacking a second buffer.
const atomicBufferSize = 64 << 10

// WriteFileAtomic writes a file so that readers (the uploader, `collector render`, an operator)
// only ever see the old content or the complete new one, even across a crash or a full disk.
//
// write receives a buffered writer over a temporary file in the same directory, named "." +
// base + ".tmp-" + random digits and created 0600. After write returns nil the data is flushed
// and fsynced, the temporary file is renamed over path and the directory is fsynced so the
// rename itself is durable. If write or any step before the rename fails (or write panics), the
// temporary file is removed and path is untouched. A failure of the final directory fsync is
// still returned: path then has the new content, but it may not survive a power loss.
//
// Errors from write are returned as they are; file system errors are returned as the os package
// reports them (they name the file): callers add their stage.
func WriteFileAtomic(path string, write func(w io.Writer) error) error {
	return writeFileAtomic(path, nil, syncAll, write)
}

// atomicSync says whether writeFileAtomic fsyncs the file and its directory.
type atomicSync int

const (
	// syncAll fsyncs the file's data before the rename and the directory after it.
	syncAll atomicSync = iota
	// syncNone leaves both to the caller, who must make the file durable later (a run syncs
	// its file system once at its end, see Runner.syncRun). A crash before that may leave the
	// new name with missing data: only for files nothing else depends on until then.
	syncNone
)

// writeFileAtomic is WriteFileAtomic with two knobs for a caller writing many files. bw, when
// not nil, is the buffer to use (Reset onto the file, and off it before returning), so a device
// does not allocate 64 KiB per file; mode says which fsyncs to do.
func writeFileAtomic(path string, bw *bufio.Writer, mode atomicSync, write func(w io.Writer) error) error {
	dir, base := filepath.Split(path)
	if base == "" {
		return &os.PathError{Op: "write", Path: path, Err: errors.New("no file name")}
	}
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+tempInfix+"*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	renamed := false
	defer func() {
		if !renamed {
			_ = f.Close() // already closed on most paths; the remove is what matters
			_ = os.Remove(tmp)
		}
	}()

	if bw == nil {
		bw = bufio.NewWriterSize(f, atomicBufferSize)
	} else {
		bw.Reset(f)
		defer bw.Reset(nil) // unflushed bytes of a failed write are dropped, not kept for the next file
	}
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if mode == syncAll {
		if err := f.Sync(); err != nil {
			return err
		}
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	renamed = true
	if mode == syncNone {
		return nil
	}
	return dirsync.Fsync(dir)
}

// IsTempFile reports whether name (a base name or a path) is one of WriteFileAtomic's temporary
// files, so directory listings (re-render, spool scans) can skip what a crash left behind.
func IsTempFile(name string) bool {
	base := filepath.Base(name)
	if len(base) < 2 || base[0] != '.' {
		return false
	}
	i := strings.LastIndex(base, tempInfix)
	if i < 2 { // need "." plus a non-empty target name before the infix
		return false
	}
	digits := base[i+len(tempInfix):]
	if digits == "" {
		return false
	}
	for j := 0; j < len(digits); j++ {
		if digits[j] < '0' || digits[j] > '9' {
			return false
		}
	}
	return true
}
