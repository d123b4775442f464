package collector

import (
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/mlkem"
	"crypto/rand"
	"crypto/sha256"
	"testing"
)

// BenchmarkClientLoginCrypto is the public-key cryptography an SSH client does for one login
// with the key exchange and keys the fleet benchmarks negotiate (mlkem768x25519-sha256, Ed25519
// host and user keys), done with the same standard library primitives x/crypto calls: ML-KEM-768
// key generation and decapsulation, an X25519 key pair and shared secret, the exchange hash,
// the host key signature check and the user key signature. It is the floor of the collector's
// CPU per device that no change of ours can lower (symmetric encryption of the outputs comes
// on top).
func BenchmarkClientLoginCrypto(b *testing.B) {
	hostPub, hostPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	_, userPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	// The server's half is made outside the timer: once for its signature and X25519 key,
	// and per iteration for the ML-KEM ciphertext, which must be made for that iteration's key.
	exchangeHash := sha256.Sum256([]byte("exchange"))
	hostSig := ed25519.Sign(hostPriv, exchangeHash[:])
	serverX, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		b.StopTimer()
		dk, err := mlkem.GenerateKey768()
		if err != nil {
			b.Fatal(err)
		}
		_, ct := dk.EncapsulationKey().Encapsulate() // the server's work
		b.StartTimer()

		// Client: its key pairs (the ML-KEM key generation is timed separately below).
		x, err := ecdh.X25519().GenerateKey(rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		_ = dk.EncapsulationKey().Bytes()
		kemSecret, err := dk.Decapsulate(ct)
		if err != nil {
			b.Fatal(err)
		}
		ecdhSecret, err := x.ECDH(serverX.PublicKey())
		if err != nil {
			b.Fatal(err)
		}
		h := sha256.New()
		h.Write(kemSecret)
		h.Write(ecdhSecret)
		h.Sum(nil)
		if !ed25519.Verify(hostPub, exchangeHash[:], hostSig) {
			b.Fatal("host signature")
		}
		ed25519.Sign(userPriv, exchangeHash[:])
	}
}

// BenchmarkClientKEMKeyGen is the ML-KEM-768 key generation BenchmarkClientLoginCrypto leaves
// out of its timer; a login does one.
func BenchmarkClientKEMKeyGen(b *testing.B) {
	for b.Loop() {
		if _, err := mlkem.GenerateKey768(); err != nil {
			b.Fatal(err)
		}
	}
}
