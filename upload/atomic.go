package upload

import (
	"crypto/rand"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// tempMarker is in the name of every file being written; names containing it are never entries.
const tempMarker = ".tmp-"

// writeFileAtomic creates dir/name with mode 0600 so that a reader sees either the old file or
// the complete new one: write to a temporary name in the same directory, fsync it when
// syncData is set (so a crash cannot leave the new name with partial data), rename over. The
// rename is made durable by the caller's directory fsync.
func writeFileAtomic(dir, name string, syncData bool, write func(f *os.File) error) (err error) {
	f, err := os.CreateTemp(dir, name+tempMarker+"*") // CreateTemp uses mode 0600
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = write(f); err != nil {
		return err
	}
	if err = f.Chmod(0o600); err != nil {
		return err
	}
	if syncData {
		if err = f.Sync(); err != nil {
			return err
		}
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, name))
}

// linkInto makes dir/name a hard link to src, atomically replacing any older dir/name: a
// direct link when the name is free (the usual case: one entry per asset), else a link under
// a temporary name renamed over the old one. The caller fsyncs the directory.
func linkInto(src, dir, name string) error {
	err := os.Link(src, filepath.Join(dir, name))
	if !errors.Is(err, fs.ErrExist) {
		return err
	}
	tmp := filepath.Join(dir, name+tempMarker+"link-"+rand.Text())
	if err := os.Link(src, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		os.Remove(tmp)
		return err
	}
	// rename(2) between two links of one file succeeds without removing tmp (re-spooling the
	// spooled file itself); make sure no temporary name is left behind.
	os.Remove(tmp)
	return nil
}
