package collector

import (
	"context"
	"log/slog"
)

// batchDriver runs a POSIX host's whole command set as one framed script in one exec channel.
// Scaffolding: until it is written (issue 5) it runs the per-command exec driver.
type batchDriver struct {
	exec execDriver
}

func newBatchDriver(exec execDriver, _ *slog.Logger) driver { return batchDriver{exec: exec} }

func (d batchDriver) run(ctx context.Context, s *session, records []CommandRecord, errs []error, todo []int) {
	d.exec.run(ctx, s, records, errs, todo)
}
