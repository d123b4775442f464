package metrics

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/oca-collector/collector/collector"
	"github.com/oca-collector/collector/devices"
)

const (
	uuidA = "1c0f5a2e-1111-4222-8333-444455556666"
	uuidB = "2c0f5a2e-1111-4222-8333-444455556666"
	uuidC = "3c0f5a2e-1111-4222-8333-444455556666"
	uuidD = "4c0f5a2e-1111-4222-8333-444455556666"
)

var started = time.Date(2026, 12, 3, 16, 0, 0, 0, time.UTC)

func dev(name, uuid string) *devices.Device {
	return &devices.Device{Name: name, Host: "192.0.2.1", Port: 22, AssetUUID: uuid}
}

// sampleReport is a run of four devices: one uploaded, one collected but refused by the API,
// one that failed to connect, one partial; 90.5 s long.
func sampleReport() *collector.Report {
	results := []collector.DeviceResult{
		{Device: dev("web01", uuidA), Status: collector.StatusOK, Bytes: 1000,
			Upload: collector.UploadResult{Status: collector.UploadUploaded, Attempts: 1}},
		{Device: dev("web02", uuidB), Status: collector.StatusOK, Bytes: 500,
			Upload: collector.UploadResult{Status: collector.UploadFailed, Attempts: 1, Err: errors.New("ERR-2070")}},
		{Device: dev("sw1", uuidC), Status: collector.StatusFailed, Err: errors.New("dial: refused"),
			Upload: collector.UploadResult{Status: collector.UploadSkipped}},
		{Device: dev("sw2", uuidD), Status: collector.StatusPartial, Bytes: 20,
			Upload: collector.UploadResult{Status: collector.UploadSkipped}},
	}
	rep := collector.NewReport("20261203T160000Z", "inv.yaml", "/out", started, started.Add(90500*time.Millisecond), true, false, results)
	rep.ExitCode = 1
	return rep
}

const sampleText = `# HELP oca_collector_asset_last_success_timestamp_seconds When each asset was last collected in full and, when uploading, accepted by the API (Unix time).
# TYPE oca_collector_asset_last_success_timestamp_seconds gauge
oca_collector_asset_last_success_timestamp_seconds{asset="1c0f5a2e-1111-4222-8333-444455556666",device="web01"} 1.7963136905e+09
# HELP oca_collector_devices Devices of the last run by collection status (ok, partial, failed, skipped).
# TYPE oca_collector_devices gauge
oca_collector_devices{status="failed"} 1
oca_collector_devices{status="ok"} 2
oca_collector_devices{status="partial"} 1
oca_collector_devices{status="skipped"} 0
# HELP oca_collector_last_successful_run_timestamp_seconds When the last run with exit code 0 finished (Unix time).
# TYPE oca_collector_last_successful_run_timestamp_seconds gauge
oca_collector_last_successful_run_timestamp_seconds 0
# HELP oca_collector_run_bytes Bytes of bulk files written by the last run.
# TYPE oca_collector_run_bytes gauge
oca_collector_run_bytes 1520
# HELP oca_collector_run_duration_seconds Wall time of the last run.
# TYPE oca_collector_run_duration_seconds gauge
oca_collector_run_duration_seconds 90.5
# HELP oca_collector_run_exit_code Exit code of the last run: 0 success, 1 failures, 2 setup error, 130 interrupted.
# TYPE oca_collector_run_exit_code gauge
oca_collector_run_exit_code 1
# HELP oca_collector_run_finished_timestamp_seconds When the last run finished (Unix time).
# TYPE oca_collector_run_finished_timestamp_seconds gauge
oca_collector_run_finished_timestamp_seconds 1.7963136905e+09
# HELP oca_collector_runs_total Runs by result (success, failures, interrupted, error).
# TYPE oca_collector_runs_total counter
oca_collector_runs_total{result="error"} 0
oca_collector_runs_total{result="failures"} 1
oca_collector_runs_total{result="interrupted"} 0
oca_collector_runs_total{result="success"} 0
# HELP oca_collector_spool_bytes Bytes of the bulk files waiting in the spool.
# TYPE oca_collector_spool_bytes gauge
oca_collector_spool_bytes 520
# HELP oca_collector_spool_files Bulk files waiting in the spool for the API to accept them.
# TYPE oca_collector_spool_files gauge
oca_collector_spool_files 2
# HELP oca_collector_uploads Devices of the last run by upload status (uploaded, pending, failed, skipped).
# TYPE oca_collector_uploads gauge
oca_collector_uploads{status="failed"} 1
oca_collector_uploads{status="pending"} 0
oca_collector_uploads{status="skipped"} 2
oca_collector_uploads{status="uploaded"} 1
`

// TestWriteFileExposition pins the whole text a sample run produces: names, help, types,
// labels, zeros for the statuses nobody had, and only the uploaded asset as a success.
func TestWriteFileExposition(t *testing.T) {
	s := New()
	s.ObserveRun(sampleReport(), 2, 520)
	path := filepath.Join(t.TempDir(), "oca-collector.prom")
	if err := s.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != sampleText {
		t.Errorf("exposition:\n%s\nwant:\n%s", got, sampleText)
	}
	// The registry and the file agree: what the agent serves is what the CLI writes.
	if err := testutil.GatherAndCompare(s.Registry(), strings.NewReader(sampleText)); err != nil {
		t.Error(err)
	}
}

// TestWriteFileAtomicReadable: 0644 whatever the umask, the old file replaced whole, no
// temporary file left, and an unwritable directory reported without touching the old file.
func TestWriteFileAtomicReadable(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "oca-collector.prom")
	if err := os.WriteFile(path, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := New()
	s.ObserveRun(sampleReport(), 0, 0)
	if err := s.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v, %v; want 0644", st.Mode(), err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the metrics file: %v", len(entries), entries)
	}
	if err := s.WriteFile(filepath.Join(dir, "missing", "x.prom")); err == nil || !strings.Contains(err.Error(), "metrics write") {
		t.Errorf("write into a missing directory: %v", err)
	}
	if os.Geteuid() != 0 { // root writes anywhere
		if err := os.Chmod(dir, 0o500); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.Chmod(dir, 0o700) })
		if err := s.WriteFile(path); err == nil {
			t.Error("write into a read-only directory succeeded")
		}
	}
	got, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(got), "# HELP oca_collector_asset_last_success") {
		t.Errorf("file after the failed writes:\n%s", got)
	}
}

// TestRestoreCarriesForward: each run is a new process restoring the file the last one wrote.
// Counters add up, a renamed device replaces its asset's series, and an asset that fails keeps
// the timestamp of its last success.
func TestRestoreCarriesForward(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.prom")
	first := New()
	first.ObserveRun(sampleReport(), 2, 520)
	if err := first.WriteFile(path); err != nil {
		t.Fatal(err)
	}

	// A day later: web01 was renamed web01-new, and web02 is accepted this time.
	later := started.Add(24 * time.Hour)
	second := New()
	if err := second.Restore(path); err != nil {
		t.Fatal(err)
	}
	second.ObserveRun(collector.NewReport("r2", "inv.yaml", "/out", later, later.Add(10*time.Second), true, false,
		[]collector.DeviceResult{
			{Device: dev("web01-new", uuidA), Status: collector.StatusOK, Upload: collector.UploadResult{Status: collector.UploadUploaded}},
			{Device: dev("web02", uuidB), Status: collector.StatusOK, Upload: collector.UploadResult{Status: collector.UploadUploaded}},
		}), 0, 0)
	if err := second.WriteFile(path); err != nil {
		t.Fatal(err)
	}

	// Two days later web01-new fails, then a run cannot even start.
	third := New()
	if err := third.Restore(path); err != nil {
		t.Fatal(err)
	}
	muchLater := started.Add(48 * time.Hour)
	rep := collector.NewReport("r3", "inv.yaml", "/out", muchLater, muchLater.Add(time.Second), true, false,
		[]collector.DeviceResult{{Device: dev("web01-new", uuidA), Status: collector.StatusFailed,
			Upload: collector.UploadResult{Status: collector.UploadSkipped}}})
	rep.ExitCode = 1
	third.ObserveRun(rep, 0, 0)
	third.ObserveRunError(2)

	laterTS := float64(later.Add(10*time.Second).UnixMilli()) / 1e3
	want := map[[2]string]float64{{uuidA, "web01-new"}: laterTS, {uuidB, "web02"}: laterTS}
	if n := testutil.CollectAndCount(third.assetLastSuccess); n != len(want) {
		t.Errorf("%d asset series, want %d (the old name must be gone)", n, len(want))
	}
	for k, v := range want {
		if got := testutil.ToFloat64(third.assetLastSuccess.WithLabelValues(k[0], k[1])); got != v {
			t.Errorf("last success %v = %v, want %v", k, got, v)
		}
	}
	for result, v := range map[string]float64{ResultFailures: 2, ResultSuccess: 1, ResultError: 1, ResultInterrupted: 0} {
		if got := testutil.ToFloat64(third.runs.WithLabelValues(result)); got != v {
			t.Errorf("runs_total{result=%q} = %v, want %v", result, got, v)
		}
	}
	if got := testutil.ToFloat64(third.lastSuccessfulRun); got != laterTS {
		t.Errorf("last successful run %v, want %v", got, laterTS)
	}
	if got := testutil.ToFloat64(third.runExitCode); got != 2 {
		t.Errorf("exit code %v, want 2", got)
	}
	// The run that could not start left the last run's device counts as they were.
	if got := testutil.ToFloat64(third.devices.WithLabelValues(collector.StatusFailed)); got != 1 {
		t.Errorf("devices{failed} = %v, want 1", got)
	}
}

func TestRestoreEdgeCases(t *testing.T) {
	dir := t.TempDir()
	if err := New().Restore(filepath.Join(dir, "none.prom")); err != nil {
		t.Errorf("missing file: %v", err)
	}
	bad := filepath.Join(dir, "bad.prom")
	if err := os.WriteFile(bad, []byte("oca_collector_runs_total{result=\"success\" 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := New().Restore(bad); err == nil || !strings.Contains(err.Error(), "metrics restore") {
		t.Errorf("garbled file: %v", err)
	}
	odd := filepath.Join(dir, "odd.prom")
	src := "other_metric 5\noca_collector_runs_total{result=\"success\",extra=\"x\"} 7\noca_collector_spool_files 3\n" +
		"oca_collector_asset_last_success_timestamp_seconds{asset=\"" + uuidA + "\"} 9\n"
	if err := os.WriteFile(odd, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	s := New()
	if err := s.Restore(odd); err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(s.runs.WithLabelValues(ResultSuccess)); got != 0 {
		t.Errorf("a series with unexpected labels was restored: %v", got)
	}
	if got := testutil.ToFloat64(s.spoolFiles); got != 3 {
		t.Errorf("untyped spool_files not restored: %v", got)
	}
	if n := testutil.CollectAndCount(s.assetLastSuccess); n != 0 {
		t.Errorf("asset series without a device label restored: %d", n)
	}
}

func TestSpoolStats(t *testing.T) {
	dir := t.TempDir()
	if n, b, err := SpoolStats(filepath.Join(dir, "absent")); n != 0 || b != 0 || err != nil {
		t.Errorf("absent spool: %d %d %v", n, b, err)
	}
	files := map[string]string{
		uuidA + ".txt":           "12345",
		uuidA + ".json":          "{}",
		uuidB + ".txt":           "123",
		uuidB + ".txt.tmp-12345": "partial",
		"notes.txt":              "stranger",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, uuidC+".txt"), 0o700); err != nil {
		t.Fatal(err)
	}
	n, b, err := SpoolStats(dir)
	if n != 2 || b != 8 || err != nil {
		t.Errorf("SpoolStats = %d files, %d bytes, %v; want 2, 8", n, b, err)
	}
	if _, _, err := SpoolStats(filepath.Join(dir, uuidA+".txt")); err == nil {
		t.Error("a file as the spool directory: no error")
	}
}

func TestHandler(t *testing.T) {
	s := New()
	s.ObserveRun(sampleReport(), 2, 520)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if err := testutil.ScrapeAndCompare(srv.URL, strings.NewReader(sampleText), NameDevices, NameAssetLastSuccess); err != nil {
		t.Error(err)
	}
}
