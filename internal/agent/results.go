package agent

import (
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/oca-collector/collector/collector"
	"github.com/oca-collector/collector/devices"
)

// LastResult is the latest outcome of one device, from a run of this agent or, after a
// restart, from a report on disk (GET /v1/devices/{name}).
type LastResult struct {
	// RunID is the agent's run handle; empty for a result read from disk at start.
	RunID string `json:"run_id,omitempty"`
	// ReportRunID names the run directory the result's files are in.
	ReportRunID string                 `json:"report_run_id"`
	Trigger     string                 `json:"trigger,omitempty"`
	Finished    time.Time              `json:"finished"`
	Result      collector.DeviceReport `json:"result"`
}

// maxReportsAtStart bounds the reports read at start: enough for every device of a fleet that
// is collected daily and on demand in between, without reading years of history.
const maxReportsAtStart = 100

// loadLastResults reads <outDir>/runs/*/report.json, newest first, until every device of inv
// has a result or maxReportsAtStart reports were read. A device skipped by a run (interrupted
// before its turn) keeps looking further back. Unreadable reports are logged and passed over.
func loadLastResults(outDir string, inv *devices.Inventory, log *slog.Logger) map[string]LastResult {
	last := map[string]LastResult{}
	runsDir := filepath.Join(outDir, "runs")
	des, err := os.ReadDir(runsDir)
	if err != nil {
		if !os.IsNotExist(err) {
			log.Warn("could not list earlier runs; devices start without a last result", "error", err)
		}
		return last
	}
	var ids []string
	for _, de := range des {
		if de.IsDir() && de.Name()[0] != '.' {
			ids = append(ids, de.Name())
		}
	}
	sort.Slice(ids, func(i, j int) bool { return runIDAfter(ids[i], ids[j]) })
	want := map[string]bool{}
	for _, d := range inv.Devices {
		want[d.Name] = true
	}
	for i, id := range ids {
		if i >= maxReportsAtStart || len(last) == len(want) {
			break
		}
		rep, err := readReport(filepath.Join(runsDir, id, "report.json"))
		if err != nil {
			if !os.IsNotExist(err) {
				log.Warn("could not read an earlier report", "run_dir", filepath.Join(runsDir, id), "error", err)
			}
			continue
		}
		for _, dr := range rep.Devices {
			if _, seen := last[dr.Name]; seen || !want[dr.Name] || dr.Status == collector.StatusSkipped {
				continue
			}
			last[dr.Name] = LastResult{ReportRunID: rep.RunID, Finished: rep.Finished, Result: dr}
		}
	}
	return last
}

// runIDAfter orders run ids newest first. They are UTC times (20261203T160000Z), with -1, -2,
// ... for further runs started in the same second.
func runIDAfter(a, b string) bool {
	ab, an := splitRunID(a)
	bb, bn := splitRunID(b)
	if ab != bb {
		return ab > bb
	}
	return an > bn
}

func splitRunID(id string) (string, int) {
	if i := strings.LastIndexByte(id, '-'); i > 0 {
		if n, err := strconv.Atoi(id[i+1:]); err == nil {
			return id[:i], n
		}
	}
	return id, 0
}

func readReport(path string) (*collector.Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }() // read-only
	var rep collector.Report
	if err := json.NewDecoder(f).Decode(&rep); err != nil {
		return nil, err
	}
	return &rep, nil
}
