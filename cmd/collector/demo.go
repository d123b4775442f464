package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/oca-collector/collector/internal/demo"
)

// demoCmd runs the quick start's embedded default: a simulated fleet and a local OCA stand-in on
// loopback, then the same collection and upload path as "collector run".
func demoCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("demo", stderr)
	dir := fs.String("dir", "oca-demo", "directory for the demo's inventory, keys and output")
	n := fs.Int("devices", 5, "number of simulated Linux servers (plus an Arista and a Cisco IOS switch)")
	logFormat := fs.String("log-format", "text", "log format on stderr: text or json")
	if _, err := parseInterspersed(fs, args); err != nil {
		return flagExit(err)
	}
	if *n < 1 || *n > 1000 {
		fmt.Fprintln(stderr, "collector demo: --devices must be between 1 and 1000")
		return exitUsage
	}
	abs, err := filepath.Abs(*dir)
	if err != nil {
		fmt.Fprintf(stderr, "collector demo: %v\n", err)
		return exitUsage
	}
	fleet, err := demo.Start(abs, *n)
	if err != nil {
		fmt.Fprintf(stderr, "collector demo: %v\n", err)
		return exitFailures
	}
	defer fleet.Close()
	fmt.Fprintf(stderr, "demo: %d simulated devices on 127.0.0.1, OCA stand-in at %s\ndemo: inventory %s\n",
		fleet.Devices(), fleet.Gateway.URL, fleet.Inventory)

	log, err := newLogger(stderr, *logFormat, false)
	if err != nil {
		fmt.Fprintf(stderr, "collector demo: %v\n", err)
		return exitUsage
	}
	inv, code := loadInventory(fleet.Inventory, stderr)
	if inv == nil {
		return code
	}
	ctx, stop := signalContext(log)
	defer stop()
	code = runFleet(ctx, inv, runFlags{inventory: fleet.Inventory}, log, stderr)
	fmt.Fprintf(stdout, "demo: the OCA stand-in accepted %d bulk files\n", len(fleet.Gateway.Uploads()))
	fmt.Fprintf(stdout, "demo: bulk files and transcripts: %s\n", filepath.Join(inv.OutputDir, "runs", "latest"))
	fmt.Fprintf(stdout, "demo: report: %s\n", filepath.Join(inv.OutputDir, "runs", "latest", "report.json"))
	fmt.Fprintf(stdout, "demo: try: collector validate -i %s\n", fleet.Inventory)
	return code
}
