package devices

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestExampleInventory loads the shipped example so that it can never drift from the loader.
// Its private key lives under $HOME, which the test points at a scratch directory.
func TestExampleInventory(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	writeFile(t, filepath.Join(home, ".ssh", "id_ed25519"), file{content: "not a real key"})

	inv := mustLoad(t, "../configs/inventory.example.yaml")
	if len(inv.Warnings) != 0 {
		t.Errorf("the example should not need warnings: %q", inv.Warnings)
	}
	for _, c := range inv.Credentials {
		if c.Password != "" || c.PasswordFile != "" {
			t.Errorf("credential %q: the example must take secrets from the environment", c.Name)
		}
	}
	if inv.Upload == nil || inv.Upload.Password != "" || inv.Upload.PasswordEnv == "" {
		t.Errorf("upload = %+v, want password_env", inv.Upload)
	}
	if len(inv.Devices) < 5 {
		t.Errorf("example has %d devices", len(inv.Devices))
	}
	for _, d := range inv.Devices {
		if len(d.Commands) == 0 {
			t.Errorf("device %s has no commands", d.Name)
		}
		if p, ok := inv.Platforms[d.Platform]; !ok || d.PlatformDef.Name != d.Platform || !reflect.DeepEqual(d.PlatformDef, p) {
			t.Errorf("device %s: platform %q, definition %+v", d.Name, d.Platform, d.PlatformDef)
		}
	}
	byName := map[string]Device{}
	for _, d := range inv.Devices {
		byName[d.Name] = d
	}
	// The example shows a platforms_file, a legacy-algorithms group and jump hosts: check each
	// resolves to what its comments say.
	closet := byName["closet-sw7"]
	if closet.PlatformDef.Name != "hp_procurve" || !closet.SSH.Algorithms.Legacy || len(closet.JumpHops) != 2 ||
		closet.JumpHops[0].Name != "bastion01" || closet.JumpHops[1].Address() != "10.30.0.1:2222" ||
		closet.JumpHops[1].Credential.Username != "oca" || closet.JumpHops[1].Credential.PasswordEnv != closet.Credential.PasswordEnv {
		t.Errorf("closet-sw7 = %+v", closet)
	}
	if hops := byName["web01"].JumpHops; len(hops) != 1 || hops[0].Name != "bastion01" || hops[0].Credential.Name != "linux" {
		t.Errorf("web01 hops = %+v", hops)
	}
	if !byName["db01"].Batch || byName["web02"].Batch || byName["core-sw1"].Batch {
		t.Errorf("batch: db01 %v, web02 %v, core-sw1 %v", byName["db01"].Batch, byName["web02"].Batch, byName["core-sw1"].Batch)
	}
	if byName["core-sw1"].SSH.Algorithms.Legacy || byName["core-sw1"].SSH.KeepaliveInterval != 15*time.Second {
		t.Errorf("core-sw1 SSH = %+v", byName["core-sw1"].SSH)
	}
	for _, name := range []string{"hp_procurve", "arista_eos_enable", "fortinet_fortios_nopager"} {
		if _, ok := inv.Platforms[name]; !ok {
			t.Errorf("platforms.example.yaml: no %s", name)
		}
	}
	sw, err := inv.Select([]string{"core-sw1"}, nil)
	if err != nil || sw[0].Platform != "cisco_ios" || sw[0].Credential.EnablePasswordEnv == "" || sw[0].MaxSessions != 1 {
		t.Errorf("core-sw1 = %+v, %v", sw, err)
	}
	web, err := inv.Select(nil, []string{"dmz"})
	if err != nil || len(web) != 2 || web[0].Credential.PrivateKey != filepath.Join(home, ".ssh", "id_ed25519") {
		t.Errorf("dmz = %+v, %v", web, err)
	}
}

// TestExampleFiles loads every example inventory and platforms file under configs/, so that a new
// example cannot be added without being checked.
func TestExampleFiles(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	writeFile(t, filepath.Join(home, ".ssh", "id_ed25519"), file{content: "not a real key"})
	inventories, _ := filepath.Glob("../configs/inventory*.yaml")
	platforms, _ := filepath.Glob("../configs/platforms*.yaml")
	if len(inventories) == 0 || len(platforms) == 0 {
		t.Fatalf("examples: %v, %v", inventories, platforms)
	}
	for _, f := range inventories {
		mustLoad(t, f)
	}
	for _, f := range platforms {
		abs, err := filepath.Abs(f)
		if err != nil {
			t.Fatal(err)
		}
		src := strings.Replace(minimal, "version: 1\n", "version: 1\nplatforms_file: "+abs+"\n", 1)
		inv := mustLoad(t, writeInventory(t, src, nil))
		if len(inv.Platforms) <= len(PlatformNames()) {
			t.Errorf("%s adds no platform", f)
		}
	}
}

// TestCommandFiles reads every shipped command set: one per built-in platform, each read-only.
func TestCommandFiles(t *testing.T) {
	files, err := filepath.Glob("../configs/commands/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("glob: %v (%d files)", err, len(files))
	}
	for _, p := range PlatformNames() {
		if _, err := os.Stat("../configs/commands/" + p + ".txt"); err != nil {
			t.Errorf("platform %s has no command set: %v", p, err)
		}
	}
	// A network command set starts every command with its CLI's read verb; a pipe must not write
	// a file on the device (IOS "| redirect", "| tee", "| append", Junos "| save").
	writingPipes := []string{"| redirect", "| tee", "| append", "| save", "| copy"}
	for _, f := range files {
		cmds, err := readCommandFile(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		minCmds := 10
		if filepath.Base(f) == "generic_shell.txt" {
			minCmds = 3 // a starting point to replace, not a policy
		}
		if len(cmds) < minCmds {
			t.Errorf("%s: only %d commands", f, len(cmds))
		}
		if filepath.Base(f) != "linux.txt" {
			for _, c := range cmds {
				for _, bad := range writingPipes {
					if strings.Contains(c, bad) {
						t.Errorf("%s: %q writes on the device (%q)", f, c, bad)
					}
				}
				if first := strings.Fields(c)[0]; first != "show" && first != "display" && first != "get" {
					t.Errorf("%s: %q: a network command set uses show, display or get only", f, c)
				}
			}
		}
		seen := map[string]bool{}
		for _, c := range cmds {
			if seen[c] {
				t.Errorf("%s: duplicate command %q", f, c)
			}
			seen[c] = true
			// Read-only sets: nothing that writes, restarts or reconfigures.
			for _, bad := range []string{" > /", ">>", "rm ", "reboot", "reload", "configure", "write ", "copy ", "systemctl restart", "tee "} {
				if strings.Contains(c, bad) {
					t.Errorf("%s: %q is not read-only (%q)", f, c, bad)
				}
			}
		}
	}
	linux, err := readCommandFile("../configs/commands/linux.txt")
	if err != nil || len(linux) != 44 {
		t.Errorf("linux.txt: %d commands, %v; the sizing in DESIGN.md assumes 44", len(linux), err)
	}
	st, err := os.Stat("../configs/commands/cisco_ios.txt")
	if err != nil || st.Size() == 0 {
		t.Errorf("cisco_ios.txt: %v", err)
	}
}
