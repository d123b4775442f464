package collector

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/oca-collector/collector/devices"
)

// authMethods turns a credential reference into SSH auth methods, reading secrets only now,
// when the device is about to be contacted. Public keys (file, then agent) are offered before a
// password, as OpenSSH does; a password is offered both as "password" and as
// keyboard-interactive, which many network OSes require. The returned closer releases the
// agent connection, if any.
func authMethods(c devices.Credential, keys *signerCache) ([]ssh.AuthMethod, func(), error) {
	var methods []ssh.AuthMethod
	closer := func() {}
	if c.PrivateKey != "" {
		signer, err := keys.load(c)
		if err != nil {
			return nil, closer, classError(ErrCredential, err)
		}
		methods = append(methods, ssh.PublicKeys(signer))
	}
	if c.Agent {
		sock := os.Getenv("SSH_AUTH_SOCK")
		if sock == "" {
			return nil, closer, classError(ErrCredential, fmt.Errorf("credential %q: agent: SSH_AUTH_SOCK is not set", c.Name))
		}
		conn, err := net.DialTimeout("unix", sock, 5*time.Second)
		if err != nil {
			return nil, closer, classError(ErrCredential, fmt.Errorf("credential %q: agent: %w", c.Name, err))
		}
		closer = func() { _ = conn.Close() }
		methods = append(methods, ssh.PublicKeysCallback(agent.NewClient(conn).Signers))
	}
	pw, err := c.ResolvePassword()
	if err != nil {
		closer()
		return nil, func() {}, classError(ErrCredential, err)
	}
	if pw.Reveal() != "" {
		methods = append(methods, ssh.Password(pw.Reveal()), ssh.KeyboardInteractive(answerPassword(pw)))
	}
	if len(methods) == 0 {
		closer()
		return nil, func() {}, classError(ErrCredential, fmt.Errorf("credential %q: no password, key or agent configured", c.Name))
	}
	return methods, closer, nil
}

// answerPassword answers keyboard-interactive prompts that do not echo (password prompts) with
// the password, and the rest (banners, "press enter") with nothing.
func answerPassword(pw devices.Secret) ssh.KeyboardInteractiveChallenge {
	return func(_, _ string, questions []string, echos []bool) ([]string, error) {
		answers := make([]string, len(questions))
		for i := range questions {
			if !echos[i] {
				answers[i] = pw.Reveal()
			}
		}
		return answers, nil
	}
}

// signerCache holds each credential's private key, read, parsed and decrypted once per run:
// an encrypted OpenSSH key costs its bcrypt rounds (tens to hundreds of milliseconds of CPU)
// to decrypt, and every device of the fleet logs in with one of a few keys. The first login
// of a credential loads it; the others that arrive meanwhile wait for that load and share its
// result, error included.
type signerCache struct {
	mu   sync.Mutex
	keys map[signerKey]*cachedSigner
}

type signerKey struct{ credential, path string }

type cachedSigner struct {
	once   sync.Once
	signer ssh.Signer
	err    error
}

func newSignerCache() *signerCache { return &signerCache{keys: map[signerKey]*cachedSigner{}} }

// load returns c's signer, loading it on first use.
func (k *signerCache) load(c devices.Credential) (ssh.Signer, error) {
	id := signerKey{c.Name, c.PrivateKey}
	k.mu.Lock()
	e := k.keys[id]
	if e == nil {
		e = &cachedSigner{}
		k.keys[id] = e
	}
	k.mu.Unlock()
	e.once.Do(func() { e.signer, e.err = loadPrivateKey(c) })
	return e.signer, e.err
}

// loadPrivateKey reads and parses the credential's key, refusing one that group or others can
// read, as OpenSSH does, and decrypting it with the passphrase when it is encrypted.
func loadPrivateKey(c devices.Credential) (ssh.Signer, error) {
	st, err := os.Stat(c.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("credential %q: private key: %w", c.Name, err)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("credential %q: permissions %04o for private key %s are too open; it must not be accessible by others (chmod 600)",
			c.Name, perm, c.PrivateKey)
	}
	pem, err := os.ReadFile(c.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("credential %q: private key: %w", c.Name, err)
	}
	signer, err := ssh.ParsePrivateKey(pem)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		pass, perr := c.ResolvePassphrase()
		if perr != nil {
			return nil, perr
		}
		if pass.Reveal() == "" {
			return nil, fmt.Errorf("credential %q: private key %s is encrypted and no passphrase_env is set", c.Name, c.PrivateKey)
		}
		signer, err = ssh.ParsePrivateKeyWithPassphrase(pem, []byte(pass.Reveal()))
		if errors.Is(err, x509.IncorrectPasswordError) {
			return nil, fmt.Errorf("credential %q: wrong passphrase for private key %s", c.Name, c.PrivateKey)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("credential %q: private key %s: %w", c.Name, c.PrivateKey, err)
	}
	return signer, nil
}
