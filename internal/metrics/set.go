package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/oca-collector/collector/collector"
)

// Metric names, public because dashboards and alerts are written against them.
const (
	NameDevices           = "oca_collector_devices"
	NameUploads           = "oca_collector_uploads"
	NameRunDuration       = "oca_collector_run_duration_seconds"
	NameRunBytes          = "oca_collector_run_bytes"
	NameRunFinished       = "oca_collector_run_finished_timestamp_seconds"
	NameRunExitCode       = "oca_collector_run_exit_code"
	NameLastSuccessfulRun = "oca_collector_last_successful_run_timestamp_seconds"
	NameRuns              = "oca_collector_runs_total"
	NameSpoolFiles        = "oca_collector_spool_files"
	NameSpoolBytes        = "oca_collector_spool_bytes"
	NameAssetLastSuccess  = "oca_collector_asset_last_success_timestamp_seconds"
)

// Values of the runs_total "result" label.
const (
	ResultSuccess     = "success"     // exit 0
	ResultFailures    = "failures"    // exit 1: a device or an upload failed
	ResultInterrupted = "interrupted" // exit 130
	ResultError       = "error"       // the run could not start (setup, output directory)
)

// deviceStatuses and uploadStatuses are always exported, zeros included, so that a query like
// oca_collector_devices{status="failed"} > 0 has a series to look at after a clean run.
var (
	deviceStatuses = []string{collector.StatusOK, collector.StatusPartial, collector.StatusFailed, collector.StatusSkipped}
	uploadStatuses = []string{collector.UploadUploaded, collector.UploadPending, collector.UploadFailed, collector.UploadSkipped}
	runResults     = []string{ResultSuccess, ResultFailures, ResultInterrupted, ResultError}
)

// Set is the collector's metrics in a registry of its own. It is safe for concurrent use: the
// agent observes runs while /metrics is scraped.
type Set struct {
	reg *prometheus.Registry

	devices           *prometheus.GaugeVec
	uploads           *prometheus.GaugeVec
	runDuration       prometheus.Gauge
	runBytes          prometheus.Gauge
	runFinished       prometheus.Gauge
	runExitCode       prometheus.Gauge
	lastSuccessfulRun prometheus.Gauge
	runs              *prometheus.CounterVec
	spoolFiles        prometheus.Gauge
	spoolBytes        prometheus.Gauge
	assetLastSuccess  *prometheus.GaugeVec

	mu sync.Mutex
	// assetDevice is the device name each asset's last-success series carries, so a renamed
	// device replaces its series instead of leaving a stale twin behind.
	assetDevice map[string]string
	// lastSuccess is each asset's last success, kept to take the later of a restored and an
	// observed value.
	lastSuccess map[string]float64
}

// New returns a Set with every metric registered and the per-status series at zero.
func New() *Set {
	s := &Set{
		reg: prometheus.NewRegistry(),
		devices: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: NameDevices,
			Help: "Devices of the last run by collection status (ok, partial, failed, skipped)."}, []string{"status"}),
		uploads: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: NameUploads,
			Help: "Devices of the last run by upload status (uploaded, pending, failed, skipped)."}, []string{"status"}),
		runDuration: prometheus.NewGauge(prometheus.GaugeOpts{Name: NameRunDuration,
			Help: "Wall time of the last run."}),
		runBytes: prometheus.NewGauge(prometheus.GaugeOpts{Name: NameRunBytes,
			Help: "Bytes of bulk files written by the last run."}),
		runFinished: prometheus.NewGauge(prometheus.GaugeOpts{Name: NameRunFinished,
			Help: "When the last run finished (Unix time)."}),
		runExitCode: prometheus.NewGauge(prometheus.GaugeOpts{Name: NameRunExitCode,
			Help: "Exit code of the last run: 0 success, 1 failures, 2 setup error, 130 interrupted."}),
		lastSuccessfulRun: prometheus.NewGauge(prometheus.GaugeOpts{Name: NameLastSuccessfulRun,
			Help: "When the last run with exit code 0 finished (Unix time)."}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: NameRuns,
			Help: "Runs by result (success, failures, interrupted, error)."}, []string{"result"}),
		spoolFiles: prometheus.NewGauge(prometheus.GaugeOpts{Name: NameSpoolFiles,
			Help: "Bulk files waiting in the spool for the API to accept them."}),
		spoolBytes: prometheus.NewGauge(prometheus.GaugeOpts{Name: NameSpoolBytes,
			Help: "Bytes of the bulk files waiting in the spool."}),
		assetLastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: NameAssetLastSuccess,
			Help: "When each asset was last collected in full and, when uploading, accepted by the API (Unix time)."},
			[]string{"asset", "device"}),
		assetDevice: map[string]string{},
		lastSuccess: map[string]float64{},
	}
	s.reg.MustRegister(s.devices, s.uploads, s.runDuration, s.runBytes, s.runFinished, s.runExitCode,
		s.lastSuccessfulRun, s.runs, s.spoolFiles, s.spoolBytes, s.assetLastSuccess)
	for _, st := range deviceStatuses {
		s.devices.WithLabelValues(st)
	}
	for _, st := range uploadStatuses {
		s.uploads.WithLabelValues(st)
	}
	for _, r := range runResults {
		s.runs.WithLabelValues(r)
	}
	return s
}

// Registry is the Set's registry, for an HTTP handler (promhttp.HandlerFor) or extra collectors.
func (s *Set) Registry() *prometheus.Registry { return s.reg }

// ObserveRun records a finished run (any exit code) and the spool's size after it. The
// per-asset last-success series of assets not in this run keep their values, so a device that
// has been failing for days still has its old timestamp to alert on.
func (s *Set) ObserveRun(rep *collector.Report, spoolFiles int, spoolBytes int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := rep.Totals
	for st, n := range map[string]int{collector.StatusOK: t.OK, collector.StatusPartial: t.Partial,
		collector.StatusFailed: t.Failed, collector.StatusSkipped: t.Skipped} {
		s.devices.WithLabelValues(st).Set(float64(n))
	}
	for st, n := range map[string]int{collector.UploadUploaded: t.Uploaded, collector.UploadPending: t.UploadPending,
		collector.UploadFailed: t.UploadFailed, collector.UploadSkipped: t.UploadSkipped} {
		s.uploads.WithLabelValues(st).Set(float64(n))
	}
	finished := unixSeconds(rep.Finished)
	s.runDuration.Set(rep.Finished.Sub(rep.Started).Seconds())
	s.runBytes.Set(float64(t.Bytes))
	s.runFinished.Set(finished)
	s.runExitCode.Set(float64(rep.ExitCode))
	s.runs.WithLabelValues(runResult(rep)).Inc()
	if rep.ExitCode == 0 && !rep.Interrupted {
		s.lastSuccessfulRun.Set(finished)
	}
	s.spoolFiles.Set(float64(spoolFiles))
	s.spoolBytes.Set(float64(spoolBytes))
	for _, d := range rep.Devices {
		if succeeded(rep, d) {
			s.setAssetSuccess(d.AssetUUID, d.Name, finished)
		}
	}
}

// ObserveRunError records a run that could not start (a setup problem, an unwritable output
// directory): the last run's gauges are left as they were, so they still describe the last
// run that did something.
func (s *Set) ObserveRunError(exitCode int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runExitCode.Set(float64(exitCode))
	s.runs.WithLabelValues(ResultError).Inc()
}

// setAssetSuccess keeps the later of the known and the new timestamp of asset; the caller holds
// s.mu.
func (s *Set) setAssetSuccess(asset, device string, ts float64) {
	if ts < s.lastSuccess[asset] {
		return
	}
	if old, ok := s.assetDevice[asset]; ok && old != device {
		s.assetLastSuccess.DeleteLabelValues(asset, old)
	}
	s.assetDevice[asset] = device
	s.lastSuccess[asset] = ts
	s.assetLastSuccess.WithLabelValues(asset, device).Set(ts)
}

// succeeded is a device whose evidence reached its destination: collected in full and, when
// the run uploads, accepted by the API.
func succeeded(rep *collector.Report, d collector.DeviceReport) bool {
	if d.Status != collector.StatusOK || d.AssetUUID == "" {
		return false
	}
	return !rep.Upload || d.Upload.Status == collector.UploadUploaded
}

func runResult(rep *collector.Report) string {
	switch {
	case rep.Interrupted:
		return ResultInterrupted
	case rep.ExitCode == 0:
		return ResultSuccess
	default:
		return ResultFailures
	}
}

// unixSeconds is t as Unix time with millisecond precision (what Prometheus timestamps carry).
func unixSeconds(t time.Time) float64 { return float64(t.UnixMilli()) / 1e3 }
