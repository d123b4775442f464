package collector

import (
	"context"
	"sync/atomic"

	"golang.org/x/crypto/ssh"

	"github.com/oca-collector/collector/devices"
)

// driver runs a device's commands over an established connection. run fills records[i] and
// errs[i] for every index in todo, and returns when each has an outcome.
type driver interface {
	run(ctx context.Context, s *session, records []CommandRecord, errs []error, todo []int)
}

// session is one established connection as the drivers see it.
type session struct {
	client *ssh.Client
	dead   <-chan struct{} // closed when the connection is gone
	// prompt is the device's prompt as learned by the shell driver, for the session framing.
	prompt string
}

// driverFor picks how dev's commands are run: the interactive shell for shell platforms, one
// framed script for POSIX hosts in batch mode, else one exec channel per command.
func (r *Runner) driverFor(dev devices.Device) driver {
	var budget *atomic.Int64
	if r.inv.Collection.MaxDeviceBytes > 0 {
		budget = new(atomic.Int64)
		budget.Store(r.inv.Collection.MaxDeviceBytes)
	}
	exec := execDriver{
		maxSessions:    dev.MaxSessions,
		commandTimeout: r.inv.Collection.CommandTimeout,
		maxOutput:      r.inv.Collection.MaxOutputBytes,
		budget:         budget,
	}
	switch {
	case dev.PlatformDef.Mode == devices.ModeShell:
		return newShellDriver(dev, r.inv.Collection, budget, r.log)
	case dev.Batch && dev.PlatformDef.POSIX:
		return newBatchDriver(exec, r.log.With("device", dev.Name))
	default:
		return exec
	}
}
