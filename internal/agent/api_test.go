package agent

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oca-collector/collector/collector"
	"github.com/oca-collector/collector/internal/runlock"
)

func TestAuth(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.addDevice("web01", false)
	w.writeInventory(invOpts{agent: "  listen: 127.0.0.1:0\n"})
	ta := w.start()
	if ta.Addr().Network() != "tcp" {
		t.Fatalf("listening on %v, want TCP", ta.Addr())
	}

	if code, body := ta.raw("", "GET", "/healthz", ""); code != http.StatusOK || string(body) != "ok\n" {
		t.Errorf("/healthz without a token: %d %q, want 200 ok", code, body)
	}
	for _, ep := range []struct{ method, path, body string }{
		{"POST", "/v1/collect", `{"device":"web01","wait":true}`},
		{"GET", "/v1/devices/web01", ""},
		{"GET", "/v1/runs/x", ""},
		{"GET", "/v1/runs", ""},
		{"GET", "/v1/status", ""},
		{"GET", "/metrics", ""},
		{"GET", "/nothing-here", ""},
	} {
		for _, tok := range []string{"", "wrong-" + w.token, w.token + "x", strings.ToUpper(w.token)} {
			var e struct{ Error string }
			if code := ta.callWith(tok, ep.method, ep.path, ep.body, &e); code != http.StatusUnauthorized || e.Error == "" {
				t.Errorf("%s %s with a token %v: %d %+v, want 401", ep.method, ep.path, tok != "", code, e)
			}
		}
	}
	// Basic auth with the token as password is not a bearer token.
	req, _ := http.NewRequest("GET", ta.base+"/v1/status", nil)
	req.SetBasicAuth("x", w.token)
	resp, err := ta.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("basic auth: %d, WWW-Authenticate %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	if st := w.devs[0].srv.Stats(); st.Logins != 0 {
		t.Errorf("an unauthenticated request reached the device: %+v", st)
	}

	var st StatusView
	if code := ta.call("GET", "/v1/status", "", &st); code != http.StatusOK || st.Devices != 1 || st.Schedule != "on demand only" ||
		st.OutputDir != w.out || st.NextRun != nil || st.ReloadError != "" {
		t.Errorf("status: %d %+v", code, st)
	}
	code, body := ta.raw(w.token, "GET", "/metrics", "")
	for _, want := range []string{"oca_collector_devices", NameRunsInFlight + " 0", NameReloadFailed + " 0", NameNextScheduledRun + " 0"} {
		if code != http.StatusOK || !bytes.Contains(body, []byte(want)) {
			t.Errorf("/metrics: %d, no %q in\n%s", code, want, body)
		}
	}
}

func TestBadRequests(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.addDevice("web01", false, "core")
	w.writeInventory(invOpts{})
	ta := w.start()
	tests := []struct {
		method, path, body string
		code               int
		want               string
	}{
		{"POST", "/v1/collect", `{"device":"web01","group":"core"}`, 400, `exactly one of "device" and "group"`},
		{"POST", "/v1/collect", `{}`, 400, `exactly one of`},
		{"POST", "/v1/collect", `{"device":"web01","wiat":true}`, 400, `unknown field "wiat"`},
		{"POST", "/v1/collect", `{"device":"web01"} {"device":"web01"}`, 400, `one JSON object only`},
		{"POST", "/v1/collect", `not json`, 400, `body: invalid character`},
		{"POST", "/v1/collect", `{"device":"nope"}`, 404, `unknown device "nope"`},
		{"POST", "/v1/collect", `{"group":"edge"}`, 404, `no device is a member of group "edge"`},
		{"POST", "/v1/collect", `{"group":"nope"}`, 404, `unknown group "nope"`},
		{"POST", "/v1/collect", `{"device":"` + strings.Repeat("x", maxRequestBody) + `"}`, 400, `request body too large`},
		{"GET", "/v1/collect", ``, 405, ``},
		{"GET", "/v1/devices/nope", ``, 404, `unknown device "nope"`},
		{"GET", "/v1/runs/0123456789abcdef", ``, 404, `unknown run "0123456789abcdef"`},
	}
	for _, tt := range tests {
		code, body := ta.raw(w.token, tt.method, tt.path, tt.body)
		var e struct{ Error string }
		if tt.want != "" {
			if err := json.Unmarshal(body, &e); err != nil {
				t.Errorf("%s %s: %d %s: %v", tt.method, tt.path, code, body, err)
			}
		}
		if code != tt.code || !strings.Contains(e.Error, tt.want) {
			t.Errorf("%s %s %.60s: %d %s, want %d with %q", tt.method, tt.path, tt.body, code, body, tt.code, tt.want)
		}
	}
	if st := w.devs[0].srv.Stats(); st.Logins != 0 {
		t.Errorf("a refused request reached the device: %+v", st)
	}
}

func TestNewRefuses(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.addDevice("web01", false)
	w.writeInventory(invOpts{})
	inv := w.load()

	noAgent := *inv
	noAgent.Agent = nil
	if _, err := New(&noAgent, Config{}); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "has no agent section") {
		t.Errorf("no agent section: %v", err)
	}
	if err := os.Chmod(w.tokenFile, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := New(inv, Config{}); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "permissions 0644") {
		t.Errorf("open token file: %v", err)
	}
	if err := os.Chmod(w.tokenFile, 0o600); err != nil {
		t.Fatal(err)
	}

	lock, err := runlock.Acquire(w.out)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(inv, Config{}); !errors.Is(err, ErrLocked) {
		t.Errorf("locked output directory: %v", err)
	}
	if err := lock.Release(); err != nil {
		t.Fatal(err)
	}

	// A file in the socket's place is not replaced; a live agent's socket is not taken over.
	writeFile(t, w.socket(), []byte("not a socket"))
	if _, err := New(inv, Config{}); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "not a socket") {
		t.Errorf("file in the socket's place: %v", err)
	}
	if err := os.Remove(w.socket()); err != nil {
		t.Fatal(err)
	}
	a, err := New(inv, Config{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Lstat(w.socket())
	if err != nil || st.Mode().Type() != os.ModeSocket || st.Mode().Perm() != 0o600 {
		t.Errorf("socket: %v %v, want a socket of mode 0600", st.Mode(), err)
	}
	other := *inv
	otherAgent := *inv.Agent
	other.Agent, other.OutputDir = &otherAgent, filepath.Join(w.dir, "out2")
	if _, err := New(&other, Config{}); err == nil || !strings.Contains(err.Error(), "another process is listening") {
		t.Errorf("socket in use: %v", err)
	}
	a.Close()
	a.Close()
	if _, err := os.Lstat(w.socket()); !os.IsNotExist(err) {
		t.Errorf("socket left behind by Close: %v", err)
	}
	lock, err = runlock.Acquire(w.out)
	if err != nil {
		t.Fatalf("lock not released by Close: %v", err)
	}
	_ = lock.Release()
	if st := w.devs[0].srv.Stats(); st.Logins != 0 {
		t.Errorf("New contacted a device: %+v", st)
	}
}

// TestLastResultsFromDisk: a restarted agent answers GET /v1/devices/{name} from the reports
// of earlier runs.
func TestLastResultsFromDisk(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.addDevice("web01", false)
	w.addDevice("web02", false)
	w.writeInventory(invOpts{})
	first := w.start()
	var v RunView
	if code := first.call("POST", "/v1/collect", `{"device":"web01","wait":true}`, &v); code != http.StatusOK || v.Status != StatusDone {
		t.Fatalf("collect: %d %+v", code, v)
	}
	if err := first.stop(); err != nil {
		t.Fatal(err)
	}

	second := w.start()
	var d DeviceView
	if code := second.call("GET", "/v1/devices/web01", "", &d); code != http.StatusOK || d.Last == nil {
		t.Fatalf("web01 after a restart: %d %+v", code, d)
	}
	if d.Last.RunID != "" || d.Last.ReportRunID != v.Report.RunID || d.Last.Result.Status != collector.StatusOK ||
		d.Last.Result.Upload.Status != collector.UploadUploaded || d.Name != "web01" || d.AssetUUID != w.devs[0].uuid {
		t.Errorf("web01 after a restart: %+v", d)
	}
	d = DeviceView{}
	if code := second.call("GET", "/v1/devices/web02", "", &d); code != http.StatusOK || d.Last != nil || d.BusyRunID != "" {
		t.Errorf("web02, never collected: %d %+v", code, d)
	}
}

func TestRunIDOrder(t *testing.T) {
	ids := []string{"20261203T160000Z-2", "20261203T160000Z", "20261203T160000Z-10", "20261204T000000Z", "20261203T155959Z"}
	want := []string{"20261204T000000Z", "20261203T160000Z-10", "20261203T160000Z-2", "20261203T160000Z", "20261203T155959Z"}
	for i := range ids {
		for j := range ids {
			wi, wj := indexOf(want, ids[i]), indexOf(want, ids[j])
			if runIDAfter(ids[i], ids[j]) != (wi < wj) {
				t.Errorf("runIDAfter(%s, %s) = %v", ids[i], ids[j], wi >= wj)
			}
		}
	}
}

func indexOf(ss []string, s string) int {
	for i, x := range ss {
		if x == s {
			return i
		}
	}
	return -1
}
