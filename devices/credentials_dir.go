package devices

import (
	"errors"
	"os"
	"strings"
)

// credentialsDirVar is set by systemd for a unit with LoadCredential= or SetCredential=: a
// private, read-only directory holding one file per credential, readable by the unit only.
const credentialsDirVar = "CREDENTIALS_DIRECTORY"

// expandCredentialsDir replaces ${CREDENTIALS_DIRECTORY} (or $CREDENTIALS_DIRECTORY) in a
// secret file's path, so the inventory can say
// password_file: ${CREDENTIALS_DIRECTORY}/qualys-password and the shipped systemd unit hands
// the secret over with LoadCredential= instead of a world-visible environment. No other
// variable is expanded: a path is otherwise taken as written.
func expandCredentialsDir(p string) (string, error) {
	if !strings.Contains(p, "$"+credentialsDirVar) && !strings.Contains(p, "${"+credentialsDirVar+"}") {
		return p, nil
	}
	dir := os.Getenv(credentialsDirVar)
	if dir == "" {
		return "", errors.New("uses ${CREDENTIALS_DIRECTORY}, but $CREDENTIALS_DIRECTORY is not set; " +
			"systemd sets it for a unit with LoadCredential= (see configs/systemd)")
	}
	p = strings.ReplaceAll(p, "${"+credentialsDirVar+"}", dir)
	return strings.ReplaceAll(p, "$"+credentialsDirVar, dir), nil
}

// secretPathField is pathField for the paths of files holding secrets (password_file,
// private_key, ca_file), which may live in systemd's credentials directory.
func (d *decoder) secretPathField(e entry) (string, bool) {
	s, ok := d.str(e)
	if !ok {
		return "", false
	}
	if s == "" {
		d.problem(resolve(e.val), e.path, "must not be empty")
		return "", false
	}
	s, err := expandCredentialsDir(s)
	if err == nil {
		s, err = d.expand(s)
	}
	if err != nil {
		d.problem(resolve(e.val), e.path, "%s", err.Error())
		return "", false
	}
	return s, true
}
