package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/oca-collector/collector/internal/fleet"
	"github.com/oca-collector/collector/internal/metrics"
)

// checkMetricsFile refuses a --metrics-file whose directory does not exist before anything is
// contacted, rather than after an hour-long run.
func checkMetricsFile(path string) error {
	if path == "" {
		return nil
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("--metrics-file: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("--metrics-file: %s is not a directory", dir)
	}
	return nil
}

// writeMetrics writes --metrics-file after a run, whatever its outcome, carrying forward what
// the previous file held (counters, each asset's last success). A run refused because another
// holds the lock writes nothing: the run holding it writes when it finishes. A failure is
// logged and does not change the exit code: the collection itself is what the code reports.
func writeMetrics(path, outDir string, out *fleet.Outcome, runErr error, code int, log *slog.Logger) {
	if path == "" || errors.Is(runErr, fleet.ErrLocked) {
		return
	}
	set := metrics.New()
	if err := set.Restore(path); err != nil {
		log.Warn("metrics: previous file not carried forward", "path", path, "error", err)
	}
	if out == nil {
		set.ObserveRunError(code)
	} else {
		rep := *out.Report
		rep.ExitCode = code
		files, bytes, err := metrics.SpoolStats(filepath.Join(outDir, "spool"))
		if err != nil {
			log.Warn("metrics: spool size unknown", "error", err)
		}
		set.ObserveRun(&rep, files, bytes)
	}
	if err := set.WriteFile(path); err != nil {
		log.Error("could not write the metrics file", "path", path, "error", err)
	}
}
