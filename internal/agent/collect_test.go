package agent

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/oca-collector/collector/collector"
)

func TestCollectWait(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	web01 := w.addDevice("web01", false)
	web02 := w.addDevice("web02", false)
	w.writeInventory(invOpts{})
	ta := w.start()

	var v RunView
	if code := ta.call("POST", "/v1/collect", `{"device":"web01","wait":true}`, &v); code != http.StatusOK {
		t.Fatalf("collect: %d %+v", code, v)
	}
	if v.Status != StatusDone || v.Trigger != TriggerAPI || !slices.Equal(v.Devices, []string{"web01"}) || v.Finished == nil ||
		v.ExitCode == nil || *v.ExitCode != 0 || v.Totals == nil || v.Totals.Uploaded != 1 || v.Progress != nil {
		t.Fatalf("run: %+v", v)
	}
	d := deviceOf(t, v, "web01")
	if d.Status != collector.StatusOK || d.Upload.Status != collector.UploadUploaded || d.AssetUUID != web01.uuid || len(v.Report.Devices) != 1 {
		t.Errorf("web01: %+v", d)
	}
	ups := w.gw.UploadsFor(web01.uuid)
	if len(ups) != 1 {
		t.Fatalf("gateway has %d uploads of web01, want 1", len(ups))
	}
	bulk, err := os.ReadFile(d.BulkFile)
	if err != nil || !bytes.Equal(ups[0].Body, bulk) || !bytes.Contains(bulk, []byte("Linux web01\n")) {
		t.Errorf("uploaded %q, bulk file %q (%v)", ups[0].Body, bulk, err)
	}
	if filepath.Dir(d.BulkFile) != v.RunDir || filepath.Dir(v.RunDir) != filepath.Join(w.out, "runs") {
		t.Errorf("bulk file %s, run dir %s", d.BulkFile, v.RunDir)
	}
	if st := web02.srv.Stats(); st.Logins != 0 || len(w.gw.UploadsFor(web02.uuid)) != 0 {
		t.Errorf("web02 was contacted: %+v", st)
	}

	var dv DeviceView
	if code := ta.call("GET", "/v1/devices/web01", "", &dv); code != http.StatusOK || dv.Last == nil ||
		dv.Last.RunID != v.RunID || dv.Last.Trigger != TriggerAPI || dv.Last.Result.Status != collector.StatusOK ||
		dv.Last.ReportRunID != v.Report.RunID || dv.BusyRunID != "" {
		t.Errorf("device web01: %d %+v", code, dv)
	}
	code, metrics := ta.raw(w.token, "GET", "/metrics", "")
	if code != http.StatusOK || !bytes.Contains(metrics, []byte(`oca_collector_uploads{status="uploaded"} 1`)) ||
		!bytes.Contains(metrics, []byte(`oca_collector_runs_total{result="success"} 1`)) {
		t.Errorf("metrics after one run:\n%s", metrics)
	}
}

func TestCollectAsyncGroup(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.addDevice("sw1", false, "core")
	w.addDevice("sw2", false, "core", "edge")
	w.addDevice("web01", false)
	w.writeInventory(invOpts{})
	ta := w.start()

	req, _ := http.NewRequest("POST", ta.base+"/v1/collect", strings.NewReader(`{"group":"core"}`))
	req.Header.Set("Authorization", "Bearer "+w.token)
	resp, err := ta.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || !strings.HasPrefix(resp.Header.Get("Location"), "/v1/runs/") {
		t.Fatalf("async collect: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	id := strings.TrimPrefix(resp.Header.Get("Location"), "/v1/runs/")
	v := ta.waitRun(id)
	if v.RunID != id || v.Status != StatusDone || !slices.Equal(v.Devices, []string{"sw1", "sw2"}) || v.Totals.OK != 2 || v.Totals.Uploaded != 2 {
		t.Fatalf("run: %+v", v)
	}
	for _, name := range []string{"sw1", "sw2"} {
		if d := deviceOf(t, v, name); d.Status != collector.StatusOK || d.Upload.Status != collector.UploadUploaded {
			t.Errorf("%s: %+v", name, d)
		}
	}
	if n := len(w.gw.Uploads()); n != 2 {
		t.Errorf("gateway has %d uploads, want 2", n)
	}
	var list struct{ Runs []RunView }
	if code := ta.call("GET", "/v1/runs", "", &list); code != http.StatusOK || len(list.Runs) != 1 || list.Runs[0].RunID != id ||
		list.Runs[0].Report != nil || list.Runs[0].Totals == nil {
		t.Errorf("runs: %d %+v", code, list)
	}
}

// TestBusyDevice: a device being collected is refused with 409 to any other request that names
// it, alone or in a group, while other devices can be collected at the same time.
func TestBusyDevice(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	slow := w.addDevice("slow", true, "core")
	w.addDevice("fast", false)
	w.writeInventory(invOpts{})
	ta := w.start()

	var first RunView
	if code := ta.call("POST", "/v1/collect", `{"device":"slow"}`, &first); code != http.StatusAccepted || first.Status != StatusRunning {
		t.Fatalf("collect slow: %d %+v", code, first)
	}
	poll(t, "slow's command to start", func() bool { return slow.srv.Stats().Execs == 1 })
	for _, body := range []string{`{"device":"slow"}`, `{"device":"slow","wait":true}`, `{"group":"core"}`} {
		var e struct {
			Error string
			Busy  map[string]string
		}
		if code := ta.call("POST", "/v1/collect", body, &e); code != http.StatusConflict || e.Busy["slow"] != first.RunID ||
			e.Error != "already being collected: slow (run "+first.RunID+")" {
			t.Errorf("%s while slow is collected: %d %+v", body, code, e)
		}
	}
	var dv DeviceView
	if code := ta.call("GET", "/v1/devices/slow", "", &dv); code != http.StatusOK || dv.BusyRunID != first.RunID || dv.Last != nil {
		t.Errorf("device slow: %d %+v", code, dv)
	}

	var fast RunView
	if code := ta.call("POST", "/v1/collect", `{"device":"fast","wait":true}`, &fast); code != http.StatusOK ||
		deviceOf(t, fast, "fast").Upload.Status != collector.UploadUploaded {
		t.Fatalf("collect fast while slow runs: %d %+v", code, fast)
	}
	var still RunView
	if code := ta.call("GET", "/v1/runs/"+first.RunID, "", &still); code != http.StatusOK || still.Status != StatusRunning ||
		still.Progress == nil || still.Progress.Total != 1 || still.Progress.Done != 0 {
		t.Errorf("slow's run: %d %+v", code, still)
	}
	var st StatusView
	if code := ta.call("GET", "/v1/status", "", &st); code != http.StatusOK || !slices.Equal(st.RunsInFlight, []string{first.RunID}) {
		t.Errorf("status: %d %+v", code, st)
	}
	if n := slow.srv.Stats().Logins; n != 1 {
		t.Errorf("slow saw %d logins, want 1 (the refused requests must not reach it)", n)
	}
}
