package sshsim

import (
	"bytes"
	"crypto/subtle"
	"errors"

	"golang.org/x/crypto/ssh"
)

// errRefused is what the client is told for every refused credential; like sshd, the simulator
// does not say whether the user or the secret was wrong.
var errRefused = errors.New("sshsim: authentication refused")

// errClosing ends an authentication attempt cut short by Close.
var errClosing = errors.New("sshsim: server closing")

// user is a User prepared for comparisons: keys pre-marshalled once, not per attempt.
type user struct {
	password []byte
	keys     [][]byte
}

func newUser(u User) user {
	out := user{}
	if u.Password != "" {
		out.password = []byte(u.Password)
	}
	for _, k := range u.AuthorizedKeys {
		if k != nil {
			out.keys = append(out.keys, k.Marshal())
		}
	}
	return out
}

func (s *Server) serverConfig() *ssh.ServerConfig {
	cfg := &ssh.ServerConfig{
		PasswordCallback:  s.checkPassword,
		PublicKeyCallback: s.checkPublicKey,
		AuthLogCallback:   s.authResult,
		ServerVersion:     "SSH-2.0-OpenSSH_9.2p1 sshsim",
	}
	kiOnly := s.cfg.Shell != nil && s.cfg.Shell.KeyboardInteractiveOnly
	if s.cfg.KeyboardInteractive || kiOnly {
		cfg.KeyboardInteractiveCallback = s.checkKeyboardInteractive
	}
	if kiOnly {
		cfg.PasswordCallback = nil // not offered, as on Arista EOS
	}
	a := s.cfg.Algorithms
	cfg.KeyExchanges, cfg.Ciphers, cfg.MACs = a.KeyExchanges, a.Ciphers, a.MACs
	signer := s.signer
	if len(a.HostKeyAlgorithms) > 0 {
		if as, ok := signer.(ssh.AlgorithmSigner); ok {
			if restricted, err := ssh.NewSignerWithAlgorithms(as, a.HostKeyAlgorithms); err == nil {
				signer = restricted
			}
		}
	}
	cfg.AddHostKey(signer)
	return cfg
}

func (s *Server) checkPassword(meta ssh.ConnMetadata, password []byte) (*ssh.Permissions, error) {
	if !pause(s.cfg.AuthDelay, s.done, nil) {
		return nil, errClosing
	}
	u, ok := s.users[meta.User()]
	if ok && u.password != nil && subtle.ConstantTimeCompare(u.password, password) == 1 {
		return nil, nil
	}
	return nil, errRefused
}

// kiQuestion is the one question keyboard-interactive asks, with echo off, as PAM's
// pam_unix does through sshd.
const kiQuestion = "Password: "

// checkKeyboardInteractive asks for the password through a keyboard-interactive challenge.
func (s *Server) checkKeyboardInteractive(meta ssh.ConnMetadata, client ssh.KeyboardInteractiveChallenge) (*ssh.Permissions, error) {
	answers, err := client("", "", []string{kiQuestion}, []bool{false})
	if err != nil {
		return nil, errRefused
	}
	if !pause(s.cfg.AuthDelay, s.done, nil) {
		return nil, errClosing
	}
	u, ok := s.users[meta.User()]
	if ok && len(answers) == 1 && u.password != nil &&
		subtle.ConstantTimeCompare(u.password, []byte(answers[0])) == 1 {
		return nil, nil
	}
	return nil, errRefused
}

// checkPublicKey is asked once per offered key; x/crypto caches the answer for the signed
// attempt that follows.
func (s *Server) checkPublicKey(meta ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
	if !pause(s.cfg.AuthDelay, s.done, nil) {
		return nil, errClosing
	}
	if u, ok := s.users[meta.User()]; ok {
		offered := key.Marshal()
		for _, k := range u.keys {
			if bytes.Equal(k, offered) {
				return nil, nil
			}
		}
	}
	return nil, errRefused
}

// authResult sees every attempt's outcome before the client is told it, so Stats never lag
// behind what the client knows. A successful public key query is not reported here; the
// signed attempt that follows is. The "none" probe every client opens with is not a failure.
func (s *Server) authResult(meta ssh.ConnMetadata, method string, err error) {
	switch {
	case err == nil:
		s.noteLogin()
		s.log.Debug("sshsim login", keyHost, s.Addr(), keyUser, meta.User(), keyMethod, method)
	case method == "none" || errors.Is(err, errClosing):
	default:
		s.noteAuthFailure()
		s.log.Debug("sshsim auth refused", keyHost, s.Addr(), keyUser, meta.User(), keyMethod, method)
	}
}
