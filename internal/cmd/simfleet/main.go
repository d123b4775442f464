// Command simfleet serves a simulated Linux fleet (internal/sshsim devices answering a command
// set with realistic outputs) from its own process, so a benchmark can run the collector as
// another process and measure the collector's CPU and memory alone. It writes a JSON manifest
// (addresses, host keys, the login user and the path of its private key), prints "ready" on
// stdout, and serves until SIGTERM or SIGINT; then it closes every device and, with -stats,
// writes what the devices saw.
//
//	simfleet -devices 200 -commands configs/commands/linux.txt -manifest /tmp/f/manifest.json \
//	         [-latency 50ms [-wan]] [-posix-batch] [-addresses 16] [-max-sessions 10] [-stats /tmp/f/stats.json]
//
// -posix-batch makes the devices run the collector's batch script (`/bin/sh -s`, see
// sshsim.Config.POSIXBatch), so `batch: true` works against them. -wan puts the latency on
// the wire (half each way, every byte) instead of on each channel open and request, so the
// handshake and authentication pay it too.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/oca-collector/collector/internal/bench"
	"github.com/oca-collector/collector/internal/sshsim"
)

// fdsPerDevice is what one device may hold at once: its listener, a forwarder's listener, and
// the two sockets of a proxied connection in flight.
const fdsPerDevice = 4

func main() {
	// SIMFLEET_CPUPROFILE names a file for a CPU profile of the whole run (performance work on
	// the simulator, whose CPU is taken from the collector measured beside it).
	stop := startCPUProfile(os.Getenv("SIMFLEET_CPUPROFILE"))
	code := run(os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// startCPUProfile profiles the process into path (nothing when path is empty) and returns the
// function that ends the profile. A profile that cannot be written is reported on stderr and
// the simulator runs anyway.
func startCPUProfile(path string) (stop func()) {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		if err = pprof.StartCPUProfile(f); err != nil {
			_ = f.Close()
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "simfleet: cpu profile: %v\n", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "simfleet: cpu profile: %v\n", err)
		}
	}
}

type options struct {
	devices     int
	commands    string
	manifest    string
	key         string
	stats       string
	user        string
	latency     time.Duration
	addresses   int
	maxSessions int
	posixBatch  bool
	wan         bool
	verbose     bool
}

func run(args []string, stdout, stderr io.Writer) int {
	var o options
	fs := flag.NewFlagSet("simfleet", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.devices, "devices", 200, "number of simulated devices")
	fs.StringVar(&o.commands, "commands", "", "command set file the devices answer (required)")
	fs.StringVar(&o.manifest, "manifest", "", "where to write the JSON manifest (required)")
	fs.StringVar(&o.key, "key", "", "where to write the login key (default: id_ed25519 beside the manifest)")
	fs.StringVar(&o.stats, "stats", "", "on exit, write the devices' summed statistics here as JSON")
	fs.StringVar(&o.user, "user", "oca", "login user")
	fs.DurationVar(&o.latency, "latency", 0, "simulated round trip per channel open and request")
	fs.IntVar(&o.addresses, "addresses", 0, "spread devices over this many addresses 127.0.1.1, 127.0.1.2, ... (0: all on 127.0.0.1)")
	fs.IntVar(&o.maxSessions, "max-sessions", 0, "channels per connection (0: 10, sshd's default)")
	fs.BoolVar(&o.posixBatch, "posix-batch", false, "devices interpret the collector's batch script on \"/bin/sh -s\"")
	fs.BoolVar(&o.wan, "wan", false, "apply -latency to every byte on the wire (half each way) instead of per channel open and request")
	fs.BoolVar(&o.verbose, "v", false, "debug logs of every connection and command on stderr")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if o.commands == "" || o.manifest == "" || o.devices <= 0 || o.addresses < 0 || o.addresses > 65000 {
		fmt.Fprintln(stderr, "simfleet: -commands and -manifest are required; -devices must be positive, -addresses 0..65000")
		return 2
	}
	if o.key == "" {
		o.key = filepath.Join(filepath.Dir(o.manifest), "id_ed25519")
	}
	level := slog.LevelWarn
	if o.verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if err := serve(o, log, stdout); err != nil {
		fmt.Fprintf(stderr, "simfleet: %v\n", err)
		return 1
	}
	return 0
}

// serve starts the fleet, announces it, and blocks until a signal.
func serve(o options, log *slog.Logger, stdout io.Writer) error {
	if _, err := bench.RaiseNoFile(uint64(o.devices)*fdsPerDevice + 1024); err != nil {
		log.Warn("file descriptor limit", "error", err)
	}
	cmds, err := bench.ReadCommandFile(o.commands)
	if err != nil {
		return err
	}
	signer, pem, err := sshsim.GenerateUserKey()
	if err != nil {
		return err
	}
	if err := os.WriteFile(o.key, pem, 0o600); err != nil {
		return fmt.Errorf("write key: %w", err)
	}
	// Signals are caught before the fleet starts, so a harness that stops us early still gets
	// an orderly close.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)

	fleet, err := bench.StartFleet(bench.FleetConfig{
		Devices: o.devices, Commands: cmds, User: o.user, UserKey: signer.PublicKey(),
		IPs: addresses(o.addresses), Latency: o.latency, MaxSessions: o.maxSessions, Logger: log,
		WAN: o.wan, POSIXBatch: o.posixBatch,
	})
	if err != nil {
		return err
	}
	m := bench.Manifest{
		PID: os.Getpid(), User: o.user, UserKey: o.key, Latency: o.latency.String(),
		MaxSessions: o.maxSessions, Commands: len(cmds), Devices: fleet.Devices(),
	}
	if err := bench.WriteManifest(o.manifest, m); err != nil {
		return errors.Join(err, fleet.Close())
	}
	fmt.Fprintln(stdout, "ready")

	<-sigs
	st := fleet.Stats()
	err = fleet.Close()
	if o.stats != "" {
		data, jerr := json.MarshalIndent(st, "", "  ")
		if jerr == nil {
			jerr = os.WriteFile(o.stats, append(data, '\n'), 0o600)
		}
		err = errors.Join(err, jerr)
	}
	return err
}

// addresses names n loopback addresses from 127.0.1.1 on (the whole of 127.0.0.0/8 is loopback
// on Linux, so no setup is needed).
func addresses(n int) []string {
	ips := make([]string, n)
	for i := range n {
		v := 1<<8 + 1 + i // every 127.0.x.y answers, .0 and .255 included
		ips[i] = fmt.Sprintf("127.0.%d.%d", v>>8&0xff, v&0xff)
	}
	return ips
}
