package demo

import (
	"context"
	"testing"

	"github.com/oca-collector/collector/collector"
	"github.com/oca-collector/collector/devices"
	"github.com/oca-collector/collector/internal/fleet"
)

// TestDemoFleetCollectsAndUploads runs the quick start's embedded default through the same
// path as "collector run": every simulated device (Linux over exec, EOS over exec, IOS through
// its interactive CLI with enable) is collected and accepted by the OCA stand-in.
func TestDemoFleetCollectsAndUploads(t *testing.T) {
	f, err := Start(t.TempDir(), 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	inv, err := devices.Load(f.Inventory)
	if err != nil {
		t.Fatalf("the demo inventory does not load:\n%v", err)
	}
	if len(inv.Warnings) != 0 {
		t.Errorf("demo inventory warnings: %q", inv.Warnings)
	}
	out, err := fleet.Run(context.Background(), inv, fleet.Options{Targets: inv.Devices})
	if err != nil {
		t.Fatal(err)
	}
	if out.Report.ExitCode != 0 || out.Report.Totals.OK != f.Devices() || out.Report.Totals.Uploaded != f.Devices() {
		t.Errorf("report totals %+v, exit %d; want all %d ok and uploaded", out.Report.Totals, out.Report.ExitCode, f.Devices())
	}
	for _, d := range out.Report.Devices {
		if d.Status != collector.StatusOK || d.Commands.Failed != 0 {
			t.Errorf("%s: %s (%s), %d commands failed", d.Name, d.Status, d.Error, d.Commands.Failed)
		}
	}
	if n := len(f.Gateway.Uploads()); n != f.Devices() {
		t.Errorf("the OCA stand-in accepted %d files, want %d", n, f.Devices())
	}
}
