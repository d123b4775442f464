package agent

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/oca-collector/collector/devices"
)

// Reload loads the inventory file again (SIGHUP). A new inventory replaces the old one only
// when it loads without a problem, still has an agent section with a readable token, and keeps
// the output directory; otherwise every problem is logged, the old inventory stays, and the
// error says why. Runs in flight keep the inventory they started with.
func (a *Agent) Reload() error {
	a.reloadMu.Lock() // two SIGHUPs in a row: the second load sees the first's outcome
	defer a.reloadMu.Unlock()
	old := a.inventory()
	inv, err := devices.Load(old.Path)
	if err == nil {
		err = a.checkReload(old, inv)
	}
	var tok devices.Secret
	if err == nil {
		if tok, err = inv.Agent.ReadToken(); err != nil {
			err = fmt.Errorf("reload: %w", err)
		}
	}
	if err != nil {
		a.refuseReload(old.Path, err)
		return err
	}
	for _, w := range inv.Warnings {
		a.log.Warn("inventory warning", "warning", w)
	}
	if inv.Agent.Listen != old.Agent.Listen || inv.Agent.Socket != old.Agent.Socket {
		a.log.Warn("the API address changes only when the agent restarts; still listening on the old one",
			"addr", a.Addr().String())
	}
	now := time.Now()
	a.mu.Lock()
	a.inv = inv
	a.tokenSum = sha256.Sum256([]byte(tok.Reveal()))
	a.loadedAt = now
	a.reloadErr = ""
	a.mu.Unlock()
	a.gauges.loaded(now, true)
	select {
	case a.reloaded <- struct{}{}:
	default: // the scheduler has a wake-up pending already
	}
	a.log.Info("inventory reloaded", "inventory", inv.Path, "devices", len(inv.Devices), "schedule", scheduleText(inv))
	return nil
}

// checkReload refuses what the running agent cannot take over.
func (a *Agent) checkReload(old, inv *devices.Inventory) error {
	switch {
	case inv.Agent == nil:
		return fmt.Errorf("reload: %s has no agent section any more", inv.Path)
	case inv.OutputDir != old.OutputDir:
		return fmt.Errorf("reload: output_dir changed from %s to %s; restart the agent to move it (it holds the old one's lock)",
			old.OutputDir, inv.OutputDir)
	}
	return nil
}

func (a *Agent) refuseReload(path string, err error) {
	var ps devices.Problems
	if errors.As(err, &ps) {
		for _, p := range ps {
			a.log.Error("inventory problem", "problem", p.Error())
		}
		err = fmt.Errorf("reload: %s has %d problem(s)", path, len(ps))
	}
	a.log.Error("reload refused; the old inventory stays in use", "inventory", path, "error", err)
	a.mu.Lock()
	a.reloadErr = err.Error()
	a.mu.Unlock()
	a.gauges.loaded(time.Time{}, false)
}
