package devices

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

const (
	uuidA = "00000000-0000-4000-8000-00000000000a"
	uuidB = "00000000-0000-4000-8000-00000000000b"
	uuidC = "00000000-0000-4000-8000-00000000000c"
)

// fleetInventory has three devices: a with its asset_uuid in the YAML, b and c without, and
// output_dir "out" beside it.
const fleetInventory = `version: 1
output_dir: out
credentials:
  ops: {username: oca, password_env: OPS_PASSWORD}
command_sets:
  base: {commands: [uname -a]}
defaults: {credential: ops, command_set: base}
devices:
  - name: a
    host: 10.0.0.1
    asset_uuid: ` + uuidA + `
  - name: b
    host: 10.0.0.2
  - name: c
    host: sw-c.example.net
    platform: cisco_ios
`

// state renders an asset state file with the given records.
func state(t *testing.T, recs map[string]AssetRecord) file {
	t.Helper()
	st := NewAssetState()
	for n, r := range recs {
		st.Assets[n] = r
	}
	var b bytes.Buffer
	if err := st.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	return file{content: b.String()}
}

func TestAssetStateFillsDevicesWithoutUUID(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	path := writeInventory(t, fleetInventory, map[string]file{
		"out/assets.json": state(t, map[string]AssetRecord{
			"a": {AssetUUID: uuidA, Status: "Provision Confirmed"},
			"b": {AssetUUID: strings.ToUpper(uuidB), HostIP: "10.0.0.2", Technology: "Linux"},
		}),
	})
	inv := mustLoad(t, path)
	if want := filepath.Join(filepath.Dir(path), "out", "assets.json"); inv.AssetStateFile != want {
		t.Errorf("AssetStateFile = %q, want %q", inv.AssetStateFile, want)
	}
	type got struct{ uuid, source, hostIP, technology string }
	want := []got{
		{uuidA, AssetFromInventory, "10.0.0.1", "Linux"},
		{uuidB, AssetFromState, "10.0.0.2", "Linux"}, // lower-cased
		{"", "", "", "Cisco IOS"},                    // a host name and no host_ip: no HostIP
	}
	for i, d := range inv.Devices {
		if g := (got{d.AssetUUID, d.AssetSource, d.HostIP, d.Technology}); g != want[i] {
			t.Errorf("device %s = %+v, want %+v", d.Name, g, want[i])
		}
	}
	wantWarnings := []string{path + ":14: devices[2]: no asset_uuid: run `collector assets provision`"}
	if !reflect.DeepEqual(inv.Warnings, wantWarnings) {
		t.Errorf("Warnings = %q\nwant %q", inv.Warnings, wantWarnings)
	}
}

func TestAssetStateFileKeyAndMissingFile(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	src := strings.Replace(fleetInventory, "output_dir: out\n", "output_dir: out\nasset_state_file: state/oca-assets.json\n", 1)
	path := writeInventory(t, src, map[string]file{
		"out/assets.json":       state(t, map[string]AssetRecord{"c": {AssetUUID: uuidC}}), // not the file in use
		"state/oca-assets.json": state(t, map[string]AssetRecord{"b": {AssetUUID: uuidB}}),
	})
	inv := mustLoad(t, path)
	if want := filepath.Join(filepath.Dir(path), "state", "oca-assets.json"); inv.AssetStateFile != want {
		t.Errorf("AssetStateFile = %q, want %q", inv.AssetStateFile, want)
	}
	if inv.Devices[1].AssetUUID != uuidB || inv.Devices[2].AssetUUID != "" {
		t.Errorf("UUIDs = %q, %q; want b's from state/oca-assets.json only", inv.Devices[1].AssetUUID, inv.Devices[2].AssetUUID)
	}

	// No state file at all: nothing provisioned yet, two warnings, no problem.
	path = writeInventory(t, fleetInventory, nil)
	inv = mustLoad(t, path)
	if len(inv.Warnings) != 2 || !strings.Contains(inv.Warnings[0], "devices[1]: no asset_uuid") {
		t.Errorf("Warnings = %q", inv.Warnings)
	}
}

func TestAssetStateWarnings(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	src := strings.Replace(fleetInventory, "    platform: cisco_ios\n", "    platform: cisco_ios\n    host_ip: 192.0.2.9\n    technology: Cisco IOS XE\n", 1)
	path := writeInventory(t, src, map[string]file{
		"out/assets.json": state(t, map[string]AssetRecord{
			"a":   {AssetUUID: uuidC},
			"b":   {AssetUUID: uuidB, HostIP: "10.0.0.99", Technology: "Linux"},
			"c":   {AssetUUID: "00000000-0000-4000-8000-0000000000cc", HostIP: "192.0.2.9", Technology: "Cisco IOS"},
			"old": {AssetUUID: "00000000-0000-4000-8000-0000000000dd"},
		}),
	})
	inv := mustLoad(t, path)
	state := filepath.Join(filepath.Dir(path), "out", "assets.json")
	want := []string{
		path + ":9: devices[0]: asset_uuid " + uuidA + " differs from " + uuidC + " in the asset state file " + state + "; the inventory's is used",
		path + ":12: devices[1]: host IP is 10.0.0.2, but asset " + uuidB + " was provisioned with 10.0.0.99, which OCA cannot change",
		path + `:14: devices[2]: technology is "Cisco IOS XE", but asset 00000000-0000-4000-8000-0000000000cc was provisioned as "Cisco IOS", which OCA cannot change`,
		state + `: assets.old: device "old" is not in the inventory; its asset 00000000-0000-4000-8000-0000000000dd is unused (renamed? move the entry to the new name)`,
	}
	if !reflect.DeepEqual(inv.Warnings, want) {
		t.Errorf("Warnings:\n%s\nwant:\n%s", strings.Join(inv.Warnings, "\n"), strings.Join(want, "\n"))
	}
	if d := inv.Devices[2]; d.HostIP != "192.0.2.9" || d.Technology != "Cisco IOS XE" || d.AssetSource != AssetFromState {
		t.Errorf("device c = host IP %q, technology %q, source %q", d.HostIP, d.Technology, d.AssetSource)
	}
}

func TestAssetStateProblems(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	tests := []struct {
		name  string
		state string
		want  []string // after the state file's path
	}{
		{"syntax", "{\"version\": 1,\n  \"assets\": {,}}\n", []string{`:2:14: invalid JSON: invalid character ',' looking for beginning of object key string`}},
		{"type", `{"version": "1"}`, []string{`:1:15: invalid JSON: json: cannot unmarshal string into Go struct field AssetState.version of type int`}},
		{"unknown key", `{"version": 1, "assets": {"b": {"asset_uuid": "` + uuidB + `", "uuid": "x"}}}`, []string{`: invalid JSON: json: unknown field "uuid"`}},
		{"version", `{"version": 2, "assets": {}}`, []string{`: version: unsupported version 2; must be 1`}},
		{"two values", `{"version": 1} {}`, []string{`: more than one JSON value; the asset state file is one object`}},
		{"malformed and duplicate", `{"version": 1, "assets": {
			"b": {"asset_uuid": "` + uuidB + `"},
			"c": {"asset_uuid": "` + strings.ToUpper(uuidB) + `"},
			"d": {"asset_uuid": "7d2e..."},
			"e f": {"asset_uuid": "` + uuidC + `"}}}`, []string{
			`: assets.c.asset_uuid: duplicate asset UUID "` + uuidB + `" (also device "b")`,
			`: assets.d.asset_uuid: malformed asset UUID "7d2e..."; want 8-4-4-4-12 hex digits`,
			`: assets.e f: invalid device name "e f"`,
		}},
		{"inventory's UUID", `{"version": 1, "assets": {"c": {"asset_uuid": "` + uuidA + `"}}}`,
			[]string{`: assets.c.asset_uuid: asset UUID "` + uuidA + `" is also the asset_uuid of device "a" ($INV:9)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeInventory(t, fleetInventory, map[string]file{"out/assets.json": {content: tt.state}})
			state := filepath.Join(filepath.Dir(path), "out", "assets.json")
			var want []string
			for _, w := range tt.want {
				want = append(want, state+strings.ReplaceAll(w, "$INV", path))
			}
			if got := loadProblemsFull(t, path); !reflect.DeepEqual(got, want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}

	t.Run("not a regular file", func(t *testing.T) {
		path := writeInventory(t, fleetInventory, nil)
		state := filepath.Join(filepath.Dir(path), "out", "assets.json")
		if err := os.MkdirAll(state, 0o700); err != nil {
			t.Fatal(err)
		}
		if got := loadProblemsFull(t, path); !slices.Equal(got, []string{state + ": cannot read asset state file: not a regular file"}) {
			t.Errorf("problems = %q", got)
		}
	})
}

// loadProblemsFull is loadProblems without cutting the inventory path off (state file problems
// name another file).
func loadProblemsFull(t *testing.T, path string) []string {
	t.Helper()
	_, err := Load(path)
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("Load error = %v (%T), want Problems", err, err)
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Error()
	}
	return out
}

func TestAssetFieldsDecode(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	src := `version: 1
platforms_file: platforms.yaml
credentials:
  ops: {username: oca, password_env: OPS_PASSWORD}
command_sets:
  base: {commands: [uname -a]}
defaults: {credential: ops, command_set: base}
devices:
  - {name: v6, host: "2001:db8::5", platform: juniper_junos}
  - {name: mapped, host: sw.example.net, host_ip: "::ffff:10.0.0.7", platform: xe}
  - {name: generic, host: 10.0.0.8, platform: generic_shell}
  - {name: own, host: 10.0.0.9, platform: generic_shell, technology: "  Acme OS  "}
`
	path := writeInventory(t, src, map[string]file{
		"platforms.yaml": {content: "- {name: xe, base: cisco_ios, technology: Cisco IOS XE}\n"},
	})
	inv := mustLoad(t, path)
	want := [][2]string{{"2001:db8::5", "Juniper Junos"}, {"10.0.0.7", "Cisco IOS XE"}, {"10.0.0.8", ""}, {"10.0.0.9", "Acme OS"}}
	for i, d := range inv.Devices {
		if got := [2]string{d.HostIP, d.Technology}; got != want[i] {
			t.Errorf("%s: host IP, technology = %q, want %q", d.Name, got, want[i])
		}
	}

	bad := strings.Replace(src, "platform: juniper_junos}", "platform: juniper_junos, host_ip: sw1.example.net, technology: \"\"}", 1)
	bad = strings.Replace(bad, `technology: "  Acme OS  "`, `technology: "Acme\tOS"`, 1)
	path = writeInventory(t, bad, map[string]file{
		"platforms.yaml": {content: "- {name: xe, base: cisco_ios, technology: [Cisco]}\n"},
	})
	got := loadProblems(t, path)
	wantProblems := []string{
		`:9:71: devices[0].host_ip: "sw1.example.net" is not an IP address`,
		`:9:100: devices[0].technology: must not be empty`,
		`:12:70: devices[3].technology: "Acme\tOS" contains control characters`,
	}
	if !slices.Equal(got[:min(len(got), 3)], wantProblems) || len(got) != 4 || !strings.Contains(got[3], "xe.technology: must be a string") {
		t.Errorf("problems:\n%s\nwant:\n%s\nand xe.technology: must be a string", strings.Join(got, "\n"), strings.Join(wantProblems, "\n"))
	}
}

func TestAssetStateRoundTrip(t *testing.T) {
	st := NewAssetState()
	at := time.Date(2026, 12, 3, 16, 0, 0, 0, time.UTC)
	st.Assets["web01"] = AssetRecord{AssetUUID: uuidA, HostIP: "10.0.0.1", Technology: "Linux", ProvisionedAt: at, Status: "Provision Requested"}
	st.Assets["core-sw1"] = AssetRecord{AssetUUID: uuidB}
	var b bytes.Buffer
	if err := st.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	const want = `{
  "version": 1,
  "assets": {
    "core-sw1": {
      "asset_uuid": "00000000-0000-4000-8000-00000000000b"
    },
    "web01": {
      "asset_uuid": "00000000-0000-4000-8000-00000000000a",
      "host_ip": "10.0.0.1",
      "technology": "Linux",
      "provisioned_at": "2026-12-03T16:00:00Z",
      "status": "Provision Requested"
    }
  }
}
`
	if b.String() != want {
		t.Errorf("WriteJSON:\n%s\nwant:\n%s", b.String(), want)
	}
	path := filepath.Join(t.TempDir(), "assets.json")
	writeFile(t, path, file{content: b.String()})
	got, err := ReadAssetState(path)
	if err != nil || !reflect.DeepEqual(got, st) {
		t.Errorf("ReadAssetState = %+v, %v; want %+v", got, err, st)
	}
	empty, err := ReadAssetState(filepath.Join(t.TempDir(), "missing.json"))
	if err != nil || !reflect.DeepEqual(empty, NewAssetState()) {
		t.Errorf("missing file: %+v, %v; want an empty state", empty, err)
	}
}
