package devices

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// expand turns a path from the inventory into an absolute one: "~" and "~/..." become $HOME,
// and a relative path is taken against the inventory's directory rather than the working
// directory, so the same inventory works from cron, systemd and an interactive shell.
func (d *decoder) expand(p string) (string, error) {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if d.home == "" {
			return "", errors.New("cannot expand \"~\": $HOME is not set")
		}
		p = filepath.Join(d.home, p[1:])
	} else if strings.HasPrefix(p, "~") {
		return "", fmt.Errorf("%q: only \"~\" and \"~/\" are expanded, not \"~user\"", p)
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(d.dir, p)
	}
	return filepath.Clean(p), nil
}

// pathField decodes a path-valued key and makes it absolute. ok is false when it was reported.
func (d *decoder) pathField(e entry) (string, bool) {
	s, ok := d.str(e)
	if !ok {
		return "", false
	}
	if s == "" {
		d.problem(resolve(e.val), e.path, "must not be empty")
		return "", false
	}
	p, err := d.expand(s)
	if err != nil {
		d.problem(resolve(e.val), e.path, "%s", err.Error())
		return "", false
	}
	return p, true
}

// checkReadable opens and closes a file so that validate catches a typo in a path before the run
// rather than at the first device. what names the file in the message ("private key").
func checkReadable(what, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("cannot read %s %q: %s", what, path, reason(err))
	}
	defer func() { _ = f.Close() }() // opened read-only: a close error loses nothing
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("cannot read %s %q: %s", what, path, reason(err))
	}
	if st.IsDir() {
		return fmt.Errorf("cannot read %s %q: is a directory", what, path)
	}
	return nil
}

// reason drops the "open /path:" prefix of a *fs.PathError, because our messages already name
// the path once.
func reason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// tooOpen reports whether a file holding a secret can be read by group or others. OpenSSH refuses
// such private keys; we hold password files to the same rule.
func tooOpen(mode fs.FileMode) bool { return mode.Perm()&0o077 != 0 }
