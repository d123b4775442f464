package agent

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/oca-collector/collector/collector"
	"github.com/oca-collector/collector/devices"
)

// stateFile remembers, across restarts, when the last scheduled run started, so "every 24h"
// means every 24 hours and not "24 hours after the agent last restarted".
const stateFile = "agent-state.json"

type state struct {
	LastScheduledRun time.Time `json:"last_scheduled_run,omitzero"`
}

func readState(outDir string, log *slog.Logger) state {
	var st state
	data, err := os.ReadFile(filepath.Join(outDir, stateFile))
	if err == nil {
		err = json.Unmarshal(data, &st)
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		log.Warn("could not read the agent's state; the schedule starts afresh", "file", filepath.Join(outDir, stateFile), "error", err)
	}
	return st
}

func writeState(outDir string, st state) error {
	return collector.WriteFileAtomic(filepath.Join(outDir, stateFile), func(w io.Writer) error {
		return json.NewEncoder(w).Encode(st)
	})
}

// nextRun is when the next scheduled run of s starts, seen at now.
func nextRun(s *devices.Schedule, lastScheduled, now time.Time) time.Time {
	if s.Every > 0 {
		if lastScheduled.IsZero() {
			return now
		}
		if next := lastScheduled.Add(s.Every); next.After(now) {
			return next
		}
		return now // overdue: at once
	}
	return s.Next(now)
}

// schedule runs the fleet at the schedule's times until ctx ends, recomputing the next time
// after each run and each reload. Scheduled runs never overlap: the next one is computed only
// when the previous one is over.
func (a *Agent) schedule(ctx context.Context) {
	for {
		a.mu.Lock()
		inv, last := a.inv, a.lastScheduled
		a.mu.Unlock()
		var next time.Time
		if inv.Agent.Schedule != nil {
			next = nextRun(inv.Agent.Schedule, last, time.Now())
			a.log.Info("next scheduled run", "at", next.Format(time.RFC3339), "schedule", inv.Agent.Schedule.String())
		}
		a.setNextRun(next)
		fired := a.waitFor(ctx, next)
		a.setNextRun(time.Time{})
		switch {
		case ctx.Err() != nil:
			return
		case fired:
			a.runScheduled(ctx, inv)
		}
	}
}

// waitFor waits until next (forever when it is zero), a reload or the end of ctx, and says
// whether next came.
func (a *Agent) waitFor(ctx context.Context, next time.Time) bool {
	var fire <-chan time.Time
	if !next.IsZero() {
		timer := time.NewTimer(time.Until(next))
		defer timer.Stop()
		fire = timer.C
	}
	select {
	case <-ctx.Done():
		return false
	case <-a.reloaded:
		return false
	case <-fire:
		return true
	}
}

func (a *Agent) setNextRun(t time.Time) {
	a.mu.Lock()
	a.nextRun = t
	a.mu.Unlock()
	a.gauges.next(t)
}

// runScheduled starts a run of the whole fleet (less the busy devices) and waits for it.
func (a *Agent) runScheduled(ctx context.Context, inv *devices.Inventory) {
	r, err := a.startRun(TriggerSchedule, inv, inv.Devices)
	started := time.Now() // a slot with nothing to run still counts, or the schedule would spin
	if err == nil {
		started = r.started
	}
	a.mu.Lock()
	a.lastScheduled = started
	a.mu.Unlock()
	if werr := writeState(a.outDir, state{LastScheduledRun: started.UTC()}); werr != nil {
		a.log.Warn("could not record the scheduled run; after a restart the schedule starts afresh", "error", werr)
	}
	var busy *BusyError
	switch {
	case errors.As(err, &busy):
		a.log.Warn("scheduled run skipped: every device is busy with another collection", "busy", len(busy.Devices))
		return
	case err != nil:
		a.log.Info("scheduled run not started", "error", err)
		return
	}
	if skipped := r.skippedCopy(); len(skipped) > 0 {
		a.log.Info("scheduled run leaves out devices busy with another collection", "run", r.id, "busy", busyNames(skipped))
	}
	select {
	case <-r.done:
	case <-ctx.Done():
	}
}

func busyNames(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
