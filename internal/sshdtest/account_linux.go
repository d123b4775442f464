//go:build linux

package sshdtest

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	// accountLockPath serialises account setup between test binaries: `go test ./...` runs
	// packages in parallel, and two useradd or chpasswd at once would fight over /etc/shadow.
	accountLockPath = "/run/oca-collector-sshdtest.lock"
	// passwordPath keeps UserName's password stable for the whole machine, so a binary that
	// sets it never invalidates the password another binary is logging in with right now.
	passwordPath = "/var/lib/oca-collector-sshdtest/password"
	passwordLen  = 24
	// accountLockWait bounds the wait for another binary's setup (a useradd takes
	// milliseconds; a minute means something is stuck, and the test says so).
	accountLockWait = time.Minute
)

// account is the login user as the daemons need it.
type account struct {
	uid, gid int
	password string
}

// accountOnce remembers this process's completed setup. It is package state on purpose: the
// account itself is machine-wide state, and the first Start of a binary (re)applies the
// password once, the later ones reuse it.
var accountOnce struct {
	mu   sync.Mutex
	done bool
	acct account
}

// ensureAccount makes sure UserName exists and has the machine's fixture password, creating
// both on first use. Safe for concurrent Starts in one binary (mutex) and across binaries
// (flock).
func ensureAccount() (account, error) {
	accountOnce.mu.Lock()
	defer accountOnce.mu.Unlock()
	if accountOnce.done {
		return accountOnce.acct, nil
	}
	unlock, err := lockFile(accountLockPath, accountLockWait)
	if err != nil {
		return account{}, err
	}
	defer unlock()

	u, err := lookupOrCreateUser()
	if err != nil {
		return account{}, err
	}
	pw, err := fixturePassword()
	if err != nil {
		return account{}, err
	}
	// Applied once per binary even when the file already existed: the file and /etc/shadow
	// can disagree (account deleted and recreated, machine reused), and chpasswd with the same
	// password changes nothing for a login in flight elsewhere.
	if err := setPassword(pw); err != nil {
		return account{}, err
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err := errors.Join(err1, err2); err != nil {
		return account{}, fmt.Errorf("account %s ids: %w", UserName, err)
	}
	accountOnce.acct = account{uid: uid, gid: gid, password: pw}
	accountOnce.done = true
	return accountOnce.acct, nil
}

// lockFile takes an exclusive flock on path, polling until wait has passed, and returns the
// release function.
func lockFile(path string, wait time.Duration) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("account lock: %w", err)
	}
	deadline := time.Now().Add(wait)
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { _ = f.Close() }, nil // closing releases the lock
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			_ = f.Close()
			return nil, fmt.Errorf("account lock %s: %w", path, err)
		}
		time.Sleep(20 * time.Millisecond) // polling a lock held by another process, bounded above
	}
}

// lookupOrCreateUser returns UserName, creating it as a plain user (home, /bin/sh, no extra
// groups, so no sudo) when it is missing.
func lookupOrCreateUser() (*user.User, error) {
	u, err := user.Lookup(UserName)
	if err == nil {
		return u, nil
	}
	if !errors.As(err, new(user.UnknownUserError)) {
		return nil, fmt.Errorf("look up user %s: %w", UserName, err)
	}
	out, err := exec.Command("useradd", "--create-home", "--shell", "/bin/sh", UserName).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("useradd %s: %w: %s", UserName, err, bytes.TrimSpace(out))
	}
	u, err = user.Lookup(UserName)
	if err != nil {
		return nil, fmt.Errorf("look up user %s after useradd: %w", UserName, err)
	}
	return u, nil
}

// fixturePassword reads the machine's password for UserName, creating it (random, 0600 root)
// when missing or malformed.
func fixturePassword() (string, error) {
	b, err := os.ReadFile(passwordPath)
	if err == nil {
		if pw := strings.TrimSpace(string(b)); validPassword(pw) {
			return pw, nil
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read fixture password: %w", err)
	}
	pw, err := randomPassword()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(passwordPath), 0o700); err != nil {
		return "", fmt.Errorf("write fixture password: %w", err)
	}
	tmp := passwordPath + ".tmp"
	if err := os.WriteFile(tmp, []byte(pw+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write fixture password: %w", err)
	}
	if err := os.Rename(tmp, passwordPath); err != nil {
		return "", fmt.Errorf("write fixture password: %w", err)
	}
	return pw, nil
}

// passwordAlphabet has 64 symbols, so a random byte maps onto it without bias, and none of
// them is chpasswd's ':' separator.
const passwordAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

func randomPassword() (string, error) {
	b := make([]byte, passwordLen)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate fixture password: %w", err)
	}
	for i := range b {
		b[i] = passwordAlphabet[b[i]&63]
	}
	return string(b), nil
}

func validPassword(pw string) bool {
	if len(pw) != passwordLen {
		return false
	}
	for _, r := range pw {
		if !strings.ContainsRune(passwordAlphabet, r) {
			return false
		}
	}
	return true
}

// setPassword sets UserName's password through chpasswd's stdin, never its command line
// (which any user can read in /proc).
func setPassword(pw string) error {
	cmd := exec.Command("chpasswd")
	cmd.Stdin = strings.NewReader(UserName + ":" + pw + "\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("chpasswd %s: %w: %s", UserName, err, bytes.TrimSpace(out))
	}
	return nil
}
