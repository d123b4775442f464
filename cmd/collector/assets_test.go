package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oca-collector/collector/internal/fakegateway"
	"github.com/oca-collector/collector/internal/runlock"
)

// assetState mirrors <output_dir>/assets.json.
type assetState struct {
	Version int `json:"version"`
	Assets  map[string]struct {
		AssetUUID     string    `json:"asset_uuid"`
		HostIP        string    `json:"host_ip"`
		Technology    string    `json:"technology"`
		ProvisionedAt time.Time `json:"provisioned_at"`
		Status        string    `json:"status"`
	} `json:"assets"`
}

func (f *fixture) assetState() assetState {
	f.t.Helper()
	path := filepath.Join(f.out, "assets.json")
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		f.t.Fatalf("asset state file: %v (mode %v), want 0600", err, st)
	}
	var s assetState
	if err := json.Unmarshal(readFile(f.t, path), &s); err != nil || s.Version != 1 {
		f.t.Fatalf("asset state file: %v, version %d", err, s.Version)
	}
	return s
}

// outLines indexes stdout lines by the device name they carry (the first word that is one).
func outLines(t *testing.T, stdout string, names ...string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
		for _, w := range strings.Fields(l) {
			if slices.Contains(names, w) {
				m[w] = l
				break
			}
		}
	}
	if len(m) != len(names) || strings.Count(strings.TrimSpace(stdout), "\n")+1 != len(names) {
		t.Fatalf("stdout should be one line per device %q:\n%s", names, stdout)
	}
	return m
}

func provisionRequests(gw *fakegateway.Gateway) int {
	n := 0
	for _, r := range gw.Requests() {
		if r.Path == "/ocaapi/v2.0/asset" {
			n++
		}
	}
	return n
}

// A device without asset_uuid is flagged, fails runs without being contacted, is provisioned
// (its UUID recorded in the state file, the YAML untouched), then collected and uploaded under
// that UUID; status shows Requested, then Confirmed, and is recorded.
func TestE2EAssetsProvisionThenRun(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	fresh := f.addDevice("web01", nil)
	fresh.uuid = ""
	known := f.addDevice("web02", nil)
	f.writeInventory(invOptions{})
	yamlBefore := readFile(t, f.inv)
	f.gw.RegisterAsset(known.uuid, known.host, "Linux")

	r := f.run("validate", "-i", f.inv)
	wantExit(t, r, exitOK)
	if !regexp.MustCompile(`(?m)^warning: ` + regexp.QuoteMeta(f.inv) + `:\d+: devices\[0\]: no asset_uuid: run ` + "`collector assets provision`$").MatchString(r.stderr) {
		t.Errorf("validate does not warn about web01:\n%s", r.stderr)
	}

	r = f.run("run", "-i", f.inv)
	wantExit(t, r, exitFailures)
	_, rep := f.latest()
	if dr := rep.device(t, "web01"); dr.Status != "failed" || dr.ErrorClass != "asset" || dr.AssetUUID != "" ||
		!strings.Contains(dr.Error, "collector assets provision") || dr.Upload.Status != "skipped" {
		t.Errorf("unprovisioned device in the report: %+v", dr)
	}
	if dr := rep.device(t, "web02"); dr.Status != "ok" || dr.Upload.Status != "uploaded" {
		t.Errorf("provisioned device in the report: %+v", dr)
	}
	if st := fresh.srv.Stats(); st.Connections != 0 {
		t.Errorf("run contacted a device without asset UUID: %+v", st)
	}

	r = f.run("assets", "provision", "-i", f.inv)
	wantExit(t, r, exitOK)
	as := f.gw.Assets()
	if len(as) != 2 || as[1].HostIP != "127.0.0.1" || as[1].Technology != "Linux" || as[1].DNSName != "" {
		t.Fatalf("gateway assets after provisioning: %+v", as)
	}
	fresh.uuid = as[1].UUID
	lines := outLines(t, r.stdout, "web01", "web02")
	if want := "provisioned web01 " + fresh.uuid + " (127.0.0.1, Linux)"; lines["web01"] != want {
		t.Errorf("web01 line %q, want %q", lines["web01"], want)
	}
	if want := "exists      web02 " + known.uuid + " (inventory)"; lines["web02"] != want {
		t.Errorf("web02 line %q, want %q", lines["web02"], want)
	}
	st := f.assetState()
	if rec := st.Assets["web01"]; len(st.Assets) != 1 || rec.AssetUUID != fresh.uuid || rec.HostIP != "127.0.0.1" ||
		rec.Technology != "Linux" || time.Since(rec.ProvisionedAt) > time.Hour {
		t.Errorf("state file: %+v", st)
	}
	if !slices.Equal(readFile(t, f.inv), yamlBefore) {
		t.Errorf("provisioning rewrote the inventory")
	}

	r = f.run("validate", "-i", f.inv)
	if wantExit(t, r, exitOK); strings.Contains(r.stderr, "warning") {
		t.Errorf("validate after provisioning still warns:\n%s", r.stderr)
	}
	r = f.run("run", "-i", f.inv)
	wantExit(t, r, exitOK)
	dir, rep := f.latest()
	if dr := rep.device(t, "web01"); dr.Status != "ok" || dr.AssetUUID != fresh.uuid || dr.Upload.Status != "uploaded" {
		t.Errorf("provisioned device in the second run: %+v", dr)
	}
	f.checkUploaded(dir, fresh)
	checkTree(t, f.out)

	for _, want := range []string{"Provision Requested", "Provision Confirmed"} {
		r = f.run("assets", "status", "-i", f.inv)
		wantExit(t, r, exitOK)
		lines = outLines(t, r.stdout, "web01", "web02")
		for _, d := range []*device{fresh, known} {
			if l := d.name + " " + d.uuid + " " + want; lines[d.name] != l {
				t.Errorf("status line %q, want %q", lines[d.name], l)
			}
		}
		st = f.assetState()
		if st.Assets["web01"].Status != want || st.Assets["web01"].AssetUUID != fresh.uuid || st.Assets["web01"].HostIP != "127.0.0.1" ||
			st.Assets["web02"].Status != want || st.Assets["web02"].AssetUUID != known.uuid {
			t.Errorf("state after status: %+v", st)
		}
	}

	// Everything has a UUID now: provisioning again sends nothing.
	r = f.run("assets", "provision", "-i", f.inv)
	wantExit(t, r, exitOK)
	if lines = outLines(t, r.stdout, "web01", "web02"); !strings.HasPrefix(lines["web01"], "exists      web01 "+fresh.uuid+" (state file)") {
		t.Errorf("web01 line %q", lines["web01"])
	}
	if n := provisionRequests(f.gw); n != 1 {
		t.Errorf("gateway saw %d provisioning requests, want 1", n)
	}
	checkTree(t, f.out)
}

// Each UUID is recorded as it arrives: a refusal or a doubtful failure later in the same run
// loses nothing, and the next run provisions only what is left. 429 is waited out.
func TestE2EAssetsProvisionFailures(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, n := range []string{"a", "b", "c", "named"} {
		f.addClosedPort(n).uuid = ""
	}
	f.devs[3].host = "named.example.invalid" // never resolved: provisioning refuses it first
	f.writeInventory(invOptions{uploadConcurrency: 1})
	const refusal = "ERR-2104 - Technology is not enabled for the subscription"
	f.gw.Script(fakegateway.ProvisionScript, fakegateway.TooManyRequests("1", ""), fakegateway.OK(),
		fakegateway.Status(400, errEnvelope(400, refusal)), fakegateway.Status(500, ""))

	r := f.run("assets", "provision", "-i", f.inv)
	wantExit(t, r, exitFailures)
	as := f.gw.Assets()
	if len(as) != 1 {
		t.Fatalf("gateway assets: %+v", as)
	}
	lines := outLines(t, r.stdout, "a", "b", "c", "named")
	want := map[string]string{
		"a":     "provisioned a " + as[0].UUID + " (127.0.0.1, Linux)",
		"b":     "failed      b provision 127.0.0.1: OCA API 400: " + refusal,
		"c":     "unknown     c provision 127.0.0.1: outcome unknown: the gateway may have acted on the request; check before repeating it: OCA API 500: Internal Server Error",
		"named": `failed      named host "named.example.invalid" is not an IP address: set host_ip on the device to the address the Qualys subscription knows it by`,
	}
	for n, w := range want {
		if lines[n] != w {
			t.Errorf("line of %s:\n got %q\nwant %q", n, lines[n], w)
		}
	}
	if st := f.assetState(); len(st.Assets) != 1 || st.Assets["a"].AssetUUID != as[0].UUID {
		t.Errorf("state after a partly failed provisioning: %+v", st)
	}
	if !strings.Contains(r.stderr, "provision failed, will retry") {
		t.Errorf("the 429 was not logged as a retry:\n%s", r.stderr)
	}

	r = f.run("assets", "provision", "-i", f.inv, "--device", "a", "--device", "b")
	wantExit(t, r, exitOK)
	lines = outLines(t, r.stdout, "a", "b")
	if as = f.gw.Assets(); len(as) != 2 || !strings.HasPrefix(lines["b"], "provisioned b "+as[1].UUID) ||
		lines["a"] != "exists      a "+as[0].UUID+" (state file)" {
		t.Errorf("second provisioning: %+v\n%s", as, r.stdout)
	}
	if st := f.assetState(); len(st.Assets) != 2 || st.Assets["b"].AssetUUID != as[1].UUID {
		t.Errorf("state after the second provisioning: %+v", st)
	}

	// Another run holds the output directory: nothing is sent.
	lock, err := runlock.Acquire(f.out)
	if err != nil {
		t.Fatal(err)
	}
	before := len(f.gw.Requests())
	for _, sub := range []string{"provision", "status"} {
		r = f.run("assets", sub, "-i", f.inv)
		wantExit(t, r, exitLocked)
	}
	if err := lock.Release(); err != nil {
		t.Fatal(err)
	}
	if n := len(f.gw.Requests()); n != before {
		t.Errorf("a locked-out provisioning sent %d requests", n-before)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"assets"}, "collector assets provision -i INVENTORY"},
		{[]string{"assets", "revoke", "-i", f.inv}, `unknown command "revoke"`},
		{[]string{"assets", "status", "-i", f.inv, "--device", "nosuch"}, `unknown device "nosuch"`},
	} {
		r = f.run(tc.args...)
		if wantExit(t, r, exitUsage); !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%q: stderr does not say %q:\n%s", tc.args, tc.want, r.stderr)
		}
	}
	f.writeInventory(invOptions{noUploadSection: true})
	r = f.run("assets", "provision", "-i", f.inv)
	if wantExit(t, r, exitUsage); !strings.Contains(r.stderr, "has no upload section") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
}
