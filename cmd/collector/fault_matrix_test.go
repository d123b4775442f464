package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/oca-collector/collector/internal/fakegateway"
	"github.com/oca-collector/collector/internal/sshsim"
)

// TestFaultMatrix injects one fault per row, on the device side or the gateway side, next to a
// healthy control device, and checks what the operator would: the faulty device's status and
// error class in report.json, what the gateway accepted, what waits in the spool, and the exit
// code. Nothing may be lost: a collected file either reached the API or is in the spool.
func TestFaultMatrix(t *testing.T) {
	t.Parallel()
	type row struct {
		name string
		// device edits the faulty device's simulator (nil: a healthy one); addr replaces it
		// with a bare address (refused port, tarpit).
		device func(*sshsim.Config)
		addr   func(t *testing.T) string
		// setup runs after the inventory is written (host key swaps, gateway scripts).
		setup func(f *fixture, victim *device)
		inv   invOptions

		status, class             string // the faulty device's collection outcome
		upload, uploadClass       string // its upload outcome
		uploads                   int    // accepted uploads of the faulty device's asset
		spooled                   bool   // its bulk file still waits in the spool
		exit                      int
		errContains, upErrContain string
	}
	errStatus := func(code int, msg string) fakegateway.Fault {
		return fakegateway.Status(code, errEnvelope(code, msg))
	}
	fast := invOptions{uploadExtra: "  max_attempts: 3\n  max_backoff: 50ms\n"}
	rows := []row{
		// Device side.
		{name: "connection refused", addr: func(t *testing.T) string { return refusedAddr(t) },
			status: "failed", class: "connect", upload: "skipped", exit: exitFailures, errContains: "connection refused"},
		{name: "tarpit: TCP but no SSH banner", addr: func(t *testing.T) string { return sshsim.Tarpit(t) },
			status: "failed", class: "timeout", upload: "skipped", exit: exitFailures, errContains: "connect_timeout"},
		{name: "auth failure", device: func(c *sshsim.Config) { c.Users = map[string]sshsim.User{simUser: {Password: "another"}} },
			status: "failed", class: "auth", upload: "skipped", exit: exitFailures, errContains: "unable to authenticate"},
		{name: "host key changed", setup: func(f *fixture, v *device) {
			other := sshsim.New(f.t, sshsim.Config{})
			v.known = strings.Replace(other.KnownHostsLine(), strings.Fields(other.KnownHostsLine())[0], strings.Fields(v.known)[0], 1)
			f.writeInventory(invOptions{})
		}, status: "failed", class: "hostkey", upload: "skipped", exit: exitFailures, errContains: "CHANGED"},
		{name: "command hangs", device: func(c *sshsim.Config) {
			c.Commands[baseCommands[1]] = sshsim.Response{Output: []sshsim.Chunk{{Data: "ID=deb"}}, Hang: true}
		}, inv: invOptions{commandTimeout: "1s"},
			status: "partial", class: "timeout", upload: "skipped", exit: exitFailures, errContains: "command timeout after 1s"},
		{name: "output flood over the per-command cap", device: func(c *sshsim.Config) {
			c.Commands[baseCommands[1]] = sshsim.Response{Output: []sshsim.Chunk{{Data: strings.Repeat("flood ", 40000)}}, Hang: true}
		}, inv: invOptions{collectionExtra: "  max_output_bytes: 65536\n"},
			status: "partial", class: "output_limit", upload: "skipped", exit: exitFailures, errContains: "output exceeds"},
		{name: "disconnect mid-output", device: func(c *sshsim.Config) {
			// The drop comes after the other commands have completed, so the device is partial.
			c.Commands[baseCommands[2]] = sshsim.Response{Output: []sshsim.Chunk{{Data: strings.Repeat("x", 4096), Delay: 300 * time.Millisecond}}, DisconnectAfter: 1000}
		}, status: "partial", class: "disconnect", upload: "skipped", exit: exitFailures, errContains: "connection lost"},
		{name: "slow drip under the deadlines", device: func(c *sshsim.Config) {
			c.Commands[baseCommands[2]] = sshsim.Response{Output: []sshsim.Chunk{
				{Data: "P", Delay: 400 * time.Millisecond}, {Data: "ermitRootLogin", Delay: 400 * time.Millisecond},
				{Data: " no\n", Delay: 400 * time.Millisecond}}}
		}, inv: invOptions{commandTimeout: "5s"},
			status: "ok", upload: "uploaded", uploads: 1, exit: exitOK},

		// Gateway side.
		{name: "400 ERR-2070", setup: func(f *fixture, v *device) {
			f.gw.Script(v.uuid, errStatus(400, fakegateway.InvalidFileMessage))
		}, status: "ok", upload: "failed", uploadClass: "ERR-2070", spooled: true, exit: exitFailures, upErrContain: "Invalid file format"},
		{name: "401 expired token mid-run", setup: func(f *fixture, v *device) {
			f.gw.Script(v.uuid, fakegateway.ExpireToken())
		}, status: "ok", upload: "uploaded", uploads: 1, exit: exitOK},
		{name: "403", setup: func(f *fixture, v *device) { f.gw.Script(v.uuid, errStatus(403, "Forbidden: no OCA permission")) },
			status: "ok", upload: "failed", uploadClass: "http_403", spooled: true, exit: exitFailures, upErrContain: "no OCA permission"},
		{name: "404", setup: func(f *fixture, v *device) { f.gw.Script(v.uuid, errStatus(404, "Asset not found")) },
			status: "ok", upload: "failed", uploadClass: "http_404", spooled: true, exit: exitFailures, upErrContain: "Asset not found"},
		{name: "429 with Retry-After", setup: func(f *fixture, v *device) {
			f.gw.Script(v.uuid, fakegateway.TooManyRequests("1", ""))
		}, status: "ok", upload: "uploaded", uploads: 1, exit: exitOK},
		{name: "429 with X-RateLimit-ToWait-Sec", setup: func(f *fixture, v *device) {
			f.gw.Script(v.uuid, fakegateway.TooManyRequests("", "1"))
		}, status: "ok", upload: "uploaded", uploads: 1, exit: exitOK},
		{name: "429 that never clears", setup: func(f *fixture, v *device) {
			f.gw.Script(v.uuid, fakegateway.Times(10, fakegateway.TooManyRequests("0", "")))
		}, inv: fast, status: "ok", upload: "pending", spooled: true, exit: exitFailures, upErrContain: "429"},
		{name: "503 then success", setup: func(f *fixture, v *device) { f.gw.Script(v.uuid, fakegateway.Status(503, "")) },
			inv: fast, status: "ok", upload: "uploaded", uploads: 1, exit: exitOK},
		{name: "connection reset then success", setup: func(f *fixture, v *device) { f.gw.Script(v.uuid, fakegateway.Reset()) },
			inv: fast, status: "ok", upload: "uploaded", uploads: 1, exit: exitOK},
		{name: "gateway slower than the upload timeout", setup: func(f *fixture, v *device) {
			f.gw.Script(v.uuid, fakegateway.Times(10, fakegateway.Delay(5*time.Second)))
		}, inv: invOptions{uploadExtra: "  timeout: 500ms\n  max_attempts: 2\n  max_backoff: 50ms\n"},
			status: "ok", upload: "pending", spooled: true, exit: exitFailures},
	}
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			control := f.addDevice("control", nil)
			var victim *device
			if tc.addr != nil {
				host, port := splitAddr(t, tc.addr(t))
				victim = &device{name: "victim", uuid: assetUUID(1), host: host, port: port}
				f.devs = append(f.devs, victim)
			} else {
				victim = f.addDevice("victim", tc.device)
			}
			f.writeInventory(tc.inv)
			if tc.setup != nil {
				tc.setup(f, victim)
				if tc.inv != (invOptions{}) {
					f.writeInventory(tc.inv)
				}
			}
			r := f.run("run", "-i", f.inv)
			wantExit(t, r, tc.exit)
			dir, rep := f.latest()
			v := rep.device(t, "victim")
			if v.Status != tc.status || v.ErrorClass != tc.class {
				t.Errorf("victim: status %s class %q error %q; want %s %q", v.Status, v.ErrorClass, v.Error, tc.status, tc.class)
			}
			if tc.errContains != "" && !strings.Contains(v.Error, tc.errContains) {
				t.Errorf("victim error %q does not contain %q", v.Error, tc.errContains)
			}
			if v.Upload.Status != tc.upload || (tc.uploadClass != "" && v.Upload.ErrorClass != tc.uploadClass) {
				t.Errorf("victim upload %+v; want %s %q", v.Upload, tc.upload, tc.uploadClass)
			}
			if tc.upErrContain != "" && !strings.Contains(v.Upload.Error, tc.upErrContain) {
				t.Errorf("victim upload error %q does not contain %q", v.Upload.Error, tc.upErrContain)
			}
			if got := len(f.gw.UploadsFor(victim.uuid)); got != tc.uploads {
				t.Errorf("gateway accepted %d uploads of the victim, want %d", got, tc.uploads)
			}
			spooled := filepath.Join(f.out, "spool", victim.uuid+".txt")
			if _, err := os.Stat(spooled); (err == nil) != tc.spooled {
				t.Errorf("victim in the spool: %v, want %v", err == nil, tc.spooled)
			}
			if tc.spooled {
				// What waits in the spool is exactly what was collected.
				if !bytes.Equal(readFile(t, spooled), readFile(t, filepath.Join(dir, victim.uuid+".txt"))) {
					t.Errorf("spooled file differs from the run's bulk file")
				}
			}
			c := rep.device(t, "control")
			if c.Status != "ok" || c.Upload.Status != "uploaded" || len(f.gw.UploadsFor(control.uuid)) != 1 {
				t.Errorf("control device: %+v (gateway has %d)", c, len(f.gw.UploadsFor(control.uuid)))
			}
			checkTree(t, f.out)
		})
	}
}

// TestFaultKill9ThenNewRun kills the collector with SIGKILL while a device hangs, then starts a
// new run: the stale lock is recovered, no half-written file is taken for a finished one, and
// the spool keeps what was waiting.
func TestFaultKill9ThenNewRun(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	pending := f.addDevice("pending", nil)
	f.writeInventory(invOptions{uploadExtra: "  max_attempts: 1\n"})
	f.gw.Script(pending.uuid, fakegateway.Status(503, ""))
	wantExit(t, f.run("run", "-i", f.inv), exitFailures) // leaves pending's file in the spool
	spooled := filepath.Join(f.out, "spool", pending.uuid+".txt")
	before := readFile(t, spooled)

	hang := f.addDevice("hang", nil)
	hang.commandSet = "hang"
	f.writeInventory(invOptions{commandTimeout: "60s", uploadExtra: "  max_attempts: 1\n"})
	ctx, cancel := context.WithTimeout(context.Background(), binTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := f.command(ctx, &stdout, &stderr, "run", "-i", f.inv, "--device", "hang")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the hanging command to start", func() bool { return hang.srv.Stats().Execs > 0 })
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if _, err := os.Stat(filepath.Join(f.out, "lock")); err != nil {
		t.Fatalf("the lock file should still exist after kill -9: %v", err)
	}
	if got := readFile(t, spooled); !bytes.Equal(got, before) {
		t.Errorf("the spooled file changed across kill -9")
	}

	// The new run takes the lock at once and sends what waited in the spool via --pending.
	r := f.run("upload", "-i", f.inv, "--pending")
	wantExit(t, r, exitOK)
	if ups := f.gw.UploadsFor(pending.uuid); len(ups) != 1 || !bytes.Equal(ups[0].Body, before) {
		t.Errorf("after kill -9, --pending sent %d files of the waiting asset", len(ups))
	}
	if n := len(f.gw.UploadsFor(hang.uuid)); n != 0 {
		t.Errorf("the killed run's device was uploaded %d times", n)
	}
	r = f.run("run", "-i", f.inv, "--device", "pending")
	wantExit(t, r, exitOK)
	checkTree(t, f.out)
}

// TestFaultOutputDirNotWritable: the output directory cannot be created; the run says so and
// contacts nothing.
func TestFaultOutputDirNotWritable(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	d := f.addDevice("web01", nil)
	blocker := filepath.Join(f.home, "not-a-dir")
	writeFile(t, blocker, []byte("a file where the output directory should go\n"))
	f.writeInventory(invOptions{outputDir: filepath.Join(blocker, "out")})
	r := f.run("run", "-i", f.inv)
	wantExit(t, r, exitFailures)
	if !strings.Contains(r.stderr, blocker) || !strings.Contains(r.stderr, "not a directory") {
		t.Errorf("stderr does not explain the output directory problem:\n%s", r.stderr)
	}
	if st := d.srv.Stats(); st.Connections != 0 {
		t.Errorf("device contacted although nothing could be written: %+v", st)
	}
}

// TestFaultDiskFull runs with the output directory on a 256 KiB tmpfs and a device whose output
// does not fit: the device fails with a clear write error, nothing half-written remains, and
// nothing of it is uploaded.
func TestFaultDiskFull(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root")
	}
	f := newFixture(t)
	mnt := filepath.Join(f.home, "small")
	if err := os.Mkdir(mnt, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", mnt).Run() })
	big := f.addDevice("big", func(c *sshsim.Config) {
		c.Commands[baseCommands[1]] = sshsim.Stdout(strings.Repeat("0123456789abcdef\n", 40000)) // 680 KB
	})
	small := f.addDevice("small", nil)
	f.writeInventory(invOptions{outputDir: filepath.Join(mnt, "out"), concurrency: 1})
	r := f.run("run", "-i", f.inv)
	wantExit(t, r, exitFailures)
	f.out = filepath.Join(mnt, "out")
	_, rep := f.latest()
	b := rep.device(t, "big")
	if b.Status != "failed" || b.ErrorClass != "write" || !strings.Contains(b.Error, "no space left on device") {
		t.Errorf("big device: %+v", b)
	}
	if n := len(f.gw.UploadsFor(big.uuid)); n != 0 {
		t.Errorf("a file that could not be written was uploaded %d times", n)
	}
	if s := rep.device(t, "small"); s.Status != "ok" || s.Upload.Status != "uploaded" || len(f.gw.UploadsFor(small.uuid)) != 1 {
		t.Errorf("small device: %+v", s)
	}
	checkTree(t, f.out)
}
