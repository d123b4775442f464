package collector

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/oca-collector/collector/devices"
	"github.com/oca-collector/collector/internal/sshsim"
)

// rsaHostKey is one 2048-bit RSA host key for every old-gear test: generating it takes long
// enough to do only once.
var rsaHostKey = sync.OnceValues(func() (ssh.Signer, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	return ssh.NewSignerFromKey(k)
})

func oldGear(t *testing.T, a sshsim.Algorithms) sshsim.Config {
	t.Helper()
	signer, err := rsaHostKey()
	if err != nil {
		t.Fatal(err)
	}
	return sshsim.Config{HostKey: signer, Algorithms: a, Commands: map[string]sshsim.Response{
		"show version": sshsim.Stdout("Cisco IOS Software, C2960 Software, Version 12.2(55)SE\n"),
	}}
}

// A device that knows only old algorithms fails by default with a message that names what it
// offered and how to enable the legacy profile; with the profile (or explicit lists naming
// its algorithms) it is collected.
func TestLegacyOnlyDevice(t *testing.T) {
	ancient := sshsim.Algorithms{
		KeyExchanges:      []string{ssh.InsecureKeyExchangeDH1SHA1},
		Ciphers:           []string{ssh.InsecureCipherAES128CBC},
		MACs:              []string{ssh.HMACSHA1},
		HostKeyAlgorithms: []string{ssh.KeyAlgoRSA},
	}
	for _, tc := range []struct {
		name  string
		algos devices.Algorithms
		ok    bool
	}{
		{"default", devices.Algorithms{}, false},
		{"legacy", devices.Algorithms{Legacy: true}, true},
		{"explicit", devices.Algorithms{
			KeyExchanges: []string{ssh.InsecureKeyExchangeDH1SHA1}, Ciphers: []string{ssh.InsecureCipherAES128CBC},
			HostKeys: []string{ssh.KeyAlgoRSA},
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFleet(t)
			f.inv.Collection.Retries = 0
			srv, dev := f.device("c2960", oldGear(t, ancient), "show version")
			dev.SSH.Algorithms = tc.algos
			_, res := f.run(context.Background())
			got := res[0]
			if tc.ok {
				if got.Status != StatusOK {
					t.Fatalf("status %s err %v", got.Status, got.Err)
				}
				if b := readFile(t, got.BulkFile); !strings.Contains(b, "Version 12.2(55)SE") {
					t.Errorf("bulk file:\n%s", b)
				}
				return
			}
			want := "ssh handshake " + srv.Addr() + ": the device offers only old key exchange algorithms [diffie-hellman-group1-sha1]; " +
				"set ssh: {algorithms: legacy} for this device or its group (or list them under ssh.algorithms.kex)"
			if got.Status != StatusFailed || got.Err == nil || got.Err.Error() != want {
				t.Fatalf("status %s err\n%v\nwant\n%s", got.Status, got.Err, want)
			}
			if !errors.Is(got.Err, ErrHandshake) || ErrorClass(got.Err) != "handshake" {
				t.Errorf("class %q", ErrorClass(got.Err))
			}
			var ae *AlgorithmError
			if !errors.As(got.Err, &ae) || ae.Kind != "key exchange" || ae.Setting != "kex" ||
				!slices.Equal(ae.Offered, []string{ssh.InsecureKeyExchangeDH1SHA1}) {
				t.Errorf("AlgorithmError %+v", ae)
			}
			var ne *ssh.AlgorithmNegotiationError
			if !errors.As(got.Err, &ne) {
				t.Errorf("x/crypto's error is not kept: %v", got.Err)
			}
			if st := srv.Stats(); st.Logins != 0 {
				t.Errorf("logins %d", st.Logins)
			}
		})
	}
}

// Each kind of algorithm a device may know only the old version of gets its own message,
// naming the ssh.algorithms key for it; the legacy profile covers every one of them.
func TestLegacyAlgorithmKinds(t *testing.T) {
	for _, tc := range []struct {
		name  string
		sim   sshsim.Algorithms
		wants string
	}{
		{"kex group14-sha1", sshsim.Algorithms{KeyExchanges: []string{ssh.InsecureKeyExchangeDH14SHA1}},
			"old key exchange algorithms [diffie-hellman-group14-sha1]; set ssh: {algorithms: legacy} for this device or its group (or list them under ssh.algorithms.kex)"},
		{"host key ssh-rsa", sshsim.Algorithms{HostKeyAlgorithms: []string{ssh.KeyAlgoRSA}},
			"old host key algorithms [ssh-rsa]; set ssh: {algorithms: legacy} for this device or its group (or list them under ssh.algorithms.host_keys)"},
		{"cipher 3des-cbc", sshsim.Algorithms{Ciphers: []string{ssh.InsecureCipherTripleDESCBC}},
			"old cipher algorithms [3des-cbc]; set ssh: {algorithms: legacy} for this device or its group (or list them under ssh.algorithms.ciphers)"},
		{"mac hmac-sha1-96", sshsim.Algorithms{Ciphers: []string{ssh.CipherAES128CTR}, MACs: []string{ssh.InsecureHMACSHA196}},
			"old MAC algorithms [hmac-sha1-96]; set ssh: {algorithms: legacy} for this device or its group (or list them under ssh.algorithms.macs)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFleet(t)
			f.inv.Collection.Retries = 0
			f.device("default", oldGear(t, tc.sim), "show version")
			_, leg := f.device("legacy", oldGear(t, tc.sim), "show version")
			leg.SSH.Algorithms.Legacy = true
			_, res := f.run(context.Background())
			if res[0].Status != StatusFailed || !errors.Is(res[0].Err, ErrHandshake) ||
				!strings.Contains(res[0].Err.Error(), ": the device offers only "+tc.wants) {
				t.Errorf("default profile: status %s err %v", res[0].Status, res[0].Err)
			}
			if res[1].Status != StatusOK {
				t.Errorf("legacy profile: status %s err %v", res[1].Status, res[1].Err)
			}
		})
	}
}

// An explicit list replaces the defaults, and a device that offers nothing in it is told to
// add one of its algorithms to that list (the legacy profile would not help).
func TestExplicitAlgorithmListMismatch(t *testing.T) {
	f := newFleet(t)
	f.inv.Collection.Retries = 0
	srv, dev := f.device("modern", sshsim.Config{Algorithms: sshsim.Algorithms{KeyExchanges: []string{ssh.KeyExchangeCurve25519}}}, "id")
	dev.SSH.Algorithms = devices.Algorithms{Legacy: true, KeyExchanges: []string{ssh.KeyExchangeECDHP256}}
	_, res := f.run(context.Background())
	want := "ssh handshake " + srv.Addr() + ": the device offers only key exchange algorithms [curve25519-sha256 curve25519-sha256@libssh.org], " +
		"none of which ssh.algorithms.kex lists; add one of them"
	if res[0].Err == nil || res[0].Err.Error() != want {
		t.Fatalf("err\n%v\nwant\n%s", res[0].Err, want)
	}
}

func TestAlgorithmsFor(t *testing.T) {
	secure := ssh.SupportedAlgorithms()
	def := algorithmsFor(devices.Algorithms{})
	for _, insecure := range slices.Concat(legacyKeyExchanges, legacyCiphers, []string{ssh.InsecureHMACSHA196}, legacyHostKeys) {
		if slices.Contains(slices.Concat(def.kex, def.ciphers, def.macs, def.hostKeys), insecure) {
			t.Errorf("default profile offers %s", insecure)
		}
	}
	if !slices.Equal(def.kex, secure.KeyExchanges) || !slices.Equal(def.hostKeys, secure.HostKeys) {
		t.Errorf("default kex %v host keys %v", def.kex, def.hostKeys)
	}

	leg := algorithmsFor(devices.Algorithms{Legacy: true})
	for _, c := range []struct{ got, modern, legacy []string }{
		{leg.kex, secure.KeyExchanges, legacyKeyExchanges},
		{leg.ciphers, secure.Ciphers, legacyCiphers},
		{leg.hostKeys, secure.HostKeys, legacyHostKeys},
	} {
		// Modern first, in x/crypto's order, then the legacy ones: a device that knows both
		// still negotiates a modern algorithm.
		if want := slices.Concat(c.modern, c.legacy); !slices.Equal(c.got, want) {
			t.Errorf("legacy list %v, want %v", c.got, want)
		}
	}
	if !slices.Equal(leg.macs, append(slices.Clone(secure.MACs), ssh.InsecureHMACSHA196)) {
		t.Errorf("legacy macs %v", leg.macs)
	}

	exp := algorithmsFor(devices.Algorithms{Legacy: true, Ciphers: []string{ssh.InsecureCipherTripleDESCBC}})
	if !slices.Equal(exp.ciphers, []string{ssh.InsecureCipherTripleDESCBC}) || !slices.Equal(exp.kex, leg.kex) {
		t.Errorf("explicit ciphers %v kex %v", exp.ciphers, exp.kex)
	}
}

// known_hosts narrows the host key algorithms to what can verify the key on file; the
// algorithm settings narrow them too, and when nothing is left the dial is refused up front.
func TestHostKeyAlgorithmsWithKnownHosts(t *testing.T) {
	rsaKnown := algorithmsForKey(ssh.KeyAlgoRSA) // what knownAlgorithms gives for an RSA key
	for _, tc := range []struct {
		name  string
		algos devices.Algorithms
		known []string
		want  []string
		err   string
	}{
		{"unknown host", devices.Algorithms{}, nil, ssh.SupportedAlgorithms().HostKeys, ""},
		{"rsa, default", devices.Algorithms{}, rsaKnown, []string{ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSASHA512}, ""},
		{"rsa, legacy", devices.Algorithms{Legacy: true}, rsaKnown, []string{ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSA}, ""},
		{"ed25519, explicit rsa", devices.Algorithms{HostKeys: []string{ssh.KeyAlgoRSASHA256}}, []string{ssh.KeyAlgoED25519}, nil,
			"ssh handshake 10.0.0.9:22: the host's keys in known_hosts need host key algorithms [ssh-ed25519], which the algorithm settings do not offer; add one of them to ssh.algorithms.host_keys"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := &ssh.ClientConfig{}
			err := algorithmsFor(tc.algos).apply(cfg, "10.0.0.9:22", tc.known)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err || !errors.Is(err, ErrHandshake) {
					t.Fatalf("err %v", err)
				}
				return
			}
			if err != nil || !slices.Equal(cfg.HostKeyAlgorithms, tc.want) {
				t.Fatalf("host key algorithms %v err %v, want %v", cfg.HostKeyAlgorithms, err, tc.want)
			}
		})
	}
}

func TestAlgorithmErrorHints(t *testing.T) {
	for _, tc := range []struct {
		name  string
		algos devices.Algorithms
		neg   ssh.AlgorithmNegotiationError
		want  string
	}{
		{"not implemented", devices.Algorithms{},
			ssh.AlgorithmNegotiationError{What: "key exchange", RequestedAlgorithms: []string{"sntrup761x25519-sha512@openssh.com"}},
			"the device offers only key exchange algorithms [sntrup761x25519-sha512@openssh.com], none of which the collector implements"},
		{"implemented, not in legacy", devices.Algorithms{Legacy: true},
			ssh.AlgorithmNegotiationError{What: "server to client cipher", RequestedAlgorithms: []string{ssh.InsecureCipherRC4}},
			"the device offers only cipher algorithms [arcfour], which need listing under ssh.algorithms.ciphers"},
		{"host key type changed", devices.Algorithms{},
			ssh.AlgorithmNegotiationError{What: "host key", RequestedAlgorithms: []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}},
			"the device offers only host key algorithms [rsa-sha2-512 rsa-sha2-256 ssh-rsa], none of which can verify the host key known_hosts has for it; " +
				"if the device's host key was replaced by one of another type, update known_hosts (otherwise this may be a man-in-the-middle)"},
		{"compression", devices.Algorithms{},
			ssh.AlgorithmNegotiationError{What: "client to server compression", RequestedAlgorithms: []string{"zlib"}},
			"the device and the collector share no client to server compression algorithm; the device offers [zlib]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := algorithmError("10.0.0.9:22", &tc.neg, algorithmsFor(tc.algos))
			class := ErrHandshake
			if tc.neg.What == "host key" {
				class = ErrHostKey
			}
			if err == nil || err.Error() != "ssh handshake 10.0.0.9:22: "+tc.want || !errors.Is(err, class) {
				t.Fatalf("err %v", err)
			}
		})
	}
	if err := algorithmError("10.0.0.9:22", errors.New("ssh: handshake failed: EOF"), algorithmsFor(devices.Algorithms{})); err != nil {
		t.Errorf("not a negotiation error, got %v", err)
	}
}

// A device whose host key changed type (known_hosts has ed25519, the device now has only RSA)
// is a host key failure, not a "set legacy" hint: known_hosts narrowed what was offered.
func TestHostKeyTypeChanged(t *testing.T) {
	f := newFleet(t)
	f.inv.Collection.Retries = 0
	signer, err := rsaHostKey()
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := f.device("rebuilt", sshsim.Config{HostKey: signer}, "id")
	if err := os.WriteFile(f.knownHosts, []byte(knownHostsLineFor(srv.Addr(), sshsim.NewHostKey().PublicKey())+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, res := f.run(context.Background())
	if res[0].Status != StatusFailed || !errors.Is(res[0].Err, ErrHostKey) ||
		!strings.Contains(res[0].Err.Error(), "none of which can verify the host key known_hosts has for it") {
		t.Fatalf("status %s err %v", res[0].Status, res[0].Err)
	}
}
