package main

// End-to-end tests of the operations flags of "collector run": --shard, --metrics-file,
// --progress, retention and the systemd state directory default.

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/oca-collector/collector/devices"
)

// TestE2EShardsMetricsProgress runs a fleet of six (one unreachable) as two shards, as two jump
// hosts would: together they collect every device once, each writes the metrics file, and into
// a pipe (stderr here) no progress bytes are written unless asked for.
func TestE2EShardsMetricsProgress(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, name := range []string{"web01", "web02", "web03", "web04", "web05"} {
		f.addDevice(name, nil)
	}
	f.addClosedPort("gone01")
	f.writeInventory(invOptions{})
	prom := filepath.Join(f.home, "textfile", "oca-collector.prom")
	if err := os.MkdirAll(filepath.Dir(prom), 0o755); err != nil {
		t.Fatal(err)
	}

	var all []string
	failedRuns := 0
	for i := range 2 {
		shard := []string{"0/2", "1/2"}[i]
		r := f.run("run", "-i", f.inv, "--shard", shard, "--metrics-file", prom)
		var want []string
		for _, d := range f.devs {
			if devices.ShardOf(devices.Device{Name: d.name, AssetUUID: d.uuid}, 2) == i {
				want = append(want, d.name)
			}
		}
		slices.Sort(want) // the report is sorted by name
		wantCode := exitOK
		if slices.Contains(want, "gone01") {
			wantCode = exitFailures
			failedRuns++
		}
		wantExit(t, r, wantCode)
		_, rep := f.latest()
		if got := rep.names(); !slices.Equal(got, want) {
			t.Errorf("shard %s collected %v, want %v", shard, got, want)
		}
		all = append(all, rep.names()...)
		if strings.ContainsAny(r.stderr, "\r\x1b") {
			t.Errorf("progress bytes on a non-terminal stderr:\n%q", r.stderr)
		}

		st, err := os.Stat(prom)
		if err != nil || st.Mode().Perm() != 0o644 {
			t.Fatalf("metrics file: %v, %v", st, err)
		}
		text := string(readFile(t, prom))
		ok := len(want) - boolInt(slices.Contains(want, "gone01"))
		for _, line := range []string{
			`oca_collector_devices{status="ok"} ` + strconv.Itoa(ok),
			`oca_collector_devices{status="failed"} ` + strconv.Itoa(boolInt(slices.Contains(want, "gone01"))),
			`oca_collector_uploads{status="uploaded"} ` + strconv.Itoa(ok),
			`oca_collector_run_exit_code ` + strconv.Itoa(wantCode),
			`oca_collector_spool_files 0`,
			`oca_collector_runs_total{result="failures"} ` + strconv.Itoa(failedRuns),
			`oca_collector_runs_total{result="success"} ` + strconv.Itoa(i+1-failedRuns),
		} {
			if !strings.Contains(text, line+"\n") {
				t.Errorf("after shard %s the metrics file lacks %q:\n%s", shard, line, text)
			}
		}
	}
	slices.Sort(all)
	if want := []string{"gone01", "web01", "web02", "web03", "web04", "web05"}; !slices.Equal(all, want) {
		t.Errorf("the two shards collected %v, want every device once: %v", all, want)
	}
	// Both shards' successes are in the file: the second run carried the first's forward.
	text := string(readFile(t, prom))
	if n := len(regexp.MustCompile(`(?m)^oca_collector_asset_last_success_timestamp_seconds\{`).FindAllString(text, -1)); n != 5 {
		t.Errorf("%d assets with a last success, want 5:\n%s", n, text)
	}
	if entries, _ := os.ReadDir(filepath.Dir(prom)); len(entries) != 1 {
		t.Errorf("textfile directory holds %d entries, want only the metrics file", len(entries))
	}

	// --progress=always draws into the pipe too: the line, redrawn in place, up to 6/6.
	r := f.run("run", "-i", f.inv, "--no-upload", "--progress=always", "--device", "web01,web02")
	wantExit(t, r, exitOK)
	if !strings.Contains(r.stderr, "\r\x1b[Kdevices 0/2 (0%)") || !strings.Contains(r.stderr, "\r\x1b[Kdevices 2/2 (100%) | failed 0") {
		t.Errorf("--progress=always drew no line:\n%q", r.stderr)
	}
	// With JSON logs, "auto" stays silent even if it were a terminal; "never" always is.
	for _, args := range [][]string{{"--log-format", "json"}, {"--progress", "never"}} {
		r := f.run(append([]string{"run", "-i", f.inv, "--no-upload", "--device", "web01"}, args...)...)
		wantExit(t, r, exitOK)
		if strings.ContainsAny(r.stderr, "\r\x1b") {
			t.Errorf("%v: progress bytes:\n%q", args, r.stderr)
		}
	}
}

// TestE2EOpsUsageErrors: bad --shard, --progress and --metrics-file values exit 2 before any
// device is contacted.
func TestE2EOpsUsageErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	d := f.addDevice("web01", nil)
	f.writeInventory(invOptions{})
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--shard", "2/2"}, "i must be between 0 and 1 (shards are numbered from 0)"},
		{[]string{"--shard", "1"}, "want i/n"},
		{[]string{"--shard", "0/0"}, "n must be between 1 and"},
		{[]string{"--progress", "sometimes"}, "--progress must be auto, always or never"},
		{[]string{"--metrics-file", filepath.Join(f.home, "nodir", "m.prom")}, "--metrics-file:"},
	} {
		r := f.run(append([]string{"run", "-i", f.inv}, tc.args...)...)
		wantExit(t, r, exitUsage)
		if !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: stderr lacks %q:\n%s", tc.args, tc.want, r.stderr)
		}
	}
	if st := d.srv.Stats(); st.Connections != 0 {
		t.Errorf("a usage error contacted the device: %+v", st)
	}
}

// TestE2EStateDirectoryAndRetention: without output_dir, a run under systemd writes to
// $STATE_DIRECTORY's first entry; retention.runs keeps the newest runs and the spool.
func TestE2EStateDirectoryAndRetention(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.addDevice("web01", nil)
	f.writeInventory(invOptions{})
	src := string(readFile(t, f.inv))
	src = regexp.MustCompile(`(?m)^output_dir: .*\n`).ReplaceAllString(src, "") + "retention: {runs: 2}\n"
	writeFile(t, f.inv, []byte(src))
	state := filepath.Join(f.home, "state")
	if err := os.Mkdir(state, 0o700); err != nil {
		t.Fatal(err)
	}
	f.env = append(f.env, "STATE_DIRECTORY="+state+":"+filepath.Join(f.home, "other"))
	// A file stuck in the spool (from an earlier run) must survive retention.
	spooled := filepath.Join(state, "spool", "0e2e0000-4a5b-4c6d-8e7f-0000000000ff.txt")
	if err := os.Mkdir(filepath.Dir(spooled), 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, spooled, []byte("pending\n"))

	for range 3 {
		wantExit(t, f.run("run", "-i", f.inv, "--no-upload"), exitOK)
	}
	des, err := os.ReadDir(filepath.Join(state, "runs"))
	if err != nil {
		t.Fatalf("runs did not go to $STATE_DIRECTORY: %v", err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	if len(names) != 3 || !slices.Contains(names, "latest") {
		t.Errorf("runs/ holds %v, want the 2 newest runs and latest", names)
	}
	f.out = state
	dir, _ := f.latest() // latest's target was kept
	if _, err := os.Stat(dir); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(spooled); err != nil {
		t.Errorf("retention touched the spool: %v", err)
	}
	if _, err := os.Stat(filepath.Join(f.home, "oca-output")); err == nil {
		t.Error("the run also wrote ./oca-output")
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
