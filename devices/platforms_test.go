package devices

import (
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

func TestBuiltinPlatforms(t *testing.T) {
	want := map[string]Platform{
		"linux":            {Name: "linux", Mode: ModeExec, POSIX: true},
		"generic_shell":    {Name: "generic_shell", Mode: ModeShell},
		"cisco_ios":        {Name: "cisco_ios", Mode: ModeShell},
		"cisco_nxos":       {Name: "cisco_nxos", Mode: ModeExec},
		"cisco_asa":        {Name: "cisco_asa", Mode: ModeShell},
		"juniper_junos":    {Name: "juniper_junos", Mode: ModeExec},
		"arista_eos":       {Name: "arista_eos", Mode: ModeExec},
		"paloalto_panos":   {Name: "paloalto_panos", Mode: ModeShell},
		"fortinet_fortios": {Name: "fortinet_fortios", Mode: ModeShell},
		"hp_comware":       {Name: "hp_comware", Mode: ModeShell},
	}
	names := PlatformNames()
	if len(names) != len(want) {
		t.Errorf("PlatformNames() = %v", names)
	}
	for i := 1; i < len(names); i++ {
		if names[i-1] >= names[i] {
			t.Errorf("PlatformNames() not sorted: %v", names)
		}
	}
	for name, w := range want {
		got, ok := LookupPlatform(name)
		if !ok || got != w {
			t.Errorf("LookupPlatform(%q) = %+v, %v; want %+v", name, got, ok, w)
		}
	}
	if _, ok := LookupPlatform("ios_xe"); ok {
		t.Error("LookupPlatform(ios_xe) found a platform")
	}
}

func TestParsePlatformsIsStrict(t *testing.T) {
	tests := map[string]string{
		"name: linux\nmode: exec\nposix: true\nprompt: x\n": "field prompt not found",
		"name: linux\nmode: telnet\n":                       `unknown mode "telnet"; must be exec or shell`,
		"mode: exec\n":                                      "name is required",
		"name: other\nmode: exec\n":                         `name "other" does not match the file name`,
		"name: linux\nmode: exec\n---\nname: x\n":           "more than one YAML document",
	}
	for src, want := range tests {
		_, err := parsePlatforms(fstest.MapFS{"platforms/linux.yaml": {Data: []byte(src)}})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", src, err, want)
		}
	}
	got, err := parsePlatforms(fstest.MapFS{"platforms/linux.yaml": {Data: []byte("name: linux\nmode: exec\nposix: true\ndescription: d\n")}})
	if err != nil || !reflect.DeepEqual(got, map[string]Platform{"linux": {Name: "linux", Mode: "exec", POSIX: true}}) {
		t.Errorf("valid: %v, %v", got, err)
	}
}
