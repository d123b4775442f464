package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// simParams sizes one simulated fleet and the collector run against it.
type simParams struct {
	Devices     int
	Concurrency int
	Latency     time.Duration
	Addresses   int // 127.0.x.y addresses to spread over; 0 = all on 127.0.0.1
	MaxSessions int // the inventory's collection.max_sessions; 0 = the collector's default
	// Exec runs the devices `batch: false` (one exec channel per command); by default they
	// run batch mode against simfleet -posix-batch.
	Exec bool
	// WAN puts Latency on the wire (simfleet -wan): every exchange pays it, the handshake too.
	WAN bool
	// Discard uploads into a counting sink instead of the fake gateway's records, which keep
	// every body in memory (3 GB for ten thousand devices).
	Discard bool
}

// simFleet is a running simfleet process.
type simFleet struct {
	Manifest Manifest
	dir      string
	log      string
	stats    string
	cmd      *exec.Cmd
	exited   chan error // receives Wait's result once
	stopped  bool
	final    FleetStats
}

// startSimFleet runs simfleet for p and waits for its "ready" line; the process is stopped
// (SIGTERM, then SIGKILL after a deadline) when the test ends, if not before.
func startSimFleet(tb testing.TB, bin, commandFile string, p simParams) *simFleet {
	tb.Helper()
	dir := keptDir(tb)
	s := &simFleet{dir: dir, log: filepath.Join(dir, "simfleet.log"), stats: filepath.Join(dir, "stats.json"), exited: make(chan error, 1)}
	manifest := filepath.Join(dir, "manifest.json")
	logf, err := os.Create(s.log)
	if err != nil {
		tb.Fatal(err)
	}
	defer logf.Close()
	r, w, err := os.Pipe()
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	args := []string{"-devices", strconv.Itoa(p.Devices), "-commands", commandFile,
		"-manifest", manifest, "-stats", s.stats, "-latency", p.Latency.String(), "-addresses", strconv.Itoa(p.Addresses)}
	if !p.Exec {
		args = append(args, "-posix-batch")
	}
	if p.WAN {
		args = append(args, "-wan")
	}
	s.cmd = exec.Command(bin, args...)
	s.cmd.Env = baseEnv(dir)
	s.cmd.Stdout, s.cmd.Stderr = w, logf
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = s.cmd.Start()
	w.Close() // the child holds the write end now; EOF tells us it died
	if err != nil {
		tb.Fatalf("start simfleet: %v", err)
	}
	go func() { s.exited <- s.cmd.Wait() }()
	tb.Cleanup(func() { s.stop(tb) })

	ready := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(r).ReadString('\n')
		if err == nil && line != "ready\n" {
			err = fmt.Errorf("unexpected first line %q", line)
		}
		ready <- err
	}()
	// A thousand devices start in well under a second; ten thousand in a few.
	timeout := 30*time.Second + time.Duration(p.Devices)*time.Millisecond
	select {
	case err := <-ready:
		if err != nil {
			tb.Fatalf("simfleet did not come up: %v\n%s", err, tail(s.log, 20))
		}
	case <-time.After(timeout):
		r.Close() // unblocks the reader
		tb.Fatalf("simfleet not ready after %s\n%s", timeout, tail(s.log, 20))
	}
	if s.Manifest, err = ReadManifest(manifest); err != nil {
		tb.Fatal(err)
	}
	if len(s.Manifest.Devices) != p.Devices {
		tb.Fatalf("simfleet manifest lists %d devices, want %d", len(s.Manifest.Devices), p.Devices)
	}
	return s
}

// stop ends simfleet and returns what its devices saw. Calling it again returns the same.
func (s *simFleet) stop(tb testing.TB) FleetStats {
	tb.Helper()
	if s.stopped {
		return s.final
	}
	s.stopped = true
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.exited:
		if err != nil {
			tb.Errorf("simfleet exited with %v\n%s", err, tail(s.log, 20))
			return s.final
		}
	case <-time.After(2 * time.Minute):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.exited
		tb.Errorf("simfleet did not stop within 2m of SIGTERM; killed\n%s", tail(s.log, 20))
		return s.final
	}
	data, err := os.ReadFile(s.stats)
	if err == nil {
		err = json.Unmarshal(data, &s.final)
	}
	if err != nil {
		tb.Errorf("simfleet stats: %v", err)
	}
	return s.final
}
