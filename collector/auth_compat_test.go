package collector

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/oca-collector/collector/internal/sshsim"
)

// kbdOnlyDevice is a loopback SSH server that offers keyboard-interactive authentication and
// nothing else (no "password", no public key), as Arista EOS and many TACACS-backed devices
// do. It asks an echoed question first (a username-style prompt, which must not get the
// password) and then "Password: ". Each exec'd command prints "ok: <command>" and exits 0.
type kbdOnlyDevice struct {
	ln     net.Listener
	signer ssh.Signer
	mu     sync.Mutex
	echoed []string // answers to the echoed question
	logins int
	wg     sync.WaitGroup
}

func newKbdOnlyDevice(t *testing.T, password string) *kbdOnlyDevice {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := &kbdOnlyDevice{ln: ln, signer: sshsim.NewHostKey()}
	cfg := &ssh.ServerConfig{
		KeyboardInteractiveCallback: func(_ ssh.ConnMetadata, ask ssh.KeyboardInteractiveChallenge) (*ssh.Permissions, error) {
			answers, err := ask("", "Authentication for the device", []string{"Token label: ", "Password: "}, []bool{true, false})
			if err != nil || len(answers) != 2 {
				return nil, errors.New("no answers")
			}
			d.mu.Lock()
			d.echoed = append(d.echoed, answers[0])
			d.mu.Unlock()
			if answers[1] != password {
				return nil, errors.New("wrong password")
			}
			d.mu.Lock()
			d.logins++
			d.mu.Unlock()
			return nil, nil
		},
	}
	cfg.AddHostKey(d.signer)
	var conns sync.Map
	d.wg.Go(func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Store(nc, true)
			d.wg.Go(func() { d.serve(nc, cfg) })
		}
	})
	t.Cleanup(func() {
		_ = ln.Close()
		conns.Range(func(k, _ any) bool { _ = k.(net.Conn).Close(); return true })
		d.wg.Wait()
	})
	return d
}

func (d *kbdOnlyDevice) serve(nc net.Conn, cfg *ssh.ServerConfig) {
	defer nc.Close()
	sc, chans, reqs, err := ssh.NewServerConn(nc, cfg)
	if err != nil {
		return
	}
	defer sc.Close()
	d.wg.Go(func() { ssh.DiscardRequests(reqs) })
	for nch := range chans {
		if nch.ChannelType() != "session" {
			_ = nch.Reject(ssh.UnknownChannelType, "sessions only")
			continue
		}
		ch, creqs, err := nch.Accept()
		if err != nil {
			continue
		}
		d.wg.Go(func() {
			defer ch.Close()
			for req := range creqs {
				if req.Type != "exec" {
					_ = req.Reply(false, nil)
					continue
				}
				var p struct{ Command string }
				_ = ssh.Unmarshal(req.Payload, &p)
				_ = req.Reply(true, nil)
				_, _ = ch.Write([]byte("ok: " + p.Command + "\n"))
				_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{0}))
				return
			}
		})
	}
}

// A device that accepts only keyboard-interactive is logged in to with the credential's
// password, given only to the questions that do not echo; a wrong password is an auth failure.
func TestKeyboardInteractiveOnlyDevice(t *testing.T) {
	for _, tc := range []struct {
		name     string
		password string
		ok       bool
	}{
		{"right password", testPassword, true},
		{"wrong password", "not-it", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFleet(t)
			f.inv.Collection.Retries = 0
			kd := newKbdOnlyDevice(t, testPassword)
			t.Setenv("OCA_KBD_PASSWORD", tc.password)
			dev := f.addr("leaf1", kd.ln.Addr().String(), "show version")
			dev.Credential.PrivateKey, dev.Credential.PasswordEnv = "", "OCA_KBD_PASSWORD"
			appendKnownHostsLine(t, f.knownHosts, knownHostsLineFor(kd.ln.Addr().String(), kd.signer.PublicKey()))
			_, res := f.run(context.Background())

			kd.mu.Lock()
			logins, echoed := kd.logins, strings.Join(kd.echoed, ",")
			kd.mu.Unlock()
			if echoed != "" {
				t.Errorf("echoed question answered with %q, want empty", echoed)
			}
			if !tc.ok {
				if res[0].Status != StatusFailed || !errors.Is(res[0].Err, ErrAuth) || logins != 0 {
					t.Fatalf("status %s err %v logins %d", res[0].Status, res[0].Err, logins)
				}
				if strings.Contains(res[0].Err.Error(), tc.password) {
					t.Errorf("error shows the password: %v", res[0].Err)
				}
				return
			}
			if res[0].Status != StatusOK || logins != 1 {
				t.Fatalf("status %s err %v logins %d", res[0].Status, res[0].Err, logins)
			}
			if b := readFile(t, res[0].BulkFile); !strings.Contains(b, "ok: show version\n") {
				t.Errorf("bulk file:\n%s", b)
			}
		})
	}
}

// knownHostsLineFor is the known_hosts entry for key at addr ("[127.0.0.1]:port ...").
func knownHostsLineFor(addr string, key ssh.PublicKey) string {
	return knownhosts.Line([]string{knownhosts.Normalize(addr)}, key)
}
