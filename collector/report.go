package collector

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"
)

// Report is report.json (DESIGN.md "Report"): totals, then one entry per device. It carries
// messages and counts, never a secret: errors here come from our own wrapping, and credentials
// are only ever referenced by name.
type Report struct {
	RunID       string    `json:"run_id"`
	Inventory   string    `json:"inventory"`
	OutputDir   string    `json:"output_dir"`
	Started     time.Time `json:"started"`
	Finished    time.Time `json:"finished"`
	DurationMS  int64     `json:"duration_ms"`
	Interrupted bool      `json:"interrupted"`
	Upload      bool      `json:"upload"` // an upload stage ran
	ExitCode    int       `json:"exit_code"`
	Totals      Totals    `json:"totals"`
	// Runtime is the collector process's own footprint when the report was written; nil in
	// reports built outside a run (render, tests).
	Runtime *Runtime       `json:"runtime,omitempty"`
	Devices []DeviceReport `json:"devices"`
}

// Runtime is what the run cost the collector process itself, so an unattended run's report
// shows leaks (goroutines and descriptors still open after every device finished) and cost
// (peak memory, CPU) without a profiler, and benchmarks read them from the same place.
type Runtime struct {
	Goroutines int   `json:"goroutines"`
	OpenFDs    int   `json:"open_fds"` // -1 when the platform cannot list them
	MaxRSSKB   int64 `json:"max_rss_kb"`
	CPUUserMS  int64 `json:"cpu_user_ms"`
	CPUSysMS   int64 `json:"cpu_sys_ms"`
}

// ReadRuntime measures the calling process now: goroutines, open file descriptors (Linux
// /proc/self/fd, else /dev/fd), peak RSS and CPU times.
func ReadRuntime() Runtime {
	rt := Runtime{Goroutines: runtime.NumGoroutine(), OpenFDs: openFDs(), MaxRSSKB: peakRSSKB()}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		if rt.MaxRSSKB < 0 {
			rt.MaxRSSKB = int64(ru.Maxrss) //nolint:unconvert // int32 on 32-bit platforms
			if runtime.GOOS == "darwin" {
				rt.MaxRSSKB /= 1024 // bytes there, kilobytes elsewhere
			}
		}
		rt.CPUUserMS = time.Duration(ru.Utime.Nano()).Milliseconds()
		rt.CPUSysMS = time.Duration(ru.Stime.Nano()).Milliseconds()
	}
	return rt
}

// peakRSSKB is Linux's VmHWM, or -1 where there is none. getrusage's ru_maxrss is not used
// on Linux: it carries over the peak of the address space that exec replaced, so a collector
// started by a big process that spawns with vfork (as every Go program's os/exec does) would
// report its parent's peak instead of its own.
func peakRSSKB() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			if _, err := fmt.Sscanf(strings.TrimSpace(v), "%d kB", &kb); err == nil {
				return kb
			}
		}
	}
	return -1
}

// openFDs counts the process's open descriptors, not counting the one used to list them.
func openFDs() int {
	for _, dir := range []string{"/proc/self/fd", "/dev/fd"} {
		if entries, err := os.ReadDir(dir); err == nil {
			return len(entries) - 1
		}
	}
	return -1
}

// Totals sums the devices by status and by upload status.
type Totals struct {
	Devices       int   `json:"devices"`
	OK            int   `json:"ok"`
	Partial       int   `json:"partial"`
	Failed        int   `json:"failed"`
	Skipped       int   `json:"skipped"`
	Uploaded      int   `json:"uploaded"`
	UploadPending int   `json:"upload_pending"`
	UploadFailed  int   `json:"upload_failed"`
	UploadSkipped int   `json:"upload_skipped"`
	Commands      int   `json:"commands"`
	CommandsFail  int   `json:"commands_failed"`
	Bytes         int64 `json:"bytes"`
}

// DeviceReport is one device's line in the report.
type DeviceReport struct {
	Name       string        `json:"name"`
	Host       string        `json:"host"`
	Port       int           `json:"port"`
	AssetUUID  string        `json:"asset_uuid"`
	Status     string        `json:"status"`
	Error      string        `json:"error,omitempty"`
	ErrorClass string        `json:"error_class,omitempty"`
	Attempts   int           `json:"attempts"`
	Commands   CommandCounts `json:"commands"`
	Bytes      int64         `json:"bytes"`
	DurationMS int64         `json:"duration_ms"`
	BulkFile   string        `json:"bulk_file,omitempty"`
	Transcript string        `json:"transcript,omitempty"`
	Upload     UploadReport  `json:"upload"`
}

// CommandCounts counts a device's commands.
type CommandCounts struct {
	Total       int `json:"total"`
	Failed      int `json:"failed"`       // did not complete
	NonzeroExit int `json:"nonzero_exit"` // completed with a non-zero status (kept as evidence)
}

// UploadReport is what became of a device's upload.
type UploadReport struct {
	Status     string `json:"status"`
	Attempts   int    `json:"attempts"`
	Error      string `json:"error,omitempty"`
	ErrorClass string `json:"error_class,omitempty"`
}

// NewReport builds the report of a run from its results, sorted by device name.
func NewReport(runID, inventory, outputDir string, started, finished time.Time, upload, interrupted bool, results []DeviceResult) *Report {
	rep := &Report{
		RunID: runID, Inventory: inventory, OutputDir: outputDir, Started: started.UTC(), Finished: finished.UTC(),
		DurationMS: finished.Sub(started).Milliseconds(), Interrupted: interrupted, Upload: upload,
		Devices: make([]DeviceReport, 0, len(results)),
	}
	for _, res := range results {
		d := DeviceReport{
			Name: res.Device.Name, Host: res.Device.Host, Port: res.Device.Port, AssetUUID: res.Device.AssetUUID,
			Status: res.Status, Attempts: res.Attempts,
			Commands:   CommandCounts{Total: res.Commands, Failed: res.Failed, NonzeroExit: res.NonzeroExit},
			Bytes:      res.Bytes,
			DurationMS: res.Duration.Milliseconds(),
			BulkFile:   res.BulkFile, Transcript: res.TranscriptFile,
			Upload: UploadReport{Status: res.Upload.Status, Attempts: res.Upload.Attempts},
		}
		if res.Err != nil {
			d.Error, d.ErrorClass = res.Err.Error(), ErrorClass(res.Err)
		}
		if res.Upload.Err != nil {
			d.Upload.Error = res.Upload.Err.Error()
			d.Upload.ErrorClass = res.Upload.Class
		}
		rep.add(d)
	}
	sort.Slice(rep.Devices, func(i, j int) bool { return rep.Devices[i].Name < rep.Devices[j].Name })
	return rep
}

func (r *Report) add(d DeviceReport) {
	r.Devices = append(r.Devices, d)
	t := &r.Totals
	t.Devices++
	switch d.Status {
	case StatusOK:
		t.OK++
	case StatusPartial:
		t.Partial++
	case StatusFailed:
		t.Failed++
	default:
		t.Skipped++
	}
	switch d.Upload.Status {
	case UploadUploaded:
		t.Uploaded++
	case UploadPending:
		t.UploadPending++
	case UploadFailed:
		t.UploadFailed++
	default:
		t.UploadSkipped++
	}
	t.Commands += d.Commands.Total
	t.CommandsFail += d.Commands.Failed
	t.Bytes += d.Bytes
}

// Success reports whether every device was collected and, when uploading, uploaded.
func (r *Report) Success() bool {
	t := r.Totals
	if t.OK != t.Devices {
		return false
	}
	return !r.Upload || t.Uploaded == t.Devices
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteSummary writes one line per device and a totals line, for people reading stderr.
func (r *Report) WriteSummary(w io.Writer) error {
	width := 6
	for _, d := range r.Devices {
		width = max(width, len(d.Name))
	}
	var b strings.Builder
	for _, d := range r.Devices {
		fmt.Fprintf(&b, "%-8s %-*s %s  %d/%d cmds", d.Status, width, d.Name, d.AssetUUID,
			d.Commands.Total-d.Commands.Failed, d.Commands.Total)
		if d.Commands.NonzeroExit > 0 {
			fmt.Fprintf(&b, " (%d non-zero exit)", d.Commands.NonzeroExit)
		}
		fmt.Fprintf(&b, "  %s  %s", humanBytes(d.Bytes), (time.Duration(d.DurationMS) * time.Millisecond).String())
		if r.Upload {
			fmt.Fprintf(&b, "  upload %s", d.Upload.Status)
			if d.Upload.Error != "" {
				fmt.Fprintf(&b, " (%s)", d.Upload.Error)
			}
		}
		if d.Error != "" {
			fmt.Fprintf(&b, "  error: %s", d.Error)
		}
		b.WriteByte('\n')
	}
	t := r.Totals
	fmt.Fprintf(&b, "run %s: %d devices: %d ok, %d partial, %d failed, %d skipped", r.RunID, t.Devices, t.OK, t.Partial, t.Failed, t.Skipped)
	if r.Upload {
		fmt.Fprintf(&b, "; uploads: %d uploaded, %d pending, %d failed, %d skipped", t.Uploaded, t.UploadPending, t.UploadFailed, t.UploadSkipped)
	}
	fmt.Fprintf(&b, "; %s in %s\n", humanBytes(t.Bytes), (time.Duration(r.DurationMS) * time.Millisecond).String())
	_, err := io.WriteString(w, b.String())
	return err
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%d B", n)
	}
}
