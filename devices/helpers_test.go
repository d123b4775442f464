package devices

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// file is a file a test inventory refers to.
type file struct {
	content string
	mode    os.FileMode // 0 means 0600
}

// writeInventory writes src as inventory.yaml in a fresh directory, with the extra files beside
// it, and returns the inventory's path.
func writeInventory(t *testing.T, src string, files map[string]file) string {
	t.Helper()
	dir := t.TempDir()
	for name, f := range files {
		writeFile(t, filepath.Join(dir, name), f)
	}
	path := filepath.Join(dir, "inventory.yaml")
	writeFile(t, path, file{content: src})
	return path
}

func writeFile(t *testing.T, path string, f file) {
	t.Helper()
	mode := f.mode
	if mode == 0 {
		mode = 0o600
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(f.content), mode); err != nil {
		t.Fatal(err)
	}
	// WriteFile applies the umask; the permission tests need the exact mode.
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// mustLoad loads an inventory that must be valid.
func mustLoad(t *testing.T, path string) *Inventory {
	t.Helper()
	inv, err := Load(path)
	if err != nil {
		t.Fatalf("Load(%s):\n%v", path, err)
	}
	return inv
}

// loadProblems loads an inventory that must be invalid and returns its problems as strings,
// with the inventory's path cut off the front.
func loadProblems(t *testing.T, path string) []string {
	t.Helper()
	inv, err := Load(path)
	if err == nil {
		t.Fatalf("Load(%s) succeeded (%d devices), want problems", path, len(inv.Devices))
	}
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("Load error is %T, want Problems", err)
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		s := p.Error()
		if len(s) >= len(path) && s[:len(path)] == path {
			s = s[len(path):]
		}
		out[i] = s
	}
	return out
}

func readFile(name string) (string, error) {
	b, err := os.ReadFile(name)
	return string(b), err
}

// minimal is the smallest valid inventory; tests append to or replace parts of it.
const minimal = `version: 1
credentials:
  ops:
    username: oca
    password_env: OPS_PASSWORD
command_sets:
  base:
    commands: [uname -a, "cat /etc/os-release"]
defaults:
  credential: ops
  command_set: base
devices:
  - name: web01
    host: 10.0.0.5
    asset_uuid: 1C0F5A2E-1111-4222-8333-444455556666
`
