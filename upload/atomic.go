package upload

import (
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
)

// tempMarker is in the name of every file being written; names containing it are never entries.
const tempMarker = ".tmp-"

// writeFileAtomic creates dir/name with mode 0600 so that a reader (or a crash) sees either the
// old file or the complete new one: write to a temporary name in the same directory, fsync,
// rename over, fsync the directory.
func writeFileAtomic(dir, name string, write func(f *os.File) error) (err error) {
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
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return err
	}
	return syncDir(dir)
}

// linkAtomic makes dir/name a hard link to src, atomically replacing any older dir/name.
func linkAtomic(src, dir, name string) error {
	tmp := filepath.Join(dir, name+tempMarker+"link-"+rand.Text())
	if err := os.Link(src, tmp); err != nil {
		return err
	}
	// The data must be on disk before the name is: fsync through the new name.
	if err := syncFile(tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		os.Remove(tmp)
		return err
	}
	// rename(2) between two links of one file succeeds without removing tmp (re-spooling the
	// spooled file itself); make sure no temporary name is left behind.
	os.Remove(tmp)
	return syncDir(dir)
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}
