package sshdtest

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// rsaHostKeyBits is the size of an "rsa" host key: the smallest size current OpenSSH and Go
// accept, which keeps generation fast on a loaded 2-core box.
const rsaHostKeyBits = 2048

// keyPair is a generated key in the two forms the harness needs: a signer for Go clients and
// the OpenSSH private key file contents for sshd or for code that reads key files.
type keyPair struct {
	signer ssh.Signer
	pem    []byte
}

// newKeyPair generates a key of the given type ("ed25519" or "rsa"), unencrypted.
func newKeyPair(kind, comment string) (keyPair, error) {
	var priv crypto.Signer
	switch kind {
	case "ed25519":
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return keyPair{}, fmt.Errorf("generate ed25519 key: %w", err)
		}
		priv = k
	case "rsa":
		k, err := rsa.GenerateKey(rand.Reader, rsaHostKeyBits)
		if err != nil {
			return keyPair{}, fmt.Errorf("generate rsa key: %w", err)
		}
		priv = k
	default:
		return keyPair{}, fmt.Errorf("generate key: unknown key type %q (want ed25519 or rsa)", kind)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return keyPair{}, fmt.Errorf("generate %s key: %w", kind, err)
	}
	block, err := ssh.MarshalPrivateKey(priv, comment)
	if err != nil {
		return keyPair{}, fmt.Errorf("marshal %s key: %w", kind, err)
	}
	return keyPair{signer: signer, pem: pem.EncodeToMemory(block)}, nil
}

// knownHostsFile renders a known_hosts file that pins key for every addr, in the form
// knownhosts.New expects ("[127.0.0.1]:40001 ssh-ed25519 AAAA...").
func knownHostsFile(addrs []string, key ssh.PublicKey) []byte {
	var b strings.Builder
	for _, a := range addrs {
		b.WriteString(knownhosts.Line([]string{knownhosts.Normalize(a)}, key))
		b.WriteByte('\n')
	}
	return []byte(b.String())
}
