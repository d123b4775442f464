package agent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oca-collector/collector/collector"
	"github.com/oca-collector/collector/devices"
	"github.com/oca-collector/collector/internal/fleet"
	"github.com/oca-collector/collector/internal/metrics"
)

// What started a run.
const (
	TriggerAPI      = "api"
	TriggerSchedule = "schedule"
)

// Run statuses in the API.
const (
	StatusRunning = "running"
	StatusDone    = "done"   // the run finished; device outcomes are in its report
	StatusFailed  = "failed" // the run could not start (a missing upload credential, say)
)

// exitSetup is what "collector run" exits with for a run that could not start for its setup
// (the metrics record the same code).
const exitSetup = 2

// errDraining refuses new runs once shutdown has begun.
var errDraining = errors.New("the agent is shutting down")

// BusyError is a request for devices that other runs are collecting.
type BusyError struct {
	// Devices maps each busy device to the id of the run holding it.
	Devices map[string]string
}

func (e *BusyError) Error() string {
	names := busyNames(e.Devices)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s (run %s)", n, e.Devices[n])
	}
	return "already being collected: " + strings.Join(parts, ", ")
}

// run is one collection the agent started.
type run struct {
	id        string
	trigger   string
	targets   []devices.Device
	skippedMu sync.Mutex
	skipped   map[string]string // scheduled runs: busy devices left out -> the run holding them
	started   time.Time
	progress  progress
	done      chan struct{}

	// Set before done is closed; read only after.
	finished time.Time
	out      *fleet.Outcome
	err      error
}

// progress counts a run's finished devices (collector.Progress).
type progress struct {
	total, done atomic.Int64
}

var _ collector.Progress = (*progress)(nil)

func (p *progress) Started(total int)                 { p.total.Store(int64(total)) }
func (p *progress) DeviceDone(collector.DeviceResult) { p.done.Add(1) }

func newRunID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// startRun claims targets and starts collecting them. An on-demand run fails with a
// *BusyError when any target is busy; a scheduled run leaves busy targets out (and fails the
// same way only when every target is busy).
func (a *Agent) startRun(trigger string, inv *devices.Inventory, targets []devices.Device) (*run, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.draining {
		return nil, errDraining
	}
	busy := map[string]string{}
	var free []devices.Device
	for _, d := range targets {
		if r, ok := a.busy[d.Name]; ok {
			busy[d.Name] = r.id
		} else {
			free = append(free, d)
		}
	}
	if len(free) == 0 || (trigger == TriggerAPI && len(busy) > 0) {
		return nil, &BusyError{Devices: busy}
	}
	r := &run{id: newRunID(), trigger: trigger, targets: free, started: time.Now(), done: make(chan struct{})}
	if len(busy) > 0 {
		r.skipped = busy // r is not shared yet
	}
	if trigger != TriggerSchedule {
		// An on-demand run holds its few devices from the start. A scheduled run claims each
		// device only when its turn comes and frees it after its upload (scheduleGate), so
		// an on-demand request for a device the schedule has not reached, or has finished,
		// goes ahead during a long fleet run.
		for _, d := range free {
			a.busy[d.Name] = r
		}
	}
	a.runs[r.id] = r
	a.inflight.Add(1)
	a.gauges.inFlight.Inc()
	go a.execute(r, inv)
	return r, nil
}

// execute runs r through fleet.Run, then records its outcome and frees its devices.
func (a *Agent) execute(r *run, inv *devices.Inventory) {
	defer a.inflight.Done()
	log := a.log.With("run", r.id, "trigger", r.trigger)
	ctx := a.runCtx
	if r.trigger == TriggerSchedule && inv.Agent != nil && inv.Agent.RunTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, inv.Agent.RunTimeout)
		defer cancel()
	}
	log.Info("run started", "devices", len(r.targets), "skipped_busy", len(r.skipped))
	extra := []collector.Option{collector.WithProgress(&r.progress)}
	if r.trigger == TriggerSchedule {
		extra = append(extra, collector.WithDeviceGate(scheduleGate{a: a, r: r}))
	}
	out, err := fleet.Run(ctx, inv, fleet.Options{Targets: r.targets, Log: log, LockHeld: true, Extra: extra})
	a.observe(out, err)
	finished := time.Now()

	a.mu.Lock()
	r.finished, r.out, r.err = finished, out, err
	for _, d := range r.targets {
		if a.busy[d.Name] == r {
			delete(a.busy, d.Name)
		}
	}
	if out != nil {
		for _, dr := range out.Report.Devices {
			if dr.Status != collector.StatusSkipped { // skipped is no news about the device
				a.last[dr.Name] = LastResult{RunID: r.id, ReportRunID: out.Report.RunID, Trigger: r.trigger,
					Finished: out.Report.Finished, Result: dr}
			}
		}
	}
	a.finished = append(a.finished, r)
	for len(a.finished) > a.keepRuns {
		delete(a.runs, a.finished[0].id)
		a.finished = a.finished[1:]
	}
	a.mu.Unlock()
	a.gauges.inFlight.Dec()
	close(r.done)

	switch {
	case err != nil:
		log.Error("run could not start", "error", err)
	default:
		t := out.Report.Totals
		log.Info("run done", "exit_code", out.Report.ExitCode, "interrupted", out.Report.Interrupted,
			"ok", t.OK, "partial", t.Partial, "failed", t.Failed, "skipped", t.Skipped, "uploaded", t.Uploaded,
			"duration", finished.Sub(r.started).Round(time.Millisecond), "report", filepath.Join(out.RunDir, "report.json"))
	}
}

// observe feeds a finished run to the metrics.
func (a *Agent) observe(out *fleet.Outcome, err error) {
	if err != nil {
		code := fleet.ExitFailures
		if errors.Is(err, fleet.ErrSetup) {
			code = exitSetup
		}
		a.metrics.ObserveRunError(code)
		return
	}
	files, size, serr := metrics.SpoolStats(filepath.Join(a.outDir, "spool"))
	if serr != nil {
		a.log.Warn("could not measure the spool", "error", serr)
	}
	a.metrics.ObserveRun(out.Report, files, size)
}

// lookupRun returns the run with id, if the agent still knows it.
func (a *Agent) lookupRun(id string) (*run, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	r, ok := a.runs[id]
	return r, ok
}

// isDone reports whether r has finished (its outcome fields are then safe to read).
func (r *run) isDone() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// RunView is a run in the API. RunID is the agent's handle for the run; the report's own
// run_id names its directory under <output_dir>/runs.
type RunView struct {
	RunID   string   `json:"run_id"`
	Trigger string   `json:"trigger"`
	Status  string   `json:"status"`
	Devices []string `json:"devices"`
	// SkippedBusy lists the devices a scheduled run left out because another run held them.
	SkippedBusy map[string]string `json:"skipped_busy,omitempty"`
	Started     time.Time         `json:"started"`
	Finished    *time.Time        `json:"finished,omitempty"`
	// Progress is devices finished / total while the run is going.
	Progress *ProgressView     `json:"progress,omitempty"`
	Error    string            `json:"error,omitempty"` // why the run could not start
	RunDir   string            `json:"run_dir,omitempty"`
	ExitCode *int              `json:"exit_code,omitempty"` // what "collector run" would have exited with
	Totals   *collector.Totals `json:"totals,omitempty"`
	Report   *collector.Report `json:"report,omitempty"`
}

// ProgressView is a running run's progress.
type ProgressView struct {
	Done  int `json:"done"`
	Total int `json:"total"`
}

// view renders r; withReport includes the full report of a finished run.
func (r *run) view(withReport bool) RunView {
	v := RunView{RunID: r.id, Trigger: r.trigger, Status: StatusRunning, SkippedBusy: r.skippedCopy(), Started: r.started}
	for _, d := range r.targets {
		v.Devices = append(v.Devices, d.Name)
	}
	if !r.isDone() {
		v.Progress = &ProgressView{Done: int(r.progress.done.Load()), Total: int(r.progress.total.Load())}
		return v
	}
	fin := r.finished
	v.Finished = &fin
	if r.err != nil {
		v.Status, v.Error = StatusFailed, r.err.Error()
		return v
	}
	v.Status = StatusDone
	v.RunDir = r.out.RunDir
	code := r.out.Report.ExitCode
	v.ExitCode = &code
	tot := r.out.Report.Totals
	v.Totals = &tot
	if withReport {
		v.Report = r.out.Report
	}
	return v
}

// sortViews orders runs newest first.
func sortViews(vs []RunView) {
	slices.SortFunc(vs, func(a, b RunView) int { return b.Started.Compare(a.Started) })
}

// skippedCopy returns the devices r left out because other runs held them.
func (r *run) skippedCopy() map[string]string {
	r.skippedMu.Lock()
	defer r.skippedMu.Unlock()
	if len(r.skipped) == 0 {
		return nil
	}
	return maps.Clone(r.skipped)
}

// scheduleGate claims a scheduled run's devices one at a time, as the collector reaches them
// (collector.WithDeviceGate): a device an on-demand run holds is skipped as busy, and each
// device is free again as soon as its upload is done.
type scheduleGate struct {
	a *Agent
	r *run
}

func (g scheduleGate) Acquire(dev devices.Device) bool {
	g.a.mu.Lock()
	defer g.a.mu.Unlock()
	if holder, ok := g.a.busy[dev.Name]; ok && holder != g.r {
		g.r.skippedMu.Lock()
		if g.r.skipped == nil {
			g.r.skipped = map[string]string{}
		}
		g.r.skipped[dev.Name] = holder.id
		g.r.skippedMu.Unlock()
		return false
	}
	g.a.busy[dev.Name] = g.r
	return true
}

func (g scheduleGate) Release(dev devices.Device) {
	g.a.mu.Lock()
	defer g.a.mu.Unlock()
	if g.a.busy[dev.Name] == g.r {
		delete(g.a.busy, dev.Name)
	}
}
