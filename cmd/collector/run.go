package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/oca-collector/collector/collector"
	"github.com/oca-collector/collector/devices"
	"github.com/oca-collector/collector/internal/fleet"
	"github.com/oca-collector/collector/internal/progress"
)

type runFlags struct {
	inventory   string
	devices     stringList
	groups      stringList
	noUpload    bool
	concurrency int
	outputDir   string
	report      string
	logFormat   string
	verbose     bool
	progress    string
	shard       string
	metricsFile string

	// Set by runCmd from the flags above, not flags themselves.
	shardI, shardN int            // shardN 0: no --shard
	line           *progress.Line // the live progress line; nil when none is drawn
}

func runCmd(args []string, stdout, stderr io.Writer) int {
	var f runFlags
	fs := runFlagSet(&f, stderr)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return flagExit(err)
	}
	if len(pos) > 0 {
		fmt.Fprintf(stderr, "collector run: unexpected argument %q\n", pos[0])
		return exitUsage
	}
	if f.shard != "" {
		if f.shardI, f.shardN, err = devices.ParseShard(f.shard); err != nil {
			fmt.Fprintf(stderr, "collector run: --shard: %v\n", err)
			return exitUsage
		}
	}
	for _, err := range []error{checkProgressFlag(f.progress), checkMetricsFile(f.metricsFile)} {
		if err != nil {
			fmt.Fprintf(stderr, "collector run: %v\n", err)
			return exitUsage
		}
	}
	logOut := stderr
	if f.line = newProgressLine(f.progress, f.logFormat, stderr); f.line != nil {
		logOut = f.line.Writer() // log records print above the line
	}
	log, err := newLogger(logOut, f.logFormat, f.verbose)
	if err != nil {
		fmt.Fprintf(stderr, "collector run: %v\n", err)
		return exitUsage
	}
	if f.concurrency < 0 {
		fmt.Fprintln(stderr, "collector run: --concurrency must not be negative (0 means the inventory's collection.concurrency)")
		return exitUsage
	}
	inv, code := loadInventory(f.inventory, stderr)
	if inv == nil {
		return code
	}
	ctx, stop := signalContext(log)
	defer stop()
	return runFleet(ctx, inv, f, log, stderr)
}

// runFlagSet binds the flags of "collector run" to f. The shipped systemd, cron and
// Kubernetes examples are parsed with it in tests, so their command lines cannot rot.
func runFlagSet(f *runFlags, stderr io.Writer) *flag.FlagSet {
	fs := newFlagSet("run", stderr)
	fs.StringVar(&f.inventory, "i", "", "inventory file (required)")
	fs.StringVar(&f.inventory, "inventory", "", "inventory file (same as -i)")
	fs.Var(&f.devices, "device", "collect only this device (repeatable)")
	fs.Var(&f.groups, "group", "collect only the devices of this group (repeatable)")
	fs.BoolVar(&f.noUpload, "no-upload", false, "collect only; do not upload or spool")
	fs.IntVar(&f.concurrency, "concurrency", 0, "devices in flight (default: the inventory's collection.concurrency)")
	fs.StringVar(&f.outputDir, "output-dir", "", "output directory (default: the inventory's output_dir)")
	fs.StringVar(&f.report, "report", "", "also write the report to this file")
	fs.StringVar(&f.logFormat, "log-format", "text", "log format on stderr: text or json")
	fs.BoolVar(&f.verbose, "v", false, "debug logging")
	fs.StringVar(&f.progress, "progress", progressAuto, "live progress line on stderr: auto (a terminal and text logs), always or never")
	fs.StringVar(&f.shard, "shard", "", "collect only shard `i/n` of the fleet, split by asset UUID hash; i counts from 0 (JOB_COMPLETION_INDEX)")
	fs.StringVar(&f.metricsFile, "metrics-file", "", "after the run, write Prometheus metrics to this file (node_exporter textfile collector)")
	return fs
}

// runFleet is the whole of "collector run" after flag parsing; the demo calls it too, so both
// go through the same code (internal/fleet, which the agent uses as well).
func runFleet(ctx context.Context, inv *devices.Inventory, f runFlags, log *slog.Logger, stderr io.Writer) int {
	targets, err := inv.Select(f.devices, f.groups)
	if err != nil {
		fmt.Fprintf(stderr, "collector run: %v\n", err)
		return exitUsage
	}
	if f.shardN > 0 {
		targets = devices.Shard(targets, f.shardI, f.shardN)
		log.Info("shard selected", "shard", f.shard, "devices", len(targets))
		if len(targets) == 0 {
			log.Warn("this shard holds no device; nothing to collect", "shard", f.shard)
		}
	}
	conc := f.concurrency
	if conc == 0 {
		conc = inv.Collection.Concurrency
	}
	tuneGC(min(conc, max(len(targets), 1)), os.Getenv, log)
	var extra []collector.Option
	if f.line != nil {
		extra = append(extra, collector.WithProgress(f.line))
	}
	outDir := inv.OutputDir
	if f.outputDir != "" {
		outDir = f.outputDir
	}
	out, err := fleet.Run(ctx, inv, fleet.Options{
		Targets: targets, OutputDir: outDir, NoUpload: f.noUpload, Concurrency: f.concurrency,
		ReportFile: f.report, Log: log, Extra: extra,
	})
	if f.line != nil {
		f.line.Finish()
	}
	code := exitFailures
	switch {
	case errors.Is(err, fleet.ErrLocked):
		code = exitLocked
	case errors.Is(err, fleet.ErrSetup):
		code = exitUsage
	case err == nil:
		code = out.Report.ExitCode
		if out.WriteErr != nil {
			code = max(code, exitFailures)
		}
	}
	writeMetrics(f.metricsFile, outDir, out, err, code, log)
	if err != nil {
		fmt.Fprintf(stderr, "collector run: %v\n", err)
		return code
	}
	_ = out.Report.WriteSummary(stderr)
	fmt.Fprintf(stderr, "files: %s\nreport: %s\n", out.RunDir, filepath.Join(out.RunDir, "report.json"))
	return code
}

// signalContext is cancelled by the first SIGINT or SIGTERM: no new device starts, sessions are
// closed, the report is written. A second signal exits at once (the lock dies with the process
// and finished files are already complete: every write is a rename).
func signalContext(log *slog.Logger) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-ch:
			log.Warn("interrupted: stopping new work, closing sessions, writing the report", "signal", sig.String())
			cancel()
		case <-done:
			return
		}
		select {
		case <-ch:
			log.Error("second signal: exiting now")
			os.Exit(exitInterrupted)
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel()
	}
}
