package collector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/oca-collector/collector/devices"
)

// shellDriver drives an interactive CLI through a PTY. Scaffolding: the driver itself is being
// written (issue 3); until then a shell platform's device fails with this error rather than
// being run through exec channels it may not support.
type shellDriver struct {
	platform string
}

func newShellDriver(dev devices.Device, _ devices.Collection, _ *atomic.Int64, _ *slog.Logger) driver {
	return shellDriver{platform: dev.Platform}
}

var errShellUnsupported = errors.New("interactive shell driver not available")

func (d shellDriver) run(_ context.Context, _ *session, records []CommandRecord, errs []error, todo []int) {
	err := fmt.Errorf("platform %s needs the interactive shell driver: %w", d.platform, errShellUnsupported)
	for _, i := range todo {
		records[i], errs[i] = notRun(records[i], err)
	}
}
