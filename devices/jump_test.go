package devices

import (
	"reflect"
	"strings"
	"testing"
)

func TestJumpResolution(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	src := `version: 1
credentials:
  ops: {username: oca, password_env: OPS_PASSWORD}
  bastion: {username: jump, agent: true}
command_sets:
  base: {commands: [uname -a]}
defaults: {credential: ops, command_set: base}
groups:
  dmz:
    jump: [bastion2]
    ssh: {host_key_policy: accept-new}
devices:
  - name: bastion1
    host: 10.0.0.1
    asset_uuid: 00000000-0000-4000-8000-000000000001
    credential: bastion
  - name: bastion2
    host: 10.1.0.1
    port: 2222
    asset_uuid: 00000000-0000-4000-8000-000000000002
    jump: [bastion1]
    ssh: {algorithms: legacy}
  - name: web
    host: 10.2.0.5
    asset_uuid: 00000000-0000-4000-8000-000000000003
    groups: [dmz]
  - name: far
    host: 10.3.0.5
    asset_uuid: 00000000-0000-4000-8000-000000000004
    jump: [web, "admin@gw.example.net"]
    platform: cisco_ios
  - name: direct
    host: 10.4.0.5
    asset_uuid: 00000000-0000-4000-8000-000000000005
    groups: [dmz]
    jump: []
`
	inv := mustLoad(t, writeInventory(t, src, nil))
	byName := map[string]Device{}
	for _, d := range inv.Devices {
		byName[d.Name] = d
	}
	names := func(d Device) string {
		var s []string
		for _, h := range d.JumpHops {
			s = append(s, h.Name+"="+h.Address()+"/"+h.Credential.Name+":"+h.Credential.Username)
		}
		return strings.Join(s, " ")
	}
	want := map[string]string{
		"bastion1": "",
		"bastion2": "bastion1=10.0.0.1:22/bastion:jump",
		// The group's hop is itself behind bastion1: its hops come first.
		"web": "bastion1=10.0.0.1:22/bastion:jump bastion2=10.1.0.1:2222/ops:oca",
		"far": "bastion1=10.0.0.1:22/bastion:jump bastion2=10.1.0.1:2222/ops:oca web=10.2.0.5:22/ops:oca " +
			"admin@gw.example.net=gw.example.net:22/ops:admin",
		"direct": "",
	}
	for name, w := range want {
		if got := names(byName[name]); got != w {
			t.Errorf("%s: hops %q, want %q", name, got, w)
		}
	}

	// A device hop carries the hop device's own SSH settings; a user@host hop the referring
	// device's, with the referring device's credential and the user replaced.
	b2 := byName["web"].JumpHops[1]
	if !b2.SSH.Algorithms.Legacy || b2.SSH.HostKeyPolicy != HostKeyStrict {
		t.Errorf("bastion2 hop SSH = %+v", b2.SSH)
	}
	if byName["web"].SSH.HostKeyPolicy != HostKeyAcceptNew || byName["web"].SSH.Algorithms.Legacy {
		t.Errorf("web SSH = %+v", byName["web"].SSH)
	}
	if byName["direct"].Jump == nil || len(byName["direct"].JumpHops) != 0 {
		t.Errorf("jump: [] on the device must clear the group's jump: %+v", byName["direct"].JumpHops)
	}
}

func TestJumpUserHostHops(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	src := strings.Replace(minimal, "    asset_uuid: 1C0F5A2E-1111-4222-8333-444455556666\n",
		"    asset_uuid: 1C0F5A2E-1111-4222-8333-444455556666\n"+
			`    jump: ["admin@gw.example.net", "svc@DOMAIN@[2001:db8::1]:2022", "u@[2001:db8::2]", "u@10.9.9.9:2200"]`+"\n"+
			"    ssh: {host_key_policy: accept-new, keepalive_interval: 5s}\n", 1)
	inv := mustLoad(t, writeInventory(t, src, nil))
	dev := inv.Devices[0]
	cred := func(user string) Credential {
		c := dev.Credential
		c.Username = user
		return c
	}
	want := []Hop{
		{Name: "admin@gw.example.net", Host: "gw.example.net", Port: 22, Credential: cred("admin"), SSH: dev.SSH},
		{Name: "svc@DOMAIN@[2001:db8::1]:2022", Host: "2001:db8::1", Port: 2022, Credential: cred("svc@DOMAIN"), SSH: dev.SSH},
		{Name: "u@[2001:db8::2]", Host: "2001:db8::2", Port: 22, Credential: cred("u"), SSH: dev.SSH},
		{Name: "u@10.9.9.9:2200", Host: "10.9.9.9", Port: 2200, Credential: cred("u"), SSH: dev.SSH},
	}
	if !reflect.DeepEqual(dev.JumpHops, want) {
		t.Errorf("hops\n%+v\nwant\n%+v", dev.JumpHops, want)
	}
	if dev.Credential.Username != "oca" || dev.JumpHops[1].Address() != "[2001:db8::1]:2022" {
		t.Errorf("device credential %q, address %q", dev.Credential.Username, dev.JumpHops[1].Address())
	}
}

// TestJumpTooManyThroughHops: the limit counts the hops a device really goes through, its hop
// devices' own hops included.
func TestJumpTooManyThroughHops(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	src := `version: 1
credentials: {ops: {username: oca, password_env: OPS_PASSWORD}}
command_sets: {base: {commands: [uname -a]}}
defaults: {credential: ops, command_set: base}
devices:
  - {name: b1, host: h1, asset_uuid: 00000000-0000-4000-8000-000000000001, jump: [u@a, u@b]}
  - {name: b2, host: h2, asset_uuid: 00000000-0000-4000-8000-000000000002, jump: [b1, u@c]}
  - {name: ok, host: h3, asset_uuid: 00000000-0000-4000-8000-000000000003, jump: [b2]}
  - {name: far, host: h4, asset_uuid: 00000000-0000-4000-8000-000000000004, jump: [b2, u@d]}
`
	got := loadProblems(t, writeInventory(t, src, nil))
	want := []string{`:9:83: devices[3].jump: device "far" needs more than 5 jump hops (u@a -> u@b -> b1 -> u@c -> b2 -> u@d ...); at most 5`}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems %q\nwant %q", got, want)
	}
	ok := strings.Replace(src, "jump: [b2, u@d]", "jump: []", 1)
	inv := mustLoad(t, writeInventory(t, ok, nil))
	if n := len(inv.Devices[2].JumpHops); n != 5 {
		t.Errorf("ok: %d hops, want 5 (the limit is inclusive)", n)
	}
}

func TestParseJumpHost(t *testing.T) {
	tests := []struct {
		in         string
		user, host string
		port       int
		err        string
	}{
		{"oca@bastion", "oca", "bastion", 22, ""},
		{"oca@10.0.0.1:2222", "oca", "10.0.0.1", 2222, ""},
		{"a@b@host:1", "a@b", "host", 1, ""},
		{"oca@[::1]", "oca", "::1", 22, ""},
		{"oca@[::1]:65535", "oca", "::1", 65535, ""},
		{"oca@host:65536", "", "", 0, `port "65536" is not between 1 and 65535`},
		{"oca@host:ssh", "", "", 0, `port "ssh" is not between 1 and 65535`},
		{"oca@host:", "", "", 0, `port "" is not between 1 and 65535`},
		{"oca@[]", "", "", 0, `invalid host ""`},
		{"oca@ho st", "", "", 0, `invalid host "ho st"`},
		{"oca@a/b", "", "", 0, `invalid host "a/b"`},
		{"oca@::1", "", "", 0, "bracket an IPv6 address (user@[2001:db8::1]:22)"},
		{"@h", "", "", 0, "no user before '@'"},
		{"u@", "", "", 0, "no host after '@'"},
	}
	for _, tt := range tests {
		u, h, p, err := parseJumpHost(tt.in)
		if u != tt.user || h != tt.host || p != tt.port || err != tt.err {
			t.Errorf("parseJumpHost(%q) = %q, %q, %d, %q; want %q, %q, %d, %q", tt.in, u, h, p, err, tt.user, tt.host, tt.port, tt.err)
		}
	}
}
