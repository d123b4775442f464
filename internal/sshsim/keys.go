package sshsim

import (
	"crypto/ed25519"
	"encoding/pem"
	"fmt"

	"golang.org/x/crypto/ssh"
)

// NewHostKey makes a throwaway ed25519 host key: cheap enough to give every simulated device
// its own. It panics only if the system's randomness fails, which no test can recover from.
func NewHostKey() ssh.Signer {
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		panic(fmt.Sprintf("sshsim: generate host key: %v", err))
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		panic(fmt.Sprintf("sshsim: host key signer: %v", err))
	}
	return signer
}

// GenerateUserKey makes an ed25519 login key and its unencrypted OpenSSH PEM, so tests can
// authorize the signer on a device and hand the PEM to the collector as a private_key file.
func GenerateUserKey() (ssh.Signer, []byte, error) {
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		return nil, nil, fmt.Errorf("generate user key: %w", err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, nil, fmt.Errorf("user key signer: %w", err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "sshsim")
	if err != nil {
		return nil, nil, fmt.Errorf("marshal user key: %w", err)
	}
	return signer, pem.EncodeToMemory(block), nil
}
