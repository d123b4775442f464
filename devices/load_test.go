package devices

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestLoadDefaults(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	path := writeInventory(t, minimal, nil)
	inv := mustLoad(t, path)

	if inv.Path != path || inv.Dir != filepath.Dir(path) || inv.Version != 1 {
		t.Errorf("Path, Dir, Version = %q, %q, %d", inv.Path, inv.Dir, inv.Version)
	}
	if inv.OutputDir != "oca-output" {
		t.Errorf("OutputDir = %q, want the relative default", inv.OutputDir)
	}
	if inv.Upload != nil {
		t.Errorf("Upload = %+v, want nil without an upload section", inv.Upload)
	}
	wantColl := Collection{
		Concurrency: 32, RampUp: RampUpAuto, ConnectTimeout: 10 * time.Second, CommandTimeout: 60 * time.Second,
		MaxSessions: 4, DeviceTimeout: 10 * time.Minute, Retries: 1, Framing: FramingMarkers,
		MaxOutputBytes: 16 << 20, MaxDeviceBytes: 64 << 20,
	}
	if inv.Collection != wantColl {
		t.Errorf("Collection = %+v\nwant %+v", inv.Collection, wantColl)
	}
	if len(inv.Warnings) != 0 {
		t.Errorf("Warnings = %q", inv.Warnings)
	}
	want := Device{
		Name: "web01", Host: "10.0.0.5", Port: 22,
		AssetUUID:  "1c0f5a2e-1111-4222-8333-444455556666", // stored lowercased
		Platform:   "linux",
		Credential: Credential{Name: "ops", Username: "oca", PasswordEnv: "OPS_PASSWORD"},
		CommandSet: "base", Commands: []string{"uname -a", "cat /etc/os-release"},
		SSH: SSH{KnownHosts: filepath.Join(home, ".ssh", "known_hosts"), HostKeyPolicy: HostKeyStrict,
			KeepaliveInterval: 15 * time.Second, KeepaliveCountMax: 3},
		MaxSessions: 4, Line: 13,
		Batch:       true, // linux is POSIX and exec: one framed script by default
		PlatformDef: builtinPlatforms()["linux"],
		AssetSource: AssetFromInventory, HostIP: "10.0.0.5", Technology: "Linux",
	}
	if len(inv.Platforms) != len(PlatformNames()) || !reflect.DeepEqual(inv.Platforms["cisco_ios"], builtinPlatforms()["cisco_ios"]) {
		t.Errorf("Platforms = %v, want the built-ins", sortedNames(inv.Platforms))
	}
	if len(inv.Devices) != 1 || !reflect.DeepEqual(inv.Devices[0], want) {
		t.Errorf("Devices = %+v\nwant [%+v]", inv.Devices, want)
	}
	if got := inv.Devices[0].Address(); got != "10.0.0.5:22" {
		t.Errorf("Address() = %q", got)
	}
}

func TestLoadFullCollectionAndUpload(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	src := strings.Replace(minimal, "version: 1\n", `version: 1
output_dir: out/../collected
collection:
  concurrency: 8
  login_rate: 2.5
  ramp_up: 2s
  connect_timeout: 5s
  command_timeout: 2m
  max_sessions: 10
  device_timeout: 1h
  retries: 0
  framing: template
  template: "{{.Index}} {{.Command}}\n{{.Output}}"
  upload_partial: true
  max_output_bytes: 1024
  max_device_bytes: 4096
upload:
  gateway: https://gateway.qg2.apps.qualys.eu/
  username: api_user
  password_file: secrets/qualys
  asset_flow_type: CUSTOM
  concurrency: 16
  timeout: 90s
  ca_file: ca.pem
  max_attempts: 3
  max_backoff: 5s
`, 1)
	path := writeInventory(t, src, map[string]file{
		"secrets/qualys": {content: "pw\n"},
		"ca.pem":         {content: "-----BEGIN CERTIFICATE-----\n", mode: 0o644},
	})
	inv := mustLoad(t, path)
	dir := filepath.Dir(path)
	wantColl := Collection{
		Concurrency: 8, LoginRate: 2.5, RampUp: 2 * time.Second, ConnectTimeout: 5 * time.Second, CommandTimeout: 2 * time.Minute,
		MaxSessions: 10, DeviceTimeout: time.Hour, Retries: 0, Framing: FramingTemplate,
		Template: "{{.Index}} {{.Command}}\n{{.Output}}", UploadPartial: true,
		MaxOutputBytes: 1024, MaxDeviceBytes: 4096,
	}
	if inv.Collection != wantColl {
		t.Errorf("Collection = %+v\nwant %+v", inv.Collection, wantColl)
	}
	wantUp := Upload{
		Gateway: "https://gateway.qg2.apps.qualys.eu", Username: "api_user",
		PasswordFile: filepath.Join(dir, "secrets/qualys"), AssetFlowType: "CUSTOM",
		Concurrency: 16, Timeout: 90 * time.Second, CAFile: filepath.Join(dir, "ca.pem"),
		MaxAttempts: 3, MaxBackoff: 5 * time.Second,
	}
	if inv.Upload == nil || *inv.Upload != wantUp {
		t.Errorf("Upload = %+v\nwant %+v", inv.Upload, wantUp)
	}
	if want := filepath.Join(dir, "collected"); inv.OutputDir != want {
		t.Errorf("OutputDir = %q, want %q", inv.OutputDir, want)
	}
	if inv.Devices[0].MaxSessions != 10 {
		t.Errorf("device MaxSessions = %d, want collection.max_sessions 10", inv.Devices[0].MaxSessions)
	}
}

func TestLoadUploadDefaultsAndLoopbackHTTP(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	for _, gw := range []string{"http://127.0.0.1:8443", "http://localhost:1/", "http://[::1]:9000/gw"} {
		src := minimal + "upload:\n  gateway: " + gw + "\n  username_env: QUALYS_USERNAME\n  password_env: QUALYS_PASSWORD\n"
		inv := mustLoad(t, writeInventory(t, src, nil))
		want := Upload{
			Gateway: strings.TrimSuffix(gw, "/"), UsernameEnv: "QUALYS_USERNAME", PasswordEnv: "QUALYS_PASSWORD",
			AssetFlowType: "DEFAULT", Concurrency: 2, Timeout: 60 * time.Second,
			MaxAttempts: 5, MaxBackoff: time.Minute,
		}
		if *inv.Upload != want {
			t.Errorf("gateway %s: Upload = %+v\nwant %+v", gw, *inv.Upload, want)
		}
	}
	for gw, msg := range map[string]string{
		"gateway.qg1.apps.qualys.com":     `must be an absolute URL like https://gateway.qg1.apps.qualys.com, got "gateway.qg1.apps.qualys.com"`,
		"ftp://gateway.example":           `must use https, got "ftp://gateway.example"`,
		"https://u:p@gateway.example":     `must not contain credentials; use username_env and password_env`,
		"https://gateway.example/?x=1":    `must not have a query or fragment, got "https://gateway.example/?x=1"`,
		"http://127.0.0.1.example.com:80": `must use https (http is allowed only for a loopback test gateway), got "http://127.0.0.1.example.com:80"`,
	} {
		src := minimal + "upload:\n  gateway: " + gw + "\n  username_env: U\n  password_env: P\n"
		got := loadProblems(t, writeInventory(t, src, nil))
		if want := ":17:12: upload.gateway: " + msg; len(got) != 1 || got[0] != want {
			t.Errorf("gateway %s: problems %q, want %q", gw, got, want)
		}
	}
}

// TestLoadPrecedence pins the resolution order: device > groups (in the order the device lists
// them) > defaults > built-in defaults, key by key.
func TestLoadPrecedence(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	src := `version: 1
collection:
  max_sessions: 3
ssh:
  known_hosts: /etc/ssh/ssh_known_hosts
  host_key_policy: accept-new
  keepalive_interval: 30s
credentials:
  a: {username: ua, password_env: A_PW}
  b: {username: ub, agent: true}
command_sets:
  s1: {commands: [one]}
  s2: {commands: [two, three]}
defaults:
  port: 2200
  credential: a
  command_set: s1
  batch: true
groups:
  g1:
    platform: cisco_ios
    credential: b
    max_sessions: 2
    batch: false
    ssh: {host_key_policy: strict, algorithms: legacy}
  g2:
    platform: arista_eos
    command_set: s2
    port: 2201
    jump: [ops@bastion:2222]
    ssh: {known_hosts: g2_known_hosts, keepalive_count_max: 5}
devices:
  - name: d1
    host: h1
    asset_uuid: 00000000-0000-4000-8000-000000000001
    groups: [g1, g2]
  - name: d2
    host: h2
    asset_uuid: 00000000-0000-4000-8000-000000000002
    groups: [g2, g1]
  - name: d3
    host: h3
    asset_uuid: 00000000-0000-4000-8000-000000000003
    groups: [g1, g2, g1]
    port: 2022
    platform: linux
    credential: a
    command_set: s1
    max_sessions: 1
    batch: true
    jump: []
    ssh: {known_hosts: "~/kh", host_key_policy: insecure, keepalive_interval: 0, algorithms: {kex: [curve25519-sha256]}}
  - name: d4
    host: "2001:db8::4"
    asset_uuid: 00000000-0000-4000-8000-000000000004
`
	path := writeInventory(t, src, nil)
	inv := mustLoad(t, path)
	dir := filepath.Dir(path)
	type view struct {
		Port        int
		Platform    string
		Cred        string
		User        string
		Set         string
		Commands    []string
		MaxSessions int
		Batch       bool
		Jump        []string
		SSH         SSH
		Groups      []string
	}
	want := map[string]view{
		"d1": {2201, "cisco_ios", "b", "ub", "s2", []string{"two", "three"}, 2, false, []string{"ops@bastion:2222"},
			SSH{KnownHosts: filepath.Join(dir, "g2_known_hosts"), HostKeyPolicy: HostKeyStrict, Algorithms: Algorithms{Legacy: true},
				KeepaliveInterval: 30 * time.Second, KeepaliveCountMax: 5}, []string{"g1", "g2"}},
		"d2": {2201, "arista_eos", "b", "ub", "s2", []string{"two", "three"}, 2, false, []string{"ops@bastion:2222"},
			SSH{KnownHosts: filepath.Join(dir, "g2_known_hosts"), HostKeyPolicy: HostKeyStrict, Algorithms: Algorithms{Legacy: true},
				KeepaliveInterval: 30 * time.Second, KeepaliveCountMax: 5}, []string{"g2", "g1"}},
		"d3": {2022, "linux", "a", "ua", "s1", []string{"one"}, 1, true, []string{},
			SSH{KnownHosts: filepath.Join(home, "kh"), HostKeyPolicy: HostKeyInsecure, Algorithms: Algorithms{KeyExchanges: []string{"curve25519-sha256"}},
				KeepaliveInterval: 0, KeepaliveCountMax: 5}, []string{"g1", "g2"}},
		"d4": {2200, "linux", "a", "ua", "s1", []string{"one"}, 3, true, nil,
			SSH{KnownHosts: "/etc/ssh/ssh_known_hosts", HostKeyPolicy: HostKeyAcceptNew, KeepaliveInterval: 30 * time.Second, KeepaliveCountMax: 3}, nil},
	}
	if len(inv.Devices) != len(want) {
		t.Fatalf("%d devices, want %d", len(inv.Devices), len(want))
	}
	for _, d := range inv.Devices {
		got := view{d.Port, d.Platform, d.Credential.Name, d.Credential.Username, d.CommandSet, d.Commands,
			d.MaxSessions, d.Batch, d.Jump, d.SSH, d.Groups}
		if !reflect.DeepEqual(got, want[d.Name]) {
			t.Errorf("%s:\n got %+v\nwant %+v", d.Name, got, want[d.Name])
		}
	}
	if got := inv.Devices[3].Address(); got != "[2001:db8::4]:2200" {
		t.Errorf("Address() = %q", got)
	}
	// Commands are a copy: a caller editing one device's list must not change another's.
	inv.Devices[0].Commands[0] = "changed"
	if inv.Devices[1].Commands[0] != "two" || inv.CommandSets["s2"].Commands[0] != "two" {
		t.Error("devices share their command slices")
	}
	if len(inv.Groups) != 2 || inv.Groups["g1"].Name != "g1" {
		t.Errorf("Groups = %+v", inv.Groups)
	}
}

func TestLoadPathExpansion(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	writeFile(t, filepath.Join(home, ".ssh", "id_ed25519"), file{content: "key"})
	src := `version: 1
output_dir: ~/oca
ssh:
  known_hosts: "~"
credentials:
  k:
    username: oca
    private_key: ~/.ssh/id_ed25519
    passphrase_env: KEY_PASSPHRASE
  f:
    username: oca
    password_file: ./pw
command_sets:
  c: {file: cmds/linux.txt}
defaults: {credential: k, command_set: c}
devices:
  - {name: a, host: h, asset_uuid: 00000000-0000-4000-8000-000000000001}
`
	path := writeInventory(t, src, map[string]file{
		"pw":             {content: "secret\n"},
		"cmds/linux.txt": {content: "uname -a\n", mode: 0o644},
	})
	inv := mustLoad(t, path)
	dir := filepath.Dir(path)
	checks := map[string][2]string{
		"output_dir":            {inv.OutputDir, filepath.Join(home, "oca")},
		"ssh.known_hosts":       {inv.Devices[0].SSH.KnownHosts, home},
		"private_key":           {inv.Credentials["k"].PrivateKey, filepath.Join(home, ".ssh", "id_ed25519")},
		"device private_key":    {inv.Devices[0].Credential.PrivateKey, filepath.Join(home, ".ssh", "id_ed25519")},
		"password_file":         {inv.Credentials["f"].PasswordFile, filepath.Join(dir, "pw")},
		"command_sets.c.file":   {inv.CommandSets["c"].File, filepath.Join(dir, "cmds", "linux.txt")},
		"passphrase_env stored": {inv.Credentials["k"].PassphraseEnv, "KEY_PASSPHRASE"},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", name, c[0], c[1])
		}
	}

	got := loadProblems(t, writeInventory(t, strings.Replace(minimal, "version: 1\n", "version: 1\noutput_dir: ~root/x\n", 1), nil))
	if want := `:2:13: output_dir: "~root/x": only "~" and "~/" are expanded, not "~user"`; len(got) != 1 || got[0] != want {
		t.Errorf("~user: %q, want %q", got, want)
	}
	t.Setenv("HOME", "")
	got = loadProblems(t, writeInventory(t, strings.Replace(minimal, "version: 1\n", "version: 1\noutput_dir: ~/x\n", 1), nil))
	want := []string{
		`:2:13: output_dir: cannot expand "~": $HOME is not set`,
		`:14:5: devices[0]: no known_hosts file ($HOME is not set); set ssh.known_hosts`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("no HOME: %q, want %q", got, want)
	}
}

// TestLoadSecretFilePermissions holds key and password files to OpenSSH's rule.
func TestLoadSecretFilePermissions(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	src := `version: 1
credentials:
  k: {username: oca, private_key: id_rsa}
  f: {username: oca, password_file: pw}
command_sets:
  c: {commands: [id]}
defaults: {credential: k, command_set: c}
devices:
  - {name: a, host: h, asset_uuid: 00000000-0000-4000-8000-000000000001}
upload:
  gateway: https://gw.example
  username: u
  password_file: upw
`
	path := writeInventory(t, src, map[string]file{
		"id_rsa": {content: "k", mode: 0o644},
		"pw":     {content: "p", mode: 0o640},
		"upw":    {content: "p", mode: 0o604},
	})
	dir := filepath.Dir(path)
	want := []string{
		":3:35: credentials.k.private_key: permissions 0644 for " + dir + "/id_rsa are too open; it must not be accessible by others (chmod 600)",
		":4:37: credentials.f.password_file: password file " + dir + "/pw has permissions 0640; it must not be readable by group or others (chmod 600)",
		":13:18: upload.password_file: password file " + dir + "/upw has permissions 0604; it must not be readable by group or others (chmod 600)",
	}
	if got := loadProblems(t, path); !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestLoadWarnsAboutInlinePasswords(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	src := strings.Replace(minimal, "password_env: OPS_PASSWORD", "password: hunter2", 1) + `upload:
  gateway: https://gw.example
  username: u
  password: hunter3
`
	path := writeInventory(t, src, nil)
	inv := mustLoad(t, path)
	want := []string{
		path + ":5:15: credentials.ops.password: inline password; prefer password_env or password_file",
		path + ":19:13: upload.password: inline password; prefer password_env or password_file",
	}
	if !reflect.DeepEqual(inv.Warnings, want) {
		t.Errorf("Warnings = %q\nwant %q", inv.Warnings, want)
	}
	for _, w := range inv.Warnings {
		if strings.Contains(w, "hunter") {
			t.Errorf("warning leaks the password: %q", w)
		}
	}
	if inv.Credentials["ops"].Password.Reveal() != "hunter2" || inv.Upload.Password.Reveal() != "hunter3" {
		t.Error("inline passwords not stored")
	}
}

// TestLoadAnchorsAndMerge checks the YAML features operators use to avoid repetition: aliases,
// merge keys, and top-level x- keys to hold the anchors.
func TestLoadAnchorsAndMerge(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	src := `version: 1
x-net: &net {platform: cisco_ios, credential: ops, port: 2222}
x-other: &other {max_sessions: 1, port: 2223}
credentials:
  ops: {username: oca, password_env: OPS_PASSWORD}
command_sets:
  base: {commands: &cmds [show version]}
  again: {commands: *cmds}
defaults: {command_set: base}
groups:
  core:
    <<: [*net, *other]
    port: 2022
  edge:
    <<: *net
    platform: hp_comware
devices:
  - {name: a, host: h1, asset_uuid: 00000000-0000-4000-8000-000000000001, groups: [core]}
  - {name: b, host: h2, asset_uuid: 00000000-0000-4000-8000-000000000002, groups: [edge], command_set: again}
`
	inv := mustLoad(t, writeInventory(t, src, nil))
	a, b := inv.Devices[0], inv.Devices[1]
	if a.Platform != "cisco_ios" || a.Port != 2022 || a.MaxSessions != 1 || a.Credential.Name != "ops" {
		t.Errorf("a = %+v", a)
	}
	if b.Platform != "hp_comware" || b.Port != 2222 || !reflect.DeepEqual(b.Commands, []string{"show version"}) {
		t.Errorf("b = %+v", b)
	}

	bad := `version: 1
x-bad: &bad {colour: blue}
groups:
  g:
    <<: *bad
devices: []
`
	got := loadProblems(t, writeInventory(t, bad, nil))
	want := []string{
		`:2:14: groups.g.colour: unknown key "colour"`,
		`:6:10: devices: list at least one device`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems %q, want %q", got, want)
	}
}

func TestLoadTemplateInPlainScalar(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	src := strings.Replace(minimal, "version: 1\n", "version: 1\ncollection:\n  framing: template\n  template: \"{{.Command}\\n{{if}}\"\n", 1)
	got := loadProblems(t, writeInventory(t, src, nil))
	want := `:4:13: collection.template: invalid template: line 1 of the template: bad character U+007D '}'`
	if len(got) != 1 || got[0] != want {
		t.Errorf("problems %q, want %q", got, want)
	}
	src = strings.Replace(minimal, "version: 1\n", "version: 1\ncollection:\n  template: \"{{.Output}}\"\n", 1)
	got = loadProblems(t, writeInventory(t, src, nil))
	want = `:3:13: collection.template: only used with framing: template (framing is "markers")`
	if len(got) != 1 || got[0] != want {
		t.Errorf("problems %q, want %q", got, want)
	}
}

// TestLoadMergeChainIsLinear guards against a "billion laughs" document: twelve levels of ten
// merges each would be 10^12 mappings if merges were expanded naively, and this test would never
// finish.
func TestLoadMergeChainIsLinear(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	var b strings.Builder
	b.WriteString("x-l0: &l0 {port: 2200}\n")
	for i := 1; i <= 12; i++ {
		refs := strings.TrimSuffix(strings.Repeat("*l"+strconv.Itoa(i-1)+", ", 10), ", ")
		fmt.Fprintf(&b, "x-l%d: &l%d {<<: [%s]}\n", i, i, refs)
	}
	src := strings.Replace(minimal, "defaults:\n", b.String()+"defaults:\n  <<: *l12\n", 1)
	inv := mustLoad(t, writeInventory(t, src, nil))
	if inv.Devices[0].Port != 2200 {
		t.Errorf("port = %d, want 2200 merged through 12 levels", inv.Devices[0].Port)
	}
}
