package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oca-collector/collector/collector"
	"github.com/oca-collector/collector/devices"
	"github.com/oca-collector/collector/internal/fleet"
	"github.com/oca-collector/collector/upload"
)

const assetsUsage = `Usage:
  collector assets provision -i INVENTORY [--device NAME]... [--group NAME]...
  collector assets status    -i INVENTORY [--device NAME]... [--group NAME]...
`

// Per-device outcomes of "assets provision", the first word of its lines.
const (
	provProvisioned = "provisioned" // OCA returned a UUID; it is in the state file
	provExists      = "exists"      // the device already had a UUID; nothing sent
	provFailed      = "failed"      // refused (or not sendable); nothing was created
	provUnknown     = "unknown"     // the gateway may have created the asset: check before retrying
	provSkipped     = "skipped"     // interrupted before its turn
)

func assetsCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, assetsUsage)
		return exitUsage
	}
	switch args[0] {
	case "provision", "status":
		return assetsRun(args[0], args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, assetsUsage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "collector assets: unknown command %q\n\n%s", args[0], assetsUsage)
		return exitUsage
	}
}

// assetsEnv is what both subcommands work with once flags, inventory and lock are settled.
type assetsEnv struct {
	targets []devices.Device
	client  *upload.Client
	state   *stateFile
	log     *slog.Logger
	out     *lineWriter
	conc    int
	// stateBroken is set once a new UUID could not be recorded: provisioning more would only
	// create more assets nobody knows about.
	stateBroken atomic.Bool
}

func assetsRun(sub string, args []string, stdout, stderr io.Writer) int {
	name := "assets " + sub
	var names, groups stringList
	fs := newFlagSet(name, stderr)
	invPath := fs.String("i", "", "inventory file (required)")
	fs.StringVar(invPath, "inventory", "", "inventory file (same as -i)")
	fs.Var(&names, "device", "only this device (repeatable)")
	fs.Var(&groups, "group", "only the devices of this group (repeatable)")
	logFormat := fs.String("log-format", "text", "log format on stderr: text or json")
	verbose := fs.Bool("v", false, "debug logging")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return flagExit(err)
	}
	if len(pos) > 0 {
		fmt.Fprintf(stderr, "collector %s: unexpected argument %q\n", name, pos[0])
		return exitUsage
	}
	log, err := newLogger(stderr, *logFormat, *verbose)
	if err != nil {
		fmt.Fprintf(stderr, "collector %s: %v\n", name, err)
		return exitUsage
	}
	inv, code := loadInventory(*invPath, stderr)
	if inv == nil {
		return code
	}
	if inv.Upload == nil {
		fmt.Fprintf(stderr, "collector %s: %s has no upload section: the gateway and its credentials are needed\n", name, inv.Path)
		return exitUsage
	}
	targets, err := inv.Select(names, groups)
	if err != nil {
		fmt.Fprintf(stderr, "collector %s: %v\n", name, err)
		return exitUsage
	}
	client, err := fleet.NewClient(inv.Upload, log)
	if err != nil {
		fmt.Fprintf(stderr, "collector %s: %v\n", name, err)
		return exitUsage
	}
	defer client.CloseIdleConnections()
	// The lock keeps two provisionings from creating the same assets, or two commands from
	// overwriting each other's records (a run reading the file meanwhile is safe: every write
	// is a rename).
	lock, code := acquireLock(inv.OutputDir, name, stderr)
	if lock == nil {
		return code
	}
	defer func() { _ = lock.Release() }()
	// Read again under the lock: another provisioning may have finished since Load.
	st, err := devices.ReadAssetState(inv.AssetStateFile)
	if err != nil {
		fmt.Fprintf(stderr, "collector %s: %v\n", name, err)
		return exitFailures
	}
	ctx, stop := signalContext(log)
	defer stop()
	env := &assetsEnv{targets: targets, client: client, log: log, out: &lineWriter{w: stdout},
		state: &stateFile{path: inv.AssetStateFile, st: st}, conc: max(inv.Upload.Concurrency, 1)}
	if sub == "provision" {
		code = env.provision(ctx)
	} else {
		code = env.status(ctx)
	}
	if ctx.Err() != nil {
		return exitInterrupted
	}
	return code
}

// provision provisions every target without an asset UUID, recording each UUID as it arrives.
func (e *assetsEnv) provision(ctx context.Context) int {
	var mu sync.Mutex
	counts := map[string]int{}
	forEach(e.targets, e.conc, func(dev devices.Device) {
		outcome := e.provisionOne(ctx, dev)
		mu.Lock()
		counts[outcome]++
		mu.Unlock()
	})
	e.log.Info("assets provision done", "provisioned", counts[provProvisioned], "exists", counts[provExists],
		"failed", counts[provFailed], "unknown", counts[provUnknown], "skipped", counts[provSkipped], "state_file", e.state.path)
	if counts[provFailed]+counts[provUnknown]+counts[provSkipped] > 0 {
		return exitFailures
	}
	return exitOK
}

// provisionOne handles one device and prints its line; it returns the outcome.
func (e *assetsEnv) provisionOne(ctx context.Context, dev devices.Device) string {
	if id, src := e.currentUUID(dev); id != "" {
		e.out.printf("%-11s %s %s (%s)", provExists, dev.Name, id, src)
		return provExists
	}
	if msg := provisionable(dev); msg != "" {
		e.out.printf("%-11s %s %s", provFailed, dev.Name, msg)
		return provFailed
	}
	if ctx.Err() != nil || e.stateBroken.Load() {
		e.out.printf("%-11s %s not attempted", provSkipped, dev.Name)
		return provSkipped
	}
	req := upload.AssetRequest{HostIP: dev.HostIP, Technology: dev.Technology}
	if _, err := netip.ParseAddr(dev.Host); err != nil {
		req.DNSName = dev.Host
	}
	id, err := e.client.ProvisionAsset(ctx, req)
	switch {
	case errors.Is(err, upload.ErrOutcomeUnknown):
		e.out.printf("%-11s %s %v", provUnknown, dev.Name, err)
		return provUnknown
	case err != nil && ctx.Err() != nil:
		e.out.printf("%-11s %s interrupted: %v", provSkipped, dev.Name, err)
		return provSkipped
	case err != nil:
		e.out.printf("%-11s %s %v", provFailed, dev.Name, err)
		return provFailed
	}
	rec := devices.AssetRecord{AssetUUID: id, HostIP: req.HostIP, Technology: req.Technology, ProvisionedAt: time.Now().UTC()}
	if werr := e.state.update(func(st *devices.AssetState) { st.Assets[dev.Name] = rec }); werr != nil {
		// The asset exists in OCA: print its UUID so it is not lost, and stop creating more.
		e.stateBroken.Store(true)
		e.log.Error("asset provisioned but not recorded", "device", dev.Name, "asset", id, "error", werr)
		e.out.printf("%-11s %s %s provisioned but NOT recorded in %s: %v (add asset_uuid: %s to the device)",
			provUnknown, dev.Name, id, e.state.path, werr, id)
		return provUnknown
	}
	e.out.printf("%-11s %s %s (%s, %s)", provProvisioned, dev.Name, id, req.HostIP, req.Technology)
	return provProvisioned
}

// currentUUID is the device's asset UUID: from the inventory or the state file as loaded, or
// from the state file as re-read under the lock.
func (e *assetsEnv) currentUUID(dev devices.Device) (string, string) {
	if dev.AssetUUID != "" {
		return dev.AssetUUID, dev.AssetSource
	}
	if rec, ok := e.state.get(dev.Name); ok {
		return rec.AssetUUID, devices.AssetFromState
	}
	return "", ""
}

// provisionable says why dev cannot be provisioned, or "" when it can.
func provisionable(dev devices.Device) string {
	switch {
	case dev.HostIP == "":
		return fmt.Sprintf("host %q is not an IP address: set host_ip on the device to the address the Qualys subscription knows it by", dev.Host)
	case dev.Technology == "":
		return fmt.Sprintf("no technology: platform %s has none; set technology on the device as the subscription names it", dev.Platform)
	}
	return ""
}

// status asks the gateway for the provisioning status of every target with an asset UUID and
// records it in the state file (once, at the end: it is a cache, not a record of anything
// created).
func (e *assetsEnv) status(ctx context.Context) int {
	var mu sync.Mutex
	failures := 0
	results := map[string]devices.AssetRecord{}
	forEach(e.targets, e.conc, func(dev devices.Device) {
		id, _ := e.currentUUID(dev)
		var err error
		st := ""
		switch {
		case id == "":
			err = errors.New("no asset_uuid: run `collector assets provision`")
		case ctx.Err() != nil:
			err = errors.New("interrupted before its turn")
		default:
			st, err = e.client.AssetStatus(ctx, id)
		}
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			failures++
			e.out.printf("%s %s error: %v", dev.Name, orDash(id), err)
			return
		}
		e.out.printf("%s %s %s", dev.Name, id, st)
		rec, ok := e.state.get(dev.Name)
		switch {
		case !ok:
			rec = devices.AssetRecord{AssetUUID: id} // an inventory asset_uuid
		case rec.AssetUUID != id:
			return // the file names another asset for it (Load warned): leave that record alone
		}
		rec.Status = st
		results[dev.Name] = rec
	})
	if len(results) > 0 {
		if err := e.state.update(func(st *devices.AssetState) {
			for n, r := range results {
				st.Assets[n] = r
			}
		}); err != nil {
			e.log.Error("could not record the statuses", "state_file", e.state.path, "error", err)
			return exitFailures
		}
	}
	if failures > 0 {
		return exitFailures
	}
	return exitOK
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// forEach runs fn for every device with at most conc at once.
func forEach(targets []devices.Device, conc int, fn func(devices.Device)) {
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	for _, dev := range targets {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			fn(dev)
		})
	}
	wg.Wait()
}

// stateFile is the asset state file being updated: every update rewrites it whole, atomically.
type stateFile struct {
	mu   sync.Mutex
	path string
	st   *devices.AssetState
}

func (s *stateFile) get(name string) (devices.AssetRecord, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.st.Assets[name]
	return rec, ok
}

// update applies change and writes the file (0600, directory 0700) before returning, so what
// it returns nil for survives a crash.
func (s *stateFile) update(change func(*devices.AssetState)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	change(s.st)
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return fmt.Errorf("asset state file: %w", err)
	}
	if err := collector.WriteFileAtomic(s.path, s.st.WriteJSON); err != nil {
		return fmt.Errorf("asset state file: %w", err)
	}
	return nil
}

// lineWriter prints whole lines from concurrent workers.
type lineWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lineWriter) printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, format+"\n", args...)
}
