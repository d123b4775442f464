package devices

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
		if _, ok := LookupPlatform(d.Platform); !ok {
			t.Errorf("device %s: platform %q", d.Name, d.Platform)
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

// TestCommandFiles reads every shipped command set.
func TestCommandFiles(t *testing.T) {
	files, err := filepath.Glob("../configs/commands/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("glob: %v (%d files)", err, len(files))
	}
	for _, f := range files {
		cmds, err := readCommandFile(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if len(cmds) < 10 {
			t.Errorf("%s: only %d commands", f, len(cmds))
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
