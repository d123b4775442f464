package metrics

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// fileMode lets node_exporter, which runs as another user, read the file. It holds counts,
// timestamps, asset UUIDs and device names: no secret and no device output.
const fileMode = 0o644

// maxRestore bounds how much of an earlier metrics file Restore reads; a fleet's worth of
// per-asset series is a few MiB at most.
const maxRestore = 64 << 20

// WriteFile writes the Set in the Prometheus text format to path, atomically: a temporary file
// in the same directory (a dot name without the .prom suffix, which node_exporter's textfile
// collector skips) is written, made 0644, synced and renamed over path, so a scrape sees the
// old file or the new one, never half of one.
func (s *Set) WriteFile(path string) (err error) {
	mfs, err := s.reg.Gather()
	if err != nil {
		return fmt.Errorf("metrics gather: %w", err)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("metrics write: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriter(f)
	for _, mf := range mfs {
		if _, err = expfmt.MetricFamilyToText(bw, mf); err != nil {
			return fmt.Errorf("metrics write: %w", err)
		}
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("metrics write: %w", err)
	}
	if err = f.Chmod(fileMode); err != nil {
		return fmt.Errorf("metrics write: %w", err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("metrics write: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("metrics write: %w", err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("metrics write: %w", err)
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync() // the rename is done; a lost directory sync costs one scrape's freshness at most
		_ = d.Close()
	}
	return nil
}

// Restore loads what an earlier WriteFile left at path into a fresh Set, so that a collector
// that starts anew for every run (cron, a systemd timer) still carries counters and each
// asset's last success forward. A missing file is not an error; series of other names or with
// unexpected labels are ignored. Call it before the first Observe.
func (s *Set) Restore(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("metrics restore: %w", err)
	}
	defer func() { _ = f.Close() }() // opened read-only: a close error loses nothing
	parser := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := parser.TextToMetricFamilies(io.LimitReader(f, maxRestore))
	if err != nil {
		return fmt.Errorf("metrics restore %s: %w", path, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, mf := range mfs {
		for _, m := range mf.GetMetric() {
			s.restore(name, labelMap(m), value(mf.GetType(), m))
		}
	}
	return nil
}

// restore puts back one sample; the caller holds s.mu.
func (s *Set) restore(name string, labels map[string]string, v float64) {
	plain := map[string]interface{ Set(float64) }{
		NameRunDuration: s.runDuration, NameRunBytes: s.runBytes, NameRunFinished: s.runFinished,
		NameRunExitCode: s.runExitCode, NameLastSuccessfulRun: s.lastSuccessfulRun,
		NameSpoolFiles: s.spoolFiles, NameSpoolBytes: s.spoolBytes,
	}
	switch {
	case plain[name] != nil && len(labels) == 0:
		plain[name].Set(v)
	case name == NameDevices && len(labels) == 1 && labels["status"] != "":
		s.devices.WithLabelValues(labels["status"]).Set(v)
	case name == NameUploads && len(labels) == 1 && labels["status"] != "":
		s.uploads.WithLabelValues(labels["status"]).Set(v)
	case name == NameRuns && len(labels) == 1 && labels["result"] != "" && v > 0:
		s.runs.WithLabelValues(labels["result"]).Add(v)
	case name == NameAssetLastSuccess && len(labels) == 2 && labels["asset"] != "" && labels["device"] != "":
		s.setAssetSuccess(labels["asset"], labels["device"], v)
	}
}

func labelMap(m *dto.Metric) map[string]string {
	out := make(map[string]string, len(m.GetLabel()))
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// value is a sample's value; the text format declares a family's type, and a file written by
// hand may have left it untyped.
func value(t dto.MetricType, m *dto.Metric) float64 {
	switch t {
	case dto.MetricType_COUNTER:
		return m.GetCounter().GetValue()
	case dto.MetricType_GAUGE:
		return m.GetGauge().GetValue()
	default:
		return m.GetUntyped().GetValue()
	}
}
