package collector

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/oca-collector/collector/devices"
)

// writeEncryptedKey writes a passphrase-protected OpenSSH ed25519 key (bcrypt KDF, the
// expensive kind to load) and returns its path.
func writeEncryptedKey(t testing.TB, passphrase string) string {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKeyWithPassphrase(priv, "cache test", []byte(passphrase))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSignerCacheLoadsEachKeyOnce: concurrent logins with one credential share one decrypted
// key; another credential gets its own; a key that cannot be loaded fails every login alike.
func TestSignerCacheLoadsEachKeyOnce(t *testing.T) {
	t.Setenv("OCA_TEST_KEY_PASSPHRASE", "correct horse")
	cred := devices.Credential{Name: "ops", PrivateKey: writeEncryptedKey(t, "correct horse"), PassphraseEnv: "OCA_TEST_KEY_PASSPHRASE"}
	other := devices.Credential{Name: "net", PrivateKey: writeEncryptedKey(t, "correct horse"), PassphraseEnv: "OCA_TEST_KEY_PASSPHRASE"}
	keys := newSignerCache()

	signers := make([]ssh.Signer, 16)
	var wg sync.WaitGroup
	for i := range signers {
		wg.Go(func() {
			s, err := keys.load(cred)
			if err != nil {
				t.Error(err)
			}
			signers[i] = s
		})
	}
	wg.Wait()
	for i, s := range signers {
		if s == nil || s != signers[0] {
			t.Fatalf("login %d got signer %p, want the one shared signer %p", i, s, signers[0])
		}
	}
	if s, err := keys.load(other); err != nil || s == signers[0] {
		t.Fatalf("another credential: signer %p err %v, want its own key", s, err)
	}

	t.Setenv("OCA_TEST_WRONG_PASSPHRASE", "wrong")
	bad := devices.Credential{Name: "bad", PrivateKey: cred.PrivateKey, PassphraseEnv: "OCA_TEST_WRONG_PASSPHRASE"}
	for range 2 {
		if _, err := keys.load(bad); err == nil || !strings.Contains(err.Error(), "wrong passphrase") {
			t.Fatalf("wrong passphrase: %v", err)
		}
	}
}

// BenchmarkLoginKeyLoad is what the cache saves per device: loading an encrypted key.
func BenchmarkLoginKeyLoad(b *testing.B) {
	b.Setenv("OCA_TEST_KEY_PASSPHRASE", "pp")
	cred := devices.Credential{Name: "k", PrivateKey: writeEncryptedKey(b, "pp"), PassphraseEnv: "OCA_TEST_KEY_PASSPHRASE"}
	for b.Loop() {
		if _, err := loadPrivateKey(cred); err != nil {
			b.Fatal(err)
		}
	}
}
