package collector

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oca-collector/collector/devices"
	"github.com/oca-collector/collector/internal/sshsim"
)

const jumpUser, jumpPassword = "jumper", "jump-host-pw"

// bastion starts a simulated jump host (forwarding allowed) with its own login, jumper and a
// password from OCA_JUMP_PASSWORD, records its host key and returns the hop that reaches it.
func (f *fleet) bastion(name string, cfg sshsim.Config) (*sshsim.Server, devices.Hop) {
	f.t.Helper()
	f.t.Setenv("OCA_JUMP_PASSWORD", jumpPassword)
	if cfg.Users == nil {
		cfg.Users = map[string]sshsim.User{jumpUser: {Password: jumpPassword}}
	}
	cfg.AllowForward = true
	srv := sshsim.New(f.t, cfg)
	f.trust(srv)
	return srv, f.hopTo(name, srv.Addr())
}

// hopTo is a hop to addr with the jump credential and the fleet's strict known_hosts.
func (f *fleet) hopTo(name, addr string) devices.Hop {
	f.t.Helper()
	f.t.Setenv("OCA_JUMP_PASSWORD", jumpPassword)
	host, port := splitHostPort(f.t, addr)
	return devices.Hop{
		Name: name, Host: host, Port: port,
		Credential: devices.Credential{Name: "jump", Username: jumpUser, PasswordEnv: "OCA_JUMP_PASSWORD"},
		SSH:        devices.SSH{KnownHosts: f.knownHosts, HostKeyPolicy: devices.HostKeyStrict},
	}
}

// A device behind two jump hosts is collected through them, each hop logging in with its own
// credential, and every hop connection is closed when the device is done.
func TestJumpHosts(t *testing.T) {
	for _, hops := range []int{1, 2} {
		t.Run(strings.Repeat("hop", hops), func(t *testing.T) {
			f := newFleet(t)
			var bastions []*sshsim.Server
			var path []devices.Hop
			for i := range hops {
				srv, hop := f.bastion("bastion0"+string(rune('1'+i)), sshsim.Config{})
				bastions = append(bastions, srv)
				path = append(path, hop)
			}
			target, dev := f.device("core-sw1", sshsim.Config{Commands: map[string]sshsim.Response{
				"show version": sshsim.Stdout("IOS-XE 17.9\n"),
			}}, "show version")
			dev.JumpHops = path

			base := runtime.NumGoroutine()
			_, res := f.run(context.Background())
			checkNoLeaks(t, base)

			if res[0].Status != StatusOK {
				t.Fatalf("status %s err %v", res[0].Status, res[0].Err)
			}
			if b := readFile(t, res[0].BulkFile); !strings.Contains(b, "IOS-XE 17.9") {
				t.Errorf("bulk file:\n%s", b)
			}
			for i, b := range bastions {
				if st := b.Stats(); st.Logins != 1 || st.Forwards != 1 || st.AuthFailures != 0 {
					t.Errorf("bastion %d stats %+v", i+1, st)
				}
			}
			if st := target.Stats(); st.Logins != 1 || st.Connections != 1 {
				t.Errorf("target stats %+v", st)
			}
		})
	}
}

// A failure at a hop names the hop, keeps its class, never reaches the device, and closes
// the hops already up.
func TestJumpHostFailuresNameTheHop(t *testing.T) {
	for _, tc := range []struct {
		name   string
		setup  func(f *fleet) []devices.Hop
		class  error
		prefix string // formatted with the failing hop's address
		fail   int    // index of the failing hop, -1 for the device
	}{
		{"auth refused at the first hop", func(f *fleet) []devices.Hop {
			_, h := f.bastion("bastion01", sshsim.Config{Users: map[string]sshsim.User{"someone-else": {Password: "x"}}})
			return []devices.Hop{h}
		}, ErrAuth, "jump bastion01 (%s): ", 0},
		{"unknown host key at the second hop", func(f *fleet) []devices.Hop {
			_, h1 := f.bastion("bastion01", sshsim.Config{})
			srv := sshsim.New(f.t, sshsim.Config{AllowForward: true}) // not in known_hosts
			return []devices.Hop{h1, f.hopTo("bastion02", srv.Addr())}
		}, ErrHostKey, "jump bastion02 (%s): ", 1},
		{"jump host does not forward", func(f *fleet) []devices.Hop {
			srv := sshsim.New(f.t, sshsim.Config{Users: map[string]sshsim.User{jumpUser: {Password: jumpPassword}}})
			f.trust(srv)
			return []devices.Hop{f.hopTo("bastion01", srv.Addr())}
		}, ErrConnect, "connect: %s: through jump host bastion01: ssh: rejected", -1},
		{"second hop is a tarpit", func(f *fleet) []devices.Hop {
			_, h1 := f.bastion("bastion01", sshsim.Config{})
			return []devices.Hop{h1, f.hopTo("bastion02", sshsim.Tarpit(f.t))}
		}, ErrTimeout, "jump bastion02 (%s): ssh handshake: no answer within connect_timeout", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFleet(t)
			f.inv.Collection.Retries = 0
			f.inv.Collection.ConnectTimeout = 500 * time.Millisecond
			hops := tc.setup(f)
			target, dev := f.device("core-sw1", sshsim.Config{}, "show version")
			dev.JumpHops = hops
			addr := dev.Address()
			if tc.fail >= 0 {
				addr = hops[tc.fail].Address()
			}
			prefix := strings.Replace(tc.prefix, "%s", addr, 1)

			base := runtime.NumGoroutine()
			start := time.Now()
			_, res := f.run(context.Background())
			checkNoLeaks(t, base)

			if res[0].Status != StatusFailed || !errors.Is(res[0].Err, tc.class) || !strings.HasPrefix(res[0].Err.Error(), prefix) {
				t.Fatalf("status %s err %v\nwant class %v, prefix %q", res[0].Status, res[0].Err, tc.class, prefix)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("took %s", d)
			}
			if tc.fail >= 0 && target.Stats().Connections != 0 {
				t.Errorf("device contacted although hop %d failed", tc.fail+1)
			}
		})
	}
}

// A jump host that goes away mid-command fails the device as a lost connection (so the
// commands that did not complete are retried), and leaves nothing behind.
func TestJumpHostDropsMidCommand(t *testing.T) {
	f := newFleet(t)
	f.inv.Collection.Retries = 0
	f.inv.Collection.CommandTimeout = 30 * time.Second
	bastion, hop := f.bastion("bastion01", sshsim.Config{})
	target, dev := f.device("core-sw1", sshsim.Config{Commands: map[string]sshsim.Response{
		"show tech-support": {Output: []sshsim.Chunk{{Data: "partial\n"}}, Hang: true},
	}}, "show tech-support")
	dev.JumpHops = []devices.Hop{hop}

	base := runtime.NumGoroutine()
	done := make(chan []DeviceResult, 1)
	go func() {
		_, res := f.run(context.Background())
		done <- res
	}()
	waitFor(t, "the command to start", func() bool { return slices.Contains(target.Stats().CommandsSeen, "show tech-support") })
	if err := bastion.Close(); err != nil {
		t.Fatal(err)
	}
	var res []DeviceResult
	select {
	case res = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("device still running 10s after its jump host went away")
	}
	checkNoLeaks(t, base)
	if res[0].Status != StatusFailed || !errors.Is(res[0].Err, ErrDisconnect) {
		t.Fatalf("status %s err %v", res[0].Status, res[0].Err)
	}
}

// Hop host key checks use the hop's own settings: an accept-new hop is recorded in its own
// known_hosts file while the device stays strict.
func TestJumpHostOwnHostKeyPolicy(t *testing.T) {
	f := newFleet(t)
	hopKnown := f.dir + "/hops_known_hosts"
	srv := sshsim.New(t, sshsim.Config{AllowForward: true, Users: map[string]sshsim.User{jumpUser: {Password: jumpPassword}}})
	hop := f.hopTo("bastion01", srv.Addr())
	hop.SSH = devices.SSH{KnownHosts: hopKnown, HostKeyPolicy: devices.HostKeyAcceptNew}
	_, dev := f.device("core-sw1", sshsim.Config{}, "id")
	dev.JumpHops = []devices.Hop{hop}
	_, res := f.run(context.Background())
	if res[0].Status != StatusOK {
		t.Fatalf("status %s err %v", res[0].Status, res[0].Err)
	}
	if got := readFile(t, hopKnown); got != srv.KnownHostsLine()+"\n" {
		t.Errorf("hop known_hosts:\n%s", got)
	}
	if strings.Contains(readFile(t, f.knownHosts), srv.KnownHostsLine()) {
		t.Errorf("hop key recorded in the device's known_hosts")
	}
}

// waitFor polls cond until it holds, failing the test after a bounded wait.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond) // polling, bounded by deadline
	}
}
