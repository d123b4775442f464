package fleet

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/oca-collector/collector/collector"
	"github.com/oca-collector/collector/devices"
	"github.com/oca-collector/collector/internal/runlock"
)

// Options say what one run does.
type Options struct {
	Targets     []devices.Device
	OutputDir   string // "" means the inventory's output_dir
	NoUpload    bool   // collect only: nothing is sent or spooled
	Concurrency int    // 0 means the inventory's collection.concurrency
	ReportFile  string // an extra copy of report.json
	Log         *slog.Logger
	// LockHeld says the caller already holds the output directory's lock (the agent holds it
	// for its lifetime), so Run must not take it again.
	LockHeld bool
	// Collector options added to the runner's (progress reporting, tests).
	Extra []collector.Option
}

// Outcome is a finished run.
type Outcome struct {
	Report *collector.Report
	RunDir string
	// WriteErr is set when the report could not be written (the run itself is in Report).
	WriteErr error
}

// ErrSetup marks errors found before any device was contacted (credentials of the upload
// section, a framing that does not parse): the CLI exits 2 for them.
var ErrSetup = errors.New("setup")

type setupError struct{ err error }

func (e setupError) Error() string        { return e.err.Error() }
func (e setupError) Unwrap() error        { return e.err }
func (e setupError) Is(target error) bool { return target == ErrSetup }

// ErrLocked is runlock.ErrHeld: another run holds the output directory.
var ErrLocked = runlock.ErrHeld

// Run runs one collection of opts.Targets from inv. Device failures are in the report; the
// error is for a run that could not start (lock held, setup problem, output directory).
func Run(ctx context.Context, inv *devices.Inventory, opts Options) (*Outcome, error) {
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	outDir := inv.OutputDir
	if opts.OutputDir != "" {
		outDir = opts.OutputDir
	}
	if !opts.LockHeld {
		lock, err := runlock.Acquire(outDir)
		if err != nil {
			return nil, err
		}
		defer func() { _ = lock.Release() }()
	}
	var up *Uploader
	if inv.Upload != nil && !opts.NoUpload {
		var err error
		if up, err = NewUploader(inv.Upload, outDir, log); err != nil {
			return nil, setupError{err}
		}
		defer up.Close()
	}
	copts := []collector.Option{collector.WithLogger(log), collector.WithOutputDir(outDir)}
	if opts.Concurrency > 0 {
		copts = append(copts, collector.WithConcurrency(opts.Concurrency))
	}
	if up != nil {
		copts = append(copts, collector.WithUploader(up, inv.Upload.Concurrency))
	}
	copts = append(copts, opts.Extra...)
	runner, err := collector.NewRunner(inv, copts...)
	if err != nil {
		return nil, setupError{err}
	}
	started := time.Now()
	log.Info("run started", "devices", len(opts.Targets), "output_dir", outDir, "upload", up != nil)
	results, err := runner.Run(ctx, opts.Targets)
	if err != nil {
		return nil, err
	}
	interrupted := ctx.Err() != nil
	rep := collector.NewReport(runner.RunID(), inv.Path, outDir, started, time.Now(), up != nil, interrupted, results)
	rep.ExitCode = ExitCode(rep)
	rt := collector.ReadRuntime()
	rep.Runtime = &rt
	out := &Outcome{Report: rep, RunDir: runner.RunDir()}
	if err := writeReport(rep, filepath.Join(runner.RunDir(), "report.json")); err != nil {
		out.WriteErr = err
		log.Error("could not write the report", "error", err)
	}
	if opts.ReportFile != "" {
		if err := writeReport(rep, opts.ReportFile); err != nil {
			out.WriteErr = err
			log.Error("could not write the report", "path", opts.ReportFile, "error", err)
		}
	}
	pruneRuns(outDir, inv.Retention.Runs, runner.RunID(), log)
	return out, nil
}

// Exit codes of a finished run (DESIGN.md).
const (
	ExitOK          = 0
	ExitFailures    = 1
	ExitInterrupted = 130
)

// ExitCode is the CLI exit code a report stands for: 130 interrupted, 1 when a device or an
// upload failed, else 0.
func ExitCode(rep *collector.Report) int {
	switch {
	case rep.Interrupted:
		return ExitInterrupted
	case !rep.Success():
		return ExitFailures
	default:
		return ExitOK
	}
}

// pruneRuns applies retention.runs after a run. A failure is logged, not returned: the run
// itself went fine, and the next run tries again.
func pruneRuns(outDir string, keep int, current string, log *slog.Logger) {
	deleted, err := Prune(outDir, keep, current, time.Now())
	if len(deleted) > 0 {
		log.Info("retention: deleted old runs", "runs", len(deleted), "oldest", deleted[0], "keep", keep)
	}
	if err != nil {
		log.Warn("retention: could not delete every old run", "error", err)
	}
}

func writeReport(rep *collector.Report, path string) error {
	return collector.WriteFileAtomic(path, rep.WriteJSON)
}
