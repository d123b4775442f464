package devices

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// ErrSecretUnset is wrapped by the Resolve* methods when a referenced environment variable is
// not set or empty (or a password file is empty). The run can tell "the operator forgot to export
// it" apart from an unreadable file and say so before contacting anything.
var ErrSecretUnset = errors.New("secret not set")

// unsetError is a missing secret. Its message is the operator's whole story ("environment
// variable X is not set"), without the sentinel's text appended, and it unwraps to ErrSecretUnset
// for callers that decide on it.
type unsetError struct{ msg string }

func (e *unsetError) Error() string { return e.msg }
func (e *unsetError) Unwrap() error { return ErrSecretUnset }

func unset(format string, args ...any) error { return &unsetError{msg: fmt.Sprintf(format, args...)} }

// maxSecretFile bounds how much of a password file is read: a password is short, and a path
// pointing at something huge by mistake should fail instead of filling memory.
const maxSecretFile = 64 << 10

// ResolvePassword returns the login password the credential refers to, reading it only now so
// that it lives in memory for as short a time as possible. An inline password wins over
// password_env, which wins over password_file (validate rejects setting more than one).
// It returns "" and no error when the credential configures no password.
func (c Credential) ResolvePassword() (Secret, error) {
	s, err := resolveSecret(c.Password, c.PasswordEnv, c.PasswordFile)
	if err != nil {
		return "", fmt.Errorf("credential %q: %w", c.Name, err)
	}
	return s, nil
}

// ResolvePassphrase returns the private key's passphrase from passphrase_env, or "" when the
// credential names none (an unencrypted key or an agent).
func (c Credential) ResolvePassphrase() (Secret, error) {
	s, err := resolveSecret("", c.PassphraseEnv, "")
	if err != nil {
		return "", fmt.Errorf("credential %q: %w", c.Name, err)
	}
	return s, nil
}

// ResolveEnablePassword returns the privileged-mode password network devices ask for, or "" when
// the credential names none.
func (c Credential) ResolveEnablePassword() (Secret, error) {
	s, err := resolveSecret("", c.EnablePasswordEnv, "")
	if err != nil {
		return "", fmt.Errorf("credential %q: %w", c.Name, err)
	}
	return s, nil
}

// ResolveCredentials returns the OCA API login. The username is not a secret but may come from
// the environment too, so that one inventory serves several subscriptions.
func (u Upload) ResolveCredentials() (username string, password Secret, err error) {
	username = u.Username
	if username == "" && u.UsernameEnv != "" {
		v, err := envSecret(u.UsernameEnv)
		if err != nil {
			return "", "", fmt.Errorf("upload: %w", err)
		}
		username = v.Reveal()
	}
	if username == "" {
		return "", "", fmt.Errorf("upload: %w", unset("no username configured"))
	}
	password, err = resolveSecret(u.Password, u.PasswordEnv, u.PasswordFile)
	if err != nil {
		return "", "", fmt.Errorf("upload: %w", err)
	}
	if password == "" {
		return "", "", fmt.Errorf("upload: %w", unset("no password configured"))
	}
	return username, password, nil
}

// resolveSecret applies the precedence inline > environment > file. Errors name the variable or
// the file, never a value.
func resolveSecret(inline Secret, env, file string) (Secret, error) {
	switch {
	case inline != "":
		return inline, nil
	case env != "":
		return envSecret(env)
	case file != "":
		return readSecretFile(file)
	}
	return "", nil
}

func envSecret(name string) (Secret, error) {
	v, set := os.LookupEnv(name)
	if !set {
		return "", unset("environment variable %s is not set", name)
	}
	if v == "" {
		return "", unset("environment variable %s is empty", name)
	}
	return Secret(v), nil
}

// readSecretFile reads a password file, refusing one that group or others can read (the rule
// OpenSSH applies to private keys), and drops one trailing newline ("\n" or "\r\n") so that a
// file written by `echo` or an editor works.
func readSecretFile(path string) (Secret, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("cannot read password file %s: %s", path, reason(err))
	}
	defer func() { _ = f.Close() }() // opened read-only: a close error loses nothing
	st, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("cannot read password file %s: %s", path, reason(err))
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("password file %s is not a regular file", path)
	}
	if tooOpen(st.Mode()) {
		return "", fmt.Errorf("password file %s has permissions %04o; it must not be readable by group or others (chmod 600)",
			path, st.Mode().Perm())
	}
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err != nil {
		return "", fmt.Errorf("cannot read password file %s: %s", path, reason(err))
	}
	if len(b) > maxSecretFile {
		return "", fmt.Errorf("password file %s is larger than %d bytes", path, maxSecretFile)
	}
	s := string(b)
	if t, ok := strings.CutSuffix(s, "\n"); ok {
		s = strings.TrimSuffix(t, "\r")
	}
	if s == "" {
		return "", unset("password file %s is empty", path)
	}
	return Secret(s), nil
}
