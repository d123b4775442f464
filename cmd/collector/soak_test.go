package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/oca-collector/collector/collector"
	"github.com/oca-collector/collector/devices"
	"github.com/oca-collector/collector/internal/fakegateway"
	"github.com/oca-collector/collector/internal/fleet"
	"github.com/oca-collector/collector/internal/sshsim"
)

// TestSoakFleetWithFaults runs 2,000 simulated devices, about 5% of them faulty, through
// collection and upload against a gateway that injects rate limits, server errors and resets.
// Every healthy asset must be uploaded exactly once, every faulty one reported with its class,
// nothing left in the spool, memory bounded, and no goroutine or file descriptor leaked.
func TestSoakFleetWithFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test: skipped with -short")
	}
	n := 2000
	if raceEnabled() {
		n = 600 // the race detector multiplies memory and CPU by ~5-10x; same mix, smaller fleet
	}
	dir := t.TempDir()
	signer, pem, err := sshsim.GenerateUserKey()
	if err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(dir, "id_ed25519")
	writeFile(t, keyPath, pem)
	t.Setenv("SOAK_QUALYS_PASSWORD", fakegateway.DefaultPassword)

	gw := fakegateway.New(t)
	users := map[string]sshsim.User{"oca": {AuthorizedKeys: []ssh.PublicKey{signer.PublicKey()}}}
	healthy := sshsim.Config{Users: users, Commands: map[string]sshsim.Response{
		"uname -a":            sshsim.Stdout("Linux host 6.1.0 x86_64 GNU/Linux\n"),
		"cat /etc/os-release": sshsim.Stdout("ID=debian\nVERSION_ID=\"12\"\n"),
		"sshd -T":             sshsim.Stdout("permitrootlogin no\npasswordauthentication no\n"),
	}}
	hostKey := sshsim.NewHostKey() // one key for the fleet keeps known_hosts small to build
	healthy.HostKey = hostKey

	type kind int
	const (
		ok kind = iota
		refused
		authFail
		hang
		drop
	)
	want := map[kind]struct{ status, class string }{
		ok:       {"ok", ""},
		refused:  {"failed", "connect"},
		authFail: {"failed", "auth"},
		hang:     {"partial", "timeout"},
		drop:     {"partial", "disconnect"},
	}
	var known []byte
	inv := &devices.Inventory{
		Path: filepath.Join(dir, "inventory.yaml"), Dir: dir, Version: 1, OutputDir: filepath.Join(dir, "out"),
		Collection: devices.Collection{
			// Generous deadlines: the simulators share this process's CPU (and the race
			// detector's), and only the "hang" devices should ever reach command_timeout.
			Concurrency: 64, ConnectTimeout: 30 * time.Second, CommandTimeout: 5 * time.Second,
			MaxSessions: 4, DeviceTimeout: 60 * time.Second, Retries: 0, Framing: devices.FramingMarkers,
			MaxOutputBytes: 1 << 20, MaxDeviceBytes: 4 << 20,
		},
		Upload: &devices.Upload{Gateway: gw.URL, Username: fakegateway.DefaultUsername, PasswordEnv: "SOAK_QUALYS_PASSWORD",
			AssetFlowType: "DEFAULT", Concurrency: 4, Timeout: 5 * time.Second},
	}
	kinds := make([]kind, n)
	for i := range n {
		k := ok
		switch i % 100 {
		case 7:
			k = refused
		case 23:
			k = authFail
		case 41:
			k = hang
		case 67, 89:
			k = drop
		}
		kinds[i] = k
		cfg := healthy
		var addr string
		switch k {
		case refused:
			addr = refusedAddr(t)
		case authFail:
			cfg.Users = map[string]sshsim.User{"oca": {Password: "only-a-password"}}
		case hang:
			cfg.Commands = map[string]sshsim.Response{"uname -a": sshsim.Stdout("x\n"), "cat /etc/os-release": {Hang: true}, "sshd -T": sshsim.Stdout("y\n")}
		case drop:
			cfg.Commands = map[string]sshsim.Response{"uname -a": sshsim.Stdout("x\n"), "cat /etc/os-release": {Output: []sshsim.Chunk{{Data: "ID=deb"}}, DisconnectAfter: 3}, "sshd -T": sshsim.Stdout("y\n")}
			cfg.MaxSessions = 1
		}
		if addr == "" {
			srv := sshsim.New(t, cfg)
			addr = srv.Addr()
			known = append(known, srv.KnownHostsLine()+"\n"...)
		}
		host, port := splitAddr(t, addr)
		inv.Devices = append(inv.Devices, devices.Device{
			Name: fmt.Sprintf("dev%04d", i), Host: host, Port: port,
			AssetUUID: fmt.Sprintf("50a50000-4a5b-4c6d-8e7f-%012x", i), Platform: "linux",
			Commands: []string{"uname -a", "cat /etc/os-release", "sshd -T"}, MaxSessions: 4,
			Credential: devices.Credential{Name: "key", Username: "oca", PrivateKey: keyPath},
			SSH:        devices.SSH{KnownHosts: filepath.Join(dir, "known_hosts"), HostKeyPolicy: devices.HostKeyStrict},
		})
		if k == drop {
			inv.Devices[i].MaxSessions = 1
		}
	}
	writeFile(t, filepath.Join(dir, "known_hosts"), known)
	// Gateway faults on the healthy assets: rate limits, server errors, resets, an expired token.
	for i := 0; i < n; i += 50 {
		uuid := inv.Devices[i].AssetUUID
		switch (i / 50) % 4 {
		case 0:
			gw.Script(uuid, fakegateway.TooManyRequests("0", ""))
		case 1:
			gw.Script(uuid, fakegateway.Status(503, ""))
		case 2:
			gw.Script(uuid, fakegateway.Reset())
		case 3:
			gw.Script(uuid, fakegateway.ExpireToken())
		}
	}

	runtime.GC()
	baseG := runtime.NumGoroutine()
	baseFDs := openFDs(t)
	log := slog.New(slog.DiscardHandler)
	up, err := fleet.NewUploader(inv.Upload, inv.OutputDir, log)
	if err != nil {
		t.Fatal(err)
	}
	runner, err := collector.NewRunner(inv, collector.WithLogger(log), collector.WithUploader(up, inv.Upload.Concurrency))
	if err != nil {
		t.Fatal(err)
	}
	peak := sampleHeap(t)
	start := time.Now()
	results, err := runner.Run(context.Background(), inv.Devices)
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	peakHeap := peak()
	up.Close() // as runFleet does: keep-alive connections to the gateway are not a leak

	for i, r := range results {
		w := want[kinds[i]]
		if r.Status != w.status || collector.ErrorClass(r.Err) != w.class {
			t.Errorf("%s (kind %d): status %s class %q err %v; want %s %q", r.Device.Name, kinds[i], r.Status, collector.ErrorClass(r.Err), r.Err, w.status, w.class)
		}
		wantUpload := collector.UploadSkipped
		if kinds[i] == ok {
			wantUpload = collector.UploadUploaded
		}
		if r.Upload.Status != wantUpload {
			t.Errorf("%s: upload %+v, want %s", r.Device.Name, r.Upload, wantUpload)
		}
		got := len(gw.UploadsFor(r.Device.AssetUUID))
		if (kinds[i] == ok) != (got == 1) || got > 1 {
			t.Errorf("%s: gateway accepted %d uploads", r.Device.Name, got)
		}
	}
	if entries, err := up.Spool().List(); err != nil || len(entries) != 0 {
		t.Errorf("spool after the run: %d entries (%v)", len(entries), err)
	}
	t.Logf("%d devices in %s (%.0f devices/s), peak heap %.1f MiB", n, elapsed.Round(time.Millisecond),
		float64(n)/elapsed.Seconds(), float64(peakHeap)/(1<<20))
	// Outputs are streamed to disk: memory must not grow with the fleet. 3 commands of a few
	// bytes per device; allow generous slack for the simulators living in this process too.
	if limit := uint64(512 << 20); peakHeap > limit {
		t.Errorf("peak heap %d MiB > %d MiB", peakHeap>>20, limit>>20)
	}
	waitFor(t, "goroutines to return to the baseline", func() bool { return runtime.NumGoroutine() <= baseG+5 })
	waitFor(t, "file descriptors to return to the baseline", func() bool { return openFDs(t) <= baseFDs+5 })
}

func openFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count file descriptors: %v", err)
	}
	return len(entries)
}

// sampleHeap samples the heap every 20 ms until the returned function is called, which
// reports the peak.
func sampleHeap(t *testing.T) func() uint64 {
	t.Helper()
	stop := make(chan struct{})
	done := make(chan uint64)
	go func() {
		var peak uint64
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-tick.C:
			case <-stop:
				done <- peak
				return
			}
		}
	}()
	return func() uint64 { close(stop); return <-done }
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; goroutines by creator:\n%s", what, goroutineSummary())
		}
		time.Sleep(20 * time.Millisecond) // polling, bounded by the deadline
	}
}

// goroutineSummary counts live goroutines by the function that created them, which is what a
// leak report needs (a full dump of thousands of idle simulators is unreadable).
func goroutineSummary() string {
	buf := make([]byte, 64<<20)
	buf = buf[:runtime.Stack(buf, true)]
	counts := map[string]int{}
	for _, g := range strings.Split(string(buf), "\n\n") {
		if i := strings.Index(g, "created by "); i >= 0 {
			line := g[i+len("created by "):]
			if j := strings.IndexByte(line, '\n'); j >= 0 {
				line = line[:j]
			}
			counts[line]++
		}
	}
	var b strings.Builder
	for k, v := range counts {
		fmt.Fprintf(&b, "%6d %s\n", v, k)
	}
	return b.String()
}

// refusedAddr is an address where nothing listens, on 127.0.0.3, which no simulator binds, so
// the port cannot be handed to a simulator started later (sshsim.ClosedPort's caveat).
func refusedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.3:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}
