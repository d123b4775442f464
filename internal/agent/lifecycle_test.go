package agent

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oca-collector/collector/collector"
	"github.com/oca-collector/collector/devices"
	"github.com/oca-collector/collector/internal/runlock"
)

// TestScheduledRunSkipsBusyDevice: a schedule switched on by a reload fires while an on-demand
// collection of another device is going; the scheduled run collects the rest of the fleet and
// leaves the busy device to its run.
func TestScheduledRunSkipsBusyDevice(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	slow := w.addDevice("slow", true)
	fast := w.addDevice("fast", false)
	w.writeInventory(invOpts{})
	ta := w.start()

	var onDemand RunView
	if code := ta.call("POST", "/v1/collect", `{"device":"slow"}`, &onDemand); code != http.StatusAccepted {
		t.Fatalf("collect slow: %d %+v", code, onDemand)
	}
	// Rewrite the inventory (and known_hosts) only once slow's session is up.
	poll(t, "slow's command to start", func() bool { return slow.srv.Stats().Execs == 1 })
	w.writeInventory(invOpts{agent: "  socket: " + w.socket() + "\n  schedule: every 200ms\n"})
	if err := ta.Reload(); err != nil {
		t.Fatalf("Reload: %v", err)
	}

	var sched RunView
	poll(t, "a scheduled run to finish", func() bool {
		var list struct{ Runs []RunView }
		ta.call("GET", "/v1/runs", "", &list)
		for _, r := range list.Runs {
			if r.Trigger == TriggerSchedule && r.Status == StatusDone {
				sched = r
				return true
			}
		}
		return false
	})
	if !slices.Equal(sched.Devices, []string{"fast"}) || sched.SkippedBusy["slow"] != onDemand.RunID || len(sched.SkippedBusy) != 1 ||
		sched.Totals.OK != 1 || sched.Totals.Uploaded != 1 {
		t.Errorf("scheduled run: %+v", sched)
	}
	if len(w.gw.UploadsFor(fast.uuid)) == 0 || len(w.gw.UploadsFor(slow.uuid)) != 0 {
		t.Errorf("uploads: fast %d, slow %d", len(w.gw.UploadsFor(fast.uuid)), len(w.gw.UploadsFor(slow.uuid)))
	}
	var still RunView
	if ta.call("GET", "/v1/runs/"+onDemand.RunID, "", &still); still.Status != StatusRunning {
		t.Errorf("the on-demand run of slow: %+v", still)
	}
	if n := slow.srv.Stats().Logins; n != 1 {
		t.Errorf("slow saw %d logins, want 1: a scheduled run reached a busy device", n)
	}

	var st StatusView
	ta.call("GET", "/v1/status", "", &st)
	if st.Schedule != "every 200ms" {
		t.Errorf("status: %+v", st)
	}
	data, err := os.ReadFile(filepath.Join(w.out, stateFile))
	var saved state
	if err == nil {
		err = json.Unmarshal(data, &saved)
	}
	if err != nil || saved.LastScheduledRun.IsZero() || time.Since(saved.LastScheduledRun) > time.Minute {
		t.Errorf("state file: %s %v", data, err)
	}
}

func TestNextRun(t *testing.T) {
	now := time.Date(2026, 12, 3, 16, 0, 0, 0, time.UTC)
	every, err := devices.ParseSchedule("every 24h")
	if err != nil {
		t.Fatal(err)
	}
	cron, err := devices.ParseSchedule("15 2 * * *")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		s    devices.Schedule
		last time.Time
		want time.Time
	}{
		{"every, never ran: at once", every, time.Time{}, now},
		{"every, ran 1h ago", every, now.Add(-time.Hour), now.Add(23 * time.Hour)},
		{"every, overdue after downtime: at once", every, now.Add(-72 * time.Hour), now},
		{"cron ignores the last run", cron, now.Add(-72 * time.Hour), time.Date(2026, 12, 4, 2, 15, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		if got := nextRun(&tt.s, tt.last, now); !got.Equal(tt.want) {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

// TestReload: a bad inventory is refused and the old one keeps serving; a good one replaces it,
// token included.
func TestReload(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.addDevice("web01", false)
	w.writeInventory(invOpts{})
	ta := w.start()

	good, err := os.ReadFile(w.inv)
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(good), "  retries: 0\n", "  retries: 0\n  retires: 1\n", 1)
	writeFile(t, w.inv, []byte(bad))
	err = ta.Reload()
	var ps devices.Problems
	if !errors.As(err, &ps) || len(ps) != 1 || !strings.Contains(ps[0].Error(), `unknown key "retires"`) {
		t.Fatalf("Reload of a bad inventory: %v", err)
	}
	if logs := w.logs.String(); !strings.Contains(logs, `unknown key \"retires\"`) || !strings.Contains(logs, "reload refused") {
		t.Errorf("the refused reload's problems are not logged:\n%s", logs)
	}
	var st StatusView
	if ta.call("GET", "/v1/status", "", &st); !strings.Contains(st.ReloadError, "1 problem(s)") {
		t.Errorf("status after a refused reload: %+v", st)
	}
	if _, m := ta.raw(w.token, "GET", "/metrics", ""); !strings.Contains(string(m), NameReloadFailed+" 1") {
		t.Errorf("metrics after a refused reload:\n%s", m)
	}
	var v RunView
	if code := ta.call("POST", "/v1/collect", `{"device":"web01","wait":true}`, &v); code != http.StatusOK ||
		deviceOf(t, v, "web01").Status != collector.StatusOK {
		t.Fatalf("collect with the old inventory: %d %+v", code, v)
	}

	w.writeInventory(invOpts{outputDir: filepath.Join(w.dir, "elsewhere")})
	if err := ta.Reload(); err == nil || !strings.Contains(err.Error(), "output_dir changed") {
		t.Errorf("Reload with another output_dir: %v", err)
	}
	if err := os.Chmod(w.tokenFile, 0o644); err != nil {
		t.Fatal(err)
	}
	w.writeInventory(invOpts{})
	if err := ta.Reload(); err == nil || !strings.Contains(err.Error(), "permissions 0644") {
		t.Errorf("Reload with an open token file: %v", err)
	}

	// A good inventory: a new device, a new token.
	w.addDevice("web02", false)
	w.writeInventory(invOpts{})
	oldToken := w.token
	w.token = "rotated-" + w.token
	writeFile(t, w.tokenFile, []byte(w.token))
	if err := ta.Reload(); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	if code := ta.callWith(oldToken, "GET", "/v1/status", "", nil); code != http.StatusUnauthorized {
		t.Errorf("the old token after a rotation: %d", code)
	}
	st = StatusView{}
	if code := ta.call("GET", "/v1/status", "", &st); code != http.StatusOK || st.ReloadError != "" || st.Devices != 2 {
		t.Errorf("status after a good reload: %d %+v", code, st)
	}
	var dv DeviceView
	if code := ta.call("GET", "/v1/devices/web02", "", &dv); code != http.StatusOK || dv.Name != "web02" {
		t.Errorf("the new device: %d %+v", code, dv)
	}
	if _, m := ta.raw(w.token, "GET", "/metrics", ""); !strings.Contains(string(m), NameReloadFailed+" 0") {
		t.Errorf("metrics after a good reload:\n%s", m)
	}
}

// TestGracefulShutdown: stopping the agent cuts a collection short, the run's report says
// interrupted, the request waiting on it gets that report, and the lock and socket are gone.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	slow := w.addDevice("slow", true)
	w.writeInventory(invOpts{}) // command_timeout 30s: only the shutdown ends the command
	ta := w.start()

	type answer struct {
		code int
		v    RunView
	}
	got := make(chan answer, 1)
	go func() {
		var a answer
		a.code = ta.call("POST", "/v1/collect", `{"device":"slow","wait":true}`, &a.v)
		got <- a
	}()
	poll(t, "slow's command to start", func() bool { return slow.srv.Stats().Execs == 1 })
	started := time.Now()
	if err := ta.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if d := time.Since(started); d > 10*time.Second {
		t.Errorf("shutdown took %s", d)
	}
	var a answer
	select {
	case a = <-got:
	case <-time.After(waitLimit):
		t.Fatal("the waiting request got no answer")
	}
	if a.code != http.StatusOK || a.v.Status != StatusDone || !a.v.Report.Interrupted || a.v.ExitCode == nil || *a.v.ExitCode != 130 {
		t.Fatalf("waiting request: %d %+v", a.code, a.v)
	}
	d := deviceOf(t, a.v, "slow")
	if d.Status == collector.StatusOK || d.Upload.Status == collector.UploadUploaded {
		t.Errorf("slow: %+v", d)
	}
	onDisk, err := os.ReadFile(filepath.Join(a.v.RunDir, "report.json"))
	var rep collector.Report
	if err == nil {
		err = json.Unmarshal(onDisk, &rep)
	}
	if err != nil || !rep.Interrupted || len(rep.Devices) != 1 {
		t.Errorf("report.json: %v %+v", err, rep)
	}
	if _, err := os.Lstat(w.socket()); !os.IsNotExist(err) {
		t.Errorf("socket left behind: %v", err)
	}
	if c, err := net.Dial("unix", w.socket()); err == nil {
		c.Close()
		t.Error("the API still accepts connections")
	}
	lock, err := runlock.Acquire(w.out)
	if err != nil {
		t.Fatalf("lock after shutdown: %v", err)
	}
	_ = lock.Release()
	if strings.Contains(w.logs.String(), "still running after the shutdown timeout") {
		t.Errorf("shutdown waited for its timeout:\n%s", w.logs.String())
	}
}

// TestRunTimeout: agent.run_timeout cuts a scheduled run short; its report says interrupted.
func TestRunTimeout(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.addDevice("slow", true)
	// No state file: "every 1h" runs at once, then not again during the test.
	w.writeInventory(invOpts{agent: "  socket: " + w.socket() + "\n  schedule: every 1h\n  run_timeout: 300ms\n"})
	ta := w.start()
	var sched RunView
	poll(t, "the scheduled run to finish", func() bool {
		var list struct{ Runs []RunView }
		ta.call("GET", "/v1/runs", "", &list)
		if len(list.Runs) == 1 && list.Runs[0].Status != StatusRunning {
			sched = ta.waitRun(list.Runs[0].RunID)
			return true
		}
		return false
	})
	if sched.Trigger != TriggerSchedule || sched.Status != StatusDone || !sched.Report.Interrupted ||
		deviceOf(t, sched, "slow").Status == collector.StatusOK {
		t.Errorf("scheduled run: %+v", sched)
	}
	if d := sched.Finished.Sub(sched.Started); d > 10*time.Second {
		t.Errorf("the scheduled run took %s despite run_timeout 300ms", d)
	}
	var st StatusView
	poll(t, "the next run to be scheduled", func() bool {
		ta.call("GET", "/v1/status", "", &st)
		return st.NextRun != nil
	})
	if !st.NextRun.Equal(sched.Started.Add(time.Hour)) {
		t.Errorf("next run at %s, want an hour after the last one started (%s)", st.NextRun, sched.Started)
	}
}

// TestOnDemandDuringScheduledRun: a scheduled run holds each device only while it collects
// and uploads it, so an on-demand request for a device the run has finished goes ahead while
// the run is still busy with another one; the device it is still collecting answers 409.
func TestOnDemandDuringScheduledRun(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	slow := w.addDevice("slow", true)
	fast := w.addDevice("fast", false)
	w.writeInventory(invOpts{agent: "  socket: " + w.socket() + "\n  schedule: every 1h\n"})
	ta := w.start()

	// The schedule fires at once (no earlier run on record): fast is done and uploaded while
	// slow's command hangs.
	poll(t, "the scheduled run to finish fast and reach slow", func() bool {
		return len(w.gw.UploadsFor(fast.uuid)) == 1 && slow.srv.Stats().Execs == 1
	})
	var v RunView
	if code := ta.call("POST", "/v1/collect", `{"device":"fast","wait":true}`, &v); code != http.StatusOK {
		t.Fatalf("collect fast during the scheduled run: %d %+v", code, v)
	}
	if d := deviceOf(t, v, "fast"); d.Status != collector.StatusOK || d.Upload.Status != collector.UploadUploaded {
		t.Errorf("fast: %+v", d)
	}
	if n := len(w.gw.UploadsFor(fast.uuid)); n != 2 {
		t.Errorf("fast uploaded %d times, want 2 (schedule, then on demand)", n)
	}
	var busy struct {
		Error string `json:"error"`
	}
	if code := ta.call("POST", "/v1/collect", `{"device":"slow"}`, &busy); code != http.StatusConflict {
		t.Errorf("collect slow while the schedule collects it: %d %+v, want 409", code, busy)
	}
}
