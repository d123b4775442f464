package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/oca-collector/collector/collector"
)

// target is one device of a generated inventory.
type target struct {
	Name string
	Host string
	Port int
}

// inventorySpec is what a benchmark varies in the collector's inventory; everything else is
// the collector's default, so the benchmark measures what users get.
type inventorySpec struct {
	Targets     []target
	User        string
	Key         string
	KnownHosts  string
	CommandFile string
	Concurrency int
	MaxSessions int   // 0: default
	Batch       *bool // nil: default (batch on POSIX platforms)
	Gateway     *gateway
}

// assetUUID is the asset of the i-th device of every benchmark inventory.
func assetUUID(i int) string { return fmt.Sprintf("6f1c2b3a-4d5e-4f60-8a7b-%012d", i+1) }

// writeInventory writes dir/inventory.yaml for s; the output directory is dir/out.
func writeInventory(tb testing.TB, dir string, s inventorySpec) string {
	tb.Helper()
	devs := make([]map[string]any, 0, len(s.Targets))
	for i, t := range s.Targets {
		devs = append(devs, map[string]any{"name": t.Name, "host": t.Host, "port": t.Port, "asset_uuid": assetUUID(i)})
	}
	collection := map[string]any{"concurrency": s.Concurrency}
	if s.MaxSessions > 0 {
		collection["max_sessions"] = s.MaxSessions
	}
	defaults := map[string]any{"credential": "bench", "platform": "linux", "command_set": "linux"}
	if s.Batch != nil {
		defaults["batch"] = *s.Batch
	}
	inv := map[string]any{
		"version":      1,
		"output_dir":   filepath.Join(dir, "out"),
		"collection":   collection,
		"ssh":          map[string]any{"known_hosts": s.KnownHosts, "host_key_policy": "strict"},
		"credentials":  map[string]any{"bench": map[string]any{"username": s.User, "private_key": s.Key}},
		"command_sets": map[string]any{"linux": map[string]any{"file": s.CommandFile}},
		"defaults":     defaults,
		"devices":      devs,
	}
	if s.Gateway != nil {
		inv["upload"] = map[string]any{"gateway": s.Gateway.URL, "username_env": gatewayUserEnv, "password_env": gatewayPassEnv}
	}
	b, err := yaml.Marshal(inv)
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(dir, "inventory.yaml")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// collectorRun is one measured `collector run`.
type collectorRun struct {
	Proc   procStats
	Report *collector.Report
	Stderr string // path of the captured stderr
}

// runCollector runs the built collector on an inventory in its own fresh directory and
// decodes its report. The run must exit 0: every device collected (and uploaded, with a
// gateway).
func runCollector(tb testing.TB, bin, inventory string, gw *gateway, timeout time.Duration, args ...string) collectorRun {
	tb.Helper()
	dir := filepath.Dir(inventory)
	run := collectorRun{Stderr: filepath.Join(dir, "collector.stderr")}
	report := filepath.Join(dir, "report.json")
	_ = os.Remove(report)
	// Each run starts from an empty output directory: no spool or resume from the last one.
	// The last run's is moved aside rather than deleted (see keptDir).
	out := filepath.Join(dir, "out")
	if _, err := os.Lstat(out); err == nil {
		if err := os.Rename(out, fmt.Sprintf("%s.%d", out, time.Now().UnixNano())); err != nil {
			tb.Fatal(err)
		}
	}
	errf, err := os.Create(run.Stderr)
	if err != nil {
		tb.Fatal(err)
	}
	defer errf.Close()
	cmd := exec.Command(bin, append([]string{"run", "-i", inventory, "--report", report, "--log-format", "json"}, args...)...)
	cmd.Dir = dir
	cmd.Env = baseEnv(dir)
	if gw != nil {
		cmd.Env = append(cmd.Env, gatewayUserEnv+"="+gatewayUser, gatewayPassEnv+"="+gw.Password)
	}
	cmd.Stderr = errf
	run.Proc, err = measure(cmd, timeout)
	if err != nil {
		tb.Fatalf("collector: %v\n%s", err, tail(run.Stderr, 20))
	}
	data, err := os.ReadFile(report)
	if err != nil {
		tb.Fatalf("collector exited %d without a report: %v\n%s", run.Proc.ExitCode, err, tail(run.Stderr, 20))
	}
	if keep := os.Getenv("BENCH_KEEP_REPORTS"); keep != "" {
		// Performance work: every run's report.json and stderr, for per-device timings.
		stamp := time.Now().UnixNano()
		_ = os.WriteFile(filepath.Join(keep, fmt.Sprintf("report-%d.json", stamp)), data, 0o600)
		if logs, err := os.ReadFile(run.Stderr); err == nil {
			_ = os.WriteFile(filepath.Join(keep, fmt.Sprintf("stderr-%d.log", stamp)), logs, 0o600)
		}
	}
	run.Report = new(collector.Report)
	if err := json.Unmarshal(data, run.Report); err != nil {
		tb.Fatalf("collector report: %v", err)
	}
	if run.Proc.ExitCode != 0 {
		tb.Fatalf("collector exited %d; %s\n%s", run.Proc.ExitCode, summarize(run.Report), tail(run.Stderr, 20))
	}
	return run
}

// checkComplete fails unless every device is ok with every command recorded, and (with
// uploads) uploaded.
func checkComplete(tb testing.TB, rep *collector.Report, devices, commands int, uploads bool) {
	tb.Helper()
	if rep.Totals.Devices != devices || rep.Totals.OK != devices {
		tb.Fatalf("report: %s; want %d devices ok", summarize(rep), devices)
	}
	for _, d := range rep.Devices {
		if d.Commands.Total != commands || d.Commands.Failed != 0 {
			tb.Fatalf("device %s: %d commands, %d not completed; want %d all completed", d.Name, d.Commands.Total, d.Commands.Failed, commands)
		}
		if uploads && d.Upload.Status != collector.UploadUploaded {
			tb.Fatalf("device %s: upload %s %s", d.Name, d.Upload.Status, d.Upload.Error)
		}
	}
	if rep.Runtime == nil {
		tb.Fatal("report has no runtime section")
	}
}

func summarize(rep *collector.Report) string {
	t := rep.Totals
	s := fmt.Sprintf("%d devices: %d ok, %d partial, %d failed, %d skipped; uploaded %d", t.Devices, t.OK, t.Partial, t.Failed, t.Skipped, t.Uploaded)
	for _, d := range rep.Devices {
		if d.Status != collector.StatusOK {
			return s + "; first problem: " + d.Name + ": " + d.Error
		}
	}
	return s
}

// deviceDurations returns every device's duration in the report, sorted.
func deviceDurations(rep *collector.Report) []time.Duration {
	out := make([]time.Duration, 0, len(rep.Devices))
	for _, d := range rep.Devices {
		out = append(out, time.Duration(d.DurationMS)*time.Millisecond)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// metrics are a benchmark's custom metrics in the order they are reported.
type metrics struct {
	names []string
	vals  map[string][]float64
}

func (m *metrics) add(name string, v float64) {
	if m.vals == nil {
		m.vals = map[string][]float64{}
	}
	if _, ok := m.vals[name]; !ok {
		m.names = append(m.names, name)
	}
	m.vals[name] = append(m.vals[name], v)
}

// value combines a metric's samples over the iterations: the largest for maxima and peaks,
// else the mean.
func (m *metrics) value(name string) float64 {
	vs := m.vals[name]
	if len(vs) == 0 {
		return 0
	}
	if isPeak(name) {
		return slices.Max(vs)
	}
	sum := 0.0
	for _, v := range vs {
		sum += v
	}
	return sum / float64(len(vs))
}

func isPeak(name string) bool {
	return len(name) > 4 && (name[:5] == "peak_" || name[len(name)-4:] == "_max")
}

// report hands every metric to the benchmark.
func (m *metrics) report(b *testing.B) {
	for _, n := range m.names {
		b.ReportMetric(m.value(n), n)
	}
}

// addCollector records the collector's own costs for one run over n devices.
func (m *metrics) addCollector(prefix string, r collectorRun, n int) {
	m.add(prefix+"wall_s", r.Proc.Wall.Seconds())
	m.add(prefix+"devices_per_s", float64(n)/r.Proc.Wall.Seconds())
	m.add(prefix+"cpu_ms_per_device", ms(r.Proc.CPU())/float64(n))
	m.add(prefix+"cpu_user_ms_per_device", ms(r.Proc.User)/float64(n))
	m.add(prefix+"cpu_sys_ms_per_device", ms(r.Proc.Sys)/float64(n))
	m.add(prefix+"disk_settle_s", r.Proc.Settle.Seconds())
	if rt := r.Report.Runtime; rt != nil {
		m.add(prefix+"peak_rss_mb", float64(rt.MaxRSSKB)/1024)
		m.add(prefix+"goroutines_end", float64(rt.Goroutines))
		m.add(prefix+"fds_end", float64(rt.OpenFDs))
	}
	ds := deviceDurations(r.Report)
	if len(ds) > 0 {
		m.add(prefix+"device_ms_p50", ms(ds[len(ds)/2]))
		m.add(prefix+"device_ms_max", ms(ds[len(ds)-1]))
	}
}

// addBaseline records a baseline's client costs over n devices, and what its run cost the
// devices (addDeviceSide).
func (m *metrics) addBaseline(name string, p procStats, n int) {
	m.add(name+"_wall_s", p.Wall.Seconds())
	m.add(name+"_cpu_ms_per_device", ms(p.CPU())/float64(n))
	m.addDeviceSide(name+"_", p, n)
}

// addRatios records collector/baseline for wall time and CPU.
func (m *metrics) addRatios(name string, collectorRun collectorRun, base procStats) {
	m.add("wall_ratio_"+name, collectorRun.Proc.Wall.Seconds()/base.Wall.Seconds())
	m.add("cpu_ratio_"+name, ms(collectorRun.Proc.CPU())/max(ms(base.CPU()), 1e-3))
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// knownHosts writes a manifest's known_hosts into dir.
func writeKnownHosts(tb testing.TB, dir string, m Manifest) string {
	tb.Helper()
	kh, err := m.KnownHosts()
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(dir, "known_hosts")
	if err := os.WriteFile(path, kh, 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// simTargets turns a manifest's devices into inventory targets.
func simTargets(m Manifest) []target {
	out := make([]target, len(m.Devices))
	for i, d := range m.Devices {
		out[i] = target{Name: d.Name, Host: d.Host, Port: d.Port}
	}
	return out
}

// transcriptSample is how many devices' transcripts a run's check reads (the first, the last and
// evenly spaced between): enough to catch a systematic loss without parsing gigabytes.
const transcriptSample = 20

// checkTranscripts reads a sample of the devices' transcripts and hands every command record to
// check, which returns why a record is wrong or "". The report's counts say every command
// completed; this proves the outputs and exit statuses themselves were kept.
func checkTranscripts(tb testing.TB, rep *collector.Report, commands int, check func(device string, rec collector.CommandRecord) string) {
	tb.Helper()
	n := len(rep.Devices)
	step := max(1, n/transcriptSample)
	for i := 0; i < n; i += step {
		checkTranscript(tb, rep.Devices[i], commands, check)
	}
	if n > 0 && (n-1)%step != 0 {
		checkTranscript(tb, rep.Devices[n-1], commands, check)
	}
}

func checkTranscript(tb testing.TB, d collector.DeviceReport, commands int, check func(string, collector.CommandRecord) string) {
	tb.Helper()
	tr, err := collector.ReadTranscript(d.Transcript)
	if err != nil {
		tb.Fatalf("device %s: %v", d.Name, err)
	}
	if len(tr.Commands) != commands {
		tb.Fatalf("device %s: transcript holds %d commands, want %d", d.Name, len(tr.Commands), commands)
	}
	for _, rec := range tr.Commands {
		if !rec.Completed() || rec.ExitStatus < 0 || rec.Truncated {
			tb.Fatalf("device %s: command %q: exit %d, error %q, truncated %v", d.Name, rec.Command, rec.ExitStatus, rec.Error, rec.Truncated)
		}
		if why := check(d.Name, rec); why != "" {
			tb.Fatalf("device %s: command %q: %s", d.Name, rec.Command, why)
		}
	}
}
