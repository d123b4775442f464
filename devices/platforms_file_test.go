package devices

import (
	"reflect"
	"strings"
	"testing"
)

// platformInventory is minimal with extra top-level keys (top) and its device list replaced
// by devices.
func platformInventory(top, devices string) string {
	return strings.Replace(strings.Replace(minimal, "version: 1\n", "version: 1\n"+top, 1),
		"devices:\n  - name: web01\n    host: 10.0.0.5\n    asset_uuid: 1C0F5A2E-1111-4222-8333-444455556666\n",
		"devices:\n"+devices, 1)
}

func TestPlatformsFileList(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	platforms := `# a list of definitions
- name: acme_os
  base: generic_shell
  description: ACME switches
  prompt:
    user: '^acme-[\w-]+>\s*$'
  on_open: [no page]
  error_patterns: ['(?m)^Error: ']
- name: linux
  description: Linux through a PTY only
  mode: shell
  posix: true
  prompt: {user: '\$\s*$', privileged: '#\s*$'}
`
	src := platformInventory("platforms_file: defs/platforms.yaml\n", `  - {name: sw, host: h1, asset_uuid: 00000000-0000-4000-8000-000000000001, platform: acme_os}
  - {name: web, host: h2, asset_uuid: 00000000-0000-4000-8000-000000000002}
  - {name: core, host: h3, asset_uuid: 00000000-0000-4000-8000-000000000003, platform: cisco_ios}
`)
	inv := mustLoad(t, writeInventory(t, src, map[string]file{"defs/platforms.yaml": {content: platforms}}))
	if len(inv.Platforms) != len(PlatformNames())+1 {
		t.Errorf("Platforms = %v", sortedNames(inv.Platforms))
	}
	sw, web, core := inv.Devices[0].PlatformDef, inv.Devices[1].PlatformDef, inv.Devices[2].PlatformDef

	// acme_os starts from generic_shell and changes what it sets, nothing else.
	gs, _ := LookupPlatform("generic_shell")
	want := gs.clone()
	want.Name, want.Description = "acme_os", "ACME switches"
	want.Prompt.User = `^acme-[\w-]+>\s*$`
	want.OnOpen = []string{"no page"}
	want.ErrorPatterns = []string{`(?m)^Error: `}
	if !reflect.DeepEqual(sw, want) {
		t.Errorf("acme_os =\n%+v\nwant\n%+v", sw, want)
	}
	// linux is replaced as a whole: no base, so nothing of the built-in is left.
	if web.Name != "linux" || web.Mode != ModeShell || !web.POSIX || web.Exit != "" || web.Description != "Linux through a PTY only" {
		t.Errorf("linux = %+v", web)
	}
	if inv.Devices[1].Batch {
		t.Error("batch defaults to false on a POSIX platform driven through a shell")
	}
	if builtin, _ := LookupPlatform("cisco_ios"); !reflect.DeepEqual(core, builtin) {
		t.Errorf("cisco_ios = %+v, want the built-in", core)
	}
	if l, _ := LookupPlatform("linux"); l.Mode != ModeExec {
		t.Error("an inventory's override changed the built-in")
	}
}

func TestPlatformsFileMapping(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	platforms := `# a mapping of name to definition
cisco_ios:
  base: cisco_ios            # the built-in: change one key of it
  on_open: [terminal length 0]
  enable: null               # this fleet never enables
eos_shell:
  base: arista_eos
  mode: shell
`
	src := platformInventory("platforms_file: /PLATFORMS\n", `  - {name: core, host: h1, asset_uuid: 00000000-0000-4000-8000-000000000001, platform: cisco_ios}
  - {name: leaf, host: h2, asset_uuid: 00000000-0000-4000-8000-000000000002, platform: eos_shell}
`)
	path := writeInventory(t, "", map[string]file{"platforms.yaml": {content: platforms}})
	src = strings.Replace(src, "/PLATFORMS", strings.TrimSuffix(path, "inventory.yaml")+"platforms.yaml", 1)
	writeFile(t, path, file{content: src})
	inv := mustLoad(t, path)

	core, leaf := inv.Devices[0].PlatformDef, inv.Devices[1].PlatformDef
	ios, _ := LookupPlatform("cisco_ios")
	if core.Enable != nil || !reflect.DeepEqual(core.OnOpen, []string{"terminal length 0"}) || core.Prompt != ios.Prompt ||
		!reflect.DeepEqual(core.Pagers, ios.Pagers) || core.Mode != ModeShell {
		t.Errorf("cisco_ios override = %+v", core)
	}
	eos, _ := LookupPlatform("arista_eos")
	if leaf.Name != "eos_shell" || leaf.Mode != ModeShell || leaf.Prompt != eos.Prompt || leaf.Enable == nil ||
		!reflect.DeepEqual(leaf.OnOpen, eos.OnOpen) {
		t.Errorf("eos_shell = %+v", leaf)
	}
	// Devices get their own copies.
	inv.Devices[0].PlatformDef.Pagers[0].Send = "q"
	if inv.Platforms["cisco_ios"].Pagers[0].Send != " " {
		t.Error("a device shares its platform definition with the inventory")
	}
}

// TestPlatformsFileProblemsDoNotHideInventoryOnes: problems of both files are reported in one
// pass, the inventory's first.
func TestPlatformsFileProblemsDoNotHideInventoryOnes(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	src := platformInventory("platforms_file: p.yaml\n", `  - {name: sw, host: h1, asset_uuid: 00000000-0000-4000-8000-000000000001, platform: acme, port: 0}
`)
	path := writeInventory(t, src, map[string]file{"p.yaml": {content: "[]\n"}})
	got := loadProblems(t, path)
	dir := strings.TrimSuffix(path, "inventory.yaml")
	want := []string{
		`:14:98: devices[0].port: must be between 1 and 65535, got 0`,
		dir + `p.yaml:1:1: list at least one platform definition`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems\n%q\nwant\n%q", got, want)
	}
}
