package collector

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/sourcegraph/conc/pool"

	"github.com/oca-collector/collector/devices"
	"github.com/oca-collector/collector/internal/dirsync"
)

// Runner runs a fleet collection for one inventory. Create it with NewRunner; it is used once.
type Runner struct {
	inv         *devices.Inventory
	log         *slog.Logger
	dialer      Dialer
	uploader    Uploader
	uploadConc  int
	uploadGrace time.Duration // how long an upload in flight may go on after an interruption
	gate        DeviceGate
	outputDir   string
	concurrency int
	now         func() time.Time
	progress    Progress

	runID    string
	runDir   string
	renderer *Renderer
	hostKeys *hostKeys
	pacer    *pacer
	signers  *signerCache // private keys, loaded once per run
	// writeBufs pools *writeBuffers: only the devices writing their files at the moment hold one.
	writeBufs sync.Pool
}

// Option configures a Runner.
type Option func(*Runner)

// WithLogger sets the logger; the default discards.
func WithLogger(l *slog.Logger) Option { return func(r *Runner) { r.log = l } }

// WithDialer replaces the TCP dialer (tests, jump hosts).
func WithDialer(d Dialer) Option { return func(r *Runner) { r.dialer = d } }

// WithUploader hands each finished bulk file to u, with at most concurrency uploads in flight.
// Without it the run only collects.
func WithUploader(u Uploader, concurrency int) Option {
	return func(r *Runner) { r.uploader, r.uploadConc = u, max(concurrency, 1) }
}

// WithUploadGrace sets how long an upload already in flight may go on after the run is
// interrupted (default 10s); uploads not yet started are left in the spool at once.
func WithUploadGrace(d time.Duration) Option {
	return func(r *Runner) { r.uploadGrace = d }
}

// DeviceGate lets the caller hold each device for the length of its collection and upload,
// so that two runs in one process (the agent's schedule and an on-demand request) never work
// on the same device at once. Acquire is called when the device's turn comes; false skips the
// device (reported skipped, class "busy"). Release is called once, when its upload is done or
// was not attempted.
type DeviceGate interface {
	Acquire(dev devices.Device) bool
	Release(dev devices.Device)
}

// WithDeviceGate sets the gate every device passes before it is collected.
func WithDeviceGate(g DeviceGate) Option { return func(r *Runner) { r.gate = g } }

// WithOutputDir overrides the inventory's output_dir (the --output-dir flag).
func WithOutputDir(dir string) Option { return func(r *Runner) { r.outputDir = dir } }

// WithConcurrency overrides collection.concurrency (the --concurrency flag).
func WithConcurrency(n int) Option { return func(r *Runner) { r.concurrency = n } }

// WithClock sets the clock used for the run id (tests).
func WithClock(now func() time.Time) Option { return func(r *Runner) { r.now = now } }

// NewRunner prepares a run of inv. It fails only on a framing that does not parse.
func NewRunner(inv *devices.Inventory, opts ...Option) (*Runner, error) {
	r := &Runner{
		inv:         inv,
		log:         slog.New(slog.DiscardHandler),
		dialer:      &net.Dialer{KeepAlive: 30 * time.Second},
		outputDir:   inv.OutputDir,
		concurrency: inv.Collection.Concurrency,
		now:         time.Now,
		uploadGrace: 10 * time.Second,
		progress:    noProgress{},
	}
	for _, o := range opts {
		o(r)
	}
	r.concurrency = max(r.concurrency, 1)
	var err error
	if r.renderer, err = NewRenderer(inv.Collection.Framing, inv.Collection.Template); err != nil {
		return nil, fmt.Errorf("framing: %w", err)
	}
	r.hostKeys = newHostKeys(r.log)
	r.signers = newSignerCache()
	r.pacer = newPacer(inv.Collection.LoginRate)
	return r, nil
}

// RunDir is the directory of this run's files (set once Run has started).
func (r *Runner) RunDir() string { return r.runDir }

// RunID is the run's id, the UTC start time (set once Run has started).
func (r *Runner) RunID() string { return r.runID }

// Run collects every target, uploading each asset as soon as its bulk file is written, and
// returns one result per target in target order. The error is for the run itself (the run
// directory cannot be created); device failures are in the results. When ctx ends, devices not
// yet started are skipped, running ones are cut short, and Run still returns every result.
func (r *Runner) Run(ctx context.Context, targets []devices.Device) ([]DeviceResult, error) {
	if err := r.makeRunDir(); err != nil {
		return nil, err
	}
	results := make([]DeviceResult, len(targets))
	r.progress.Started(len(targets))

	uploads := make(chan *DeviceResult, len(targets))
	var uwg sync.WaitGroup
	if r.uploader != nil {
		// An interruption stops new uploads at once, but an upload already in flight gets
		// uploadGrace to finish: its file is in the spool either way, and a file the API is
		// receiving right now is better accepted than sent again by the next run.
		sendCtx, cancelSend := context.WithCancel(context.WithoutCancel(ctx))
		defer cancelSend()
		stopGrace := context.AfterFunc(ctx, func() { time.AfterFunc(r.uploadGrace, cancelSend) })
		defer stopGrace()
		for range r.uploadConc {
			uwg.Go(func() {
				for res := range uploads {
					if ctx.Err() != nil {
						res.Upload = UploadResult{Status: UploadPending, Class: "interrupted",
							Err: errors.New("interrupted before the upload; kept in the spool")}
					} else {
						res.Upload = r.uploader.Send(sendCtx, res.Device.AssetUUID)
						r.logUpload(res)
					}
					if r.gate != nil {
						r.gate.Release(*res.Device)
					}
				}
			})
		}
	}

	var staging sync.WaitGroup
	p := pool.New().WithMaxGoroutines(r.concurrency)
	spacing := rampSpacing(r.inv.Collection.RampUp, min(r.concurrency, len(targets)))
	for i := range targets {
		dev := &targets[i]
		if i > 0 && i < r.concurrency {
			// The ramp-up: the first wave starts spread out, so its key exchanges do not all
			// want the CPU (and the devices' AAA servers) in the same millisecond.
			_ = sleepCtx(ctx, spacing) // interrupted: the devices left are marked skipped below
		}
		p.Go(func() {
			if ctx.Err() != nil {
				results[i] = DeviceResult{Device: dev, Status: StatusSkipped, Commands: len(dev.Commands), Failed: len(dev.Commands),
					Err:    classError(ErrInterrupted, errors.New("interrupted before its turn")),
					Upload: UploadResult{Status: UploadSkipped}}
				r.progress.DeviceDone(results[i])
				return
			}
			if r.gate != nil && !r.gate.Acquire(*dev) {
				results[i] = DeviceResult{Device: dev, Status: StatusSkipped, Commands: len(dev.Commands), Failed: len(dev.Commands),
					Err:    classError(ErrBusy, errors.New("another collection of this device is running")),
					Upload: UploadResult{Status: UploadSkipped}}
				r.progress.DeviceDone(results[i])
				return
			}
			queued := false
			if r.gate != nil {
				defer func() {
					if !queued { // a queued upload releases the device when it is done
						r.gate.Release(*dev)
					}
				}()
			}
			res := r.collectDevice(ctx, dev)
			r.logDevice(&res)
			r.progress.DeviceDone(res)
			res.Upload = UploadResult{Status: UploadSkipped}
			results[i] = res
			if r.uploader != nil && r.shouldUpload(&res) {
				// Staging waits for the disk (the bulk file's data, the spool's); it runs
				// beside the pool, so the device's slot goes to the next device meanwhile.
				queued = true
				staging.Go(func() { r.stage(&results[i], uploads) })
			}
		})
	}
	p.Wait()
	staging.Wait()
	close(uploads)
	uwg.Wait()
	r.syncRun()
	if err := r.linkLatest(); err != nil {
		r.log.Warn("could not update runs/latest", "error", err)
	}
	return results, nil
}

// stage puts a collected device's bulk file in the spool and queues its upload; a file that
// cannot be spooled is not uploaded (the report says why) and the device is released.
func (r *Runner) stage(res *DeviceResult, uploads chan<- *DeviceResult) {
	if err := r.uploader.Stage(res.Device.AssetUUID, res.BulkFile, r.runID); err != nil {
		res.Upload = UploadResult{Status: UploadFailed, Err: fmt.Errorf("spool: %w", err)}
		if r.gate != nil {
			r.gate.Release(*res.Device)
		}
		return
	}
	res.Upload = UploadResult{Status: UploadPending}
	uploads <- res
}

// syncRun makes the run directory durable, once for all its files: staging syncs each bulk
// file's data (the spool links it, and fsyncs the spool) but leaves its transcript and the
// run directory's entries to the kernel, which writes them back in large batches meanwhile.
// One syncfs(2) here, before the report is written and runs/latest moves, waits for whatever
// is still in memory. A power loss during the run may cost that run's files (a transcript may
// be left empty or short, and `collector render` then says so), never a spooled bulk file.
func (r *Runner) syncRun() {
	if err := dirsync.SyncFS(r.runDir); err != nil {
		r.log.Warn("could not make the run's transcripts durable", "dir", r.runDir, "error", err)
	}
}

func (r *Runner) shouldUpload(res *DeviceResult) bool {
	switch res.Status {
	case StatusOK:
		return true
	case StatusPartial:
		return r.inv.Collection.UploadPartial && res.BulkFile != ""
	}
	return false
}

// makeRunDir creates <output>/runs/<run-id> (0700). Two runs in the same second get distinct
// directories.
func (r *Runner) makeRunDir() error {
	runs := filepath.Join(r.outputDir, "runs")
	if err := os.MkdirAll(runs, 0o700); err != nil {
		return fmt.Errorf("create output directory: %w", err)
	}
	base := r.now().UTC().Format("20060102T150405Z")
	for n := 0; n < 100; n++ {
		id := base
		if n > 0 {
			id = fmt.Sprintf("%s-%d", base, n)
		}
		dir := filepath.Join(runs, id)
		err := os.Mkdir(dir, 0o700)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("create run directory: %w", err)
		}
		r.runID, r.runDir = id, dir
		return nil
	}
	return fmt.Errorf("create run directory: too many runs named %s", base)
}

// linkLatest points runs/latest at this run, atomically (a new symlink renamed over the old).
func (r *Runner) linkLatest() error {
	runs := filepath.Dir(r.runDir)
	// A name of this run's own: two runs finishing at once (the agent) never share it.
	tmp := filepath.Join(runs, ".latest.tmp-"+r.runID)
	_ = os.Remove(tmp)
	if err := os.Symlink(r.runID, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(runs, "latest")); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return nil
}

func (r *Runner) logDevice(res *DeviceResult) {
	attrs := []any{"device", res.Device.Name, "asset", res.Device.AssetUUID, "host", res.Device.Address(),
		"status", res.Status, "duration", res.Duration.Round(time.Millisecond), "bytes", res.Bytes}
	if res.Err != nil {
		r.log.Warn("device done", append(attrs, "error", res.Err)...)
		return
	}
	r.log.Info("device done", attrs...)
}

func (r *Runner) logUpload(res *DeviceResult) {
	attrs := []any{"device", res.Device.Name, "asset", res.Device.AssetUUID, "status", res.Upload.Status,
		"attempts", res.Upload.Attempts}
	if res.Upload.Err != nil {
		r.log.Warn("upload done", append(attrs, "error", res.Upload.Err)...)
		return
	}
	r.log.Info("upload done", attrs...)
}

// Ramp-up defaults (collection.ramp_up unset): this long between the first wave's starts, and
// the whole wave started within rampMax.
const (
	rampStep = 4 * time.Millisecond
	rampMax  = time.Second
)

// rampSpacing is the pause between starting two devices of the first wave of n (one per
// concurrency slot) for collection.ramp_up rampUp: that long in all, or the default.
func rampSpacing(rampUp time.Duration, n int) time.Duration {
	if n <= 1 || rampUp == 0 {
		return 0
	}
	if rampUp == devices.RampUpAuto {
		return min(rampStep, rampMax/time.Duration(n-1))
	}
	return rampUp / time.Duration(n-1)
}
