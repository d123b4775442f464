package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"

	"github.com/oca-collector/collector/collector"
	"github.com/oca-collector/collector/internal/fleet"
	"github.com/oca-collector/collector/upload"
)

func uploadCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("upload", stderr)
	invPath := fs.String("i", "", "inventory file (required)")
	fs.StringVar(invPath, "inventory", "", "inventory file (same as -i)")
	pending := fs.Bool("pending", false, "send every file waiting in the spool")
	asset := fs.String("asset", "", "send FILE as the bulk file of this asset UUID")
	outputDir := fs.String("output-dir", "", "output directory (default: the inventory's output_dir)")
	logFormat := fs.String("log-format", "text", "log format on stderr: text or json")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return flagExit(err)
	}
	switch {
	case *pending && *asset != "":
		fmt.Fprintln(stderr, "collector upload: use either --pending or --asset UUID FILE, not both")
		return exitUsage
	case *pending && len(pos) > 0:
		fmt.Fprintf(stderr, "collector upload: unexpected argument %q with --pending\n", pos[0])
		return exitUsage
	case *asset != "" && len(pos) != 1:
		fmt.Fprintln(stderr, "collector upload: --asset UUID needs exactly one FILE.txt")
		return exitUsage
	case !*pending && *asset == "":
		fmt.Fprintln(stderr, "collector upload: say --pending or --asset UUID FILE.txt")
		return exitUsage
	case *asset != "" && !upload.ValidAssetUUID(*asset):
		fmt.Fprintf(stderr, "collector upload: --asset %q is not a UUID\n", *asset)
		return exitUsage
	}
	log, err := newLogger(stderr, *logFormat, false)
	if err != nil {
		fmt.Fprintf(stderr, "collector upload: %v\n", err)
		return exitUsage
	}
	inv, code := loadInventory(*invPath, stderr)
	if inv == nil {
		return code
	}
	if inv.Upload == nil {
		fmt.Fprintf(stderr, "collector upload: %s has no upload section\n", inv.Path)
		return exitUsage
	}
	outDir := inv.OutputDir
	if *outputDir != "" {
		outDir = *outputDir
	}
	// The lock keeps a drain from racing a scheduled run that is sending the same assets.
	lock, code := acquireLock(outDir, "upload", stderr)
	if lock == nil {
		return code
	}
	defer func() { _ = lock.Release() }()
	up, err := fleet.NewUploader(inv.Upload, outDir, log)
	if err != nil {
		fmt.Fprintf(stderr, "collector upload: %v\n", err)
		return exitUsage
	}
	defer up.Close()
	ctx, stop := signalContext(log)
	defer stop()

	var assets []string
	if *asset != "" {
		file := pos[0]
		if filepath.Ext(file) != ".txt" {
			log.Warn("the OCA API accepts only .txt files; the file is sent as <asset>.txt whatever its name", "file", file)
		}
		if err := up.Stage(*asset, file, "manual"); err != nil {
			fmt.Fprintf(stderr, "collector upload: %v\n", err)
			return exitFailures
		}
		assets = []string{*asset}
	} else {
		entries, err := up.Spool().List()
		if err != nil {
			fmt.Fprintf(stderr, "collector upload: spool: %v\n", err)
			return exitFailures
		}
		for _, e := range entries {
			assets = append(assets, e.AssetUUID)
		}
		if len(assets) == 0 {
			fmt.Fprintln(stdout, "spool is empty: nothing to upload")
			return exitOK
		}
	}
	results := sendAll(ctx, up, assets, inv.Upload.Concurrency, log)
	code = exitOK
	for i, a := range assets {
		r := results[i]
		line := fmt.Sprintf("%-8s %s  attempts %d", r.Status, a, r.Attempts)
		if r.Err != nil {
			line += "  error: " + r.Err.Error()
		}
		fmt.Fprintln(stdout, line)
		if r.Status != collector.UploadUploaded {
			code = exitFailures
		}
	}
	if ctx.Err() != nil {
		return exitInterrupted
	}
	return code
}

// sendAll sends the assets' spooled files with at most conc uploads in flight.
func sendAll(ctx context.Context, up *fleet.Uploader, assets []string, conc int, log *slog.Logger) []collector.UploadResult {
	results := make([]collector.UploadResult, len(assets))
	sem := make(chan struct{}, max(conc, 1))
	var wg sync.WaitGroup
	for i, a := range assets {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			results[i] = up.Send(ctx, a)
			log.Info("upload done", "asset", a, "status", results[i].Status, "attempts", results[i].Attempts)
		})
	}
	wg.Wait()
	return results
}
