package bench

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func shippedCommands(t *testing.T) []string {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	cmds, err := ReadCommandFile(linuxCommandFile(root))
	if err != nil {
		t.Fatal(err)
	}
	return cmds
}

func TestReadCommandFile(t *testing.T) {
	if got := len(shippedCommands(t)); got != 44 {
		t.Errorf("shipped Linux set: %d commands, want 44 (the benchmarks' stated workload)", got)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "cmds.txt")
	if err := os.WriteFile(p, []byte("# comment\n\n  uname -a  \r\ncat /etc/hosts\n   # indented comment\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := ReadCommandFile(p)
	if err != nil || !reflect.DeepEqual(got, []string{"uname -a", "cat /etc/hosts"}) {
		t.Errorf("ReadCommandFile = %q, %v", got, err)
	}
	if err := os.WriteFile(p, []byte("# nothing\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadCommandFile(p); err == nil || !strings.Contains(err.Error(), "no commands") {
		t.Errorf("empty set: error %v", err)
	}
	if _, err := ReadCommandFile(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing file: no error")
	}
}

// TestLinuxOutputsRealistic pins the workload the fleet benchmarks report on: every command
// answered, 1-8 KiB for ordinary ones, the package list and kernel parameters larger, a few
// non-zero exits, about 150-250 KiB per device, and the same bytes on every call.
func TestLinuxOutputsRealistic(t *testing.T) {
	cmds := shippedCommands(t)
	out := LinuxOutputs(cmds)
	if len(out) != len(cmds) {
		t.Fatalf("%d responses for %d commands", len(out), len(cmds))
	}
	total, nonzero := 0, 0
	for _, c := range cmds {
		r := out[c]
		size := 0
		for _, ch := range r.Output {
			size += len(ch.Data)
			if ch.Stderr {
				t.Errorf("%q writes to stderr", c)
			}
		}
		total += size
		if r.ExitStatus != 0 {
			nonzero++
			continue
		}
		switch {
		case strings.HasPrefix(c, "dpkg-query"), strings.HasPrefix(c, "sysctl -a"), strings.HasPrefix(c, "systemctl list-unit-files"):
			if size < 12*kib || size > 40*kib {
				t.Errorf("%q: %d bytes, want a large output", c, size)
			}
		case c == "umask":
		default:
			if size < 1*kib || size > 9*kib {
				t.Errorf("%q: %d bytes, want 1-8 KiB", c, size)
			}
		}
		if size > 0 && !strings.HasSuffix(r.Output[0].Data, "\n") {
			t.Errorf("%q: output does not end with a newline", c)
		}
	}
	if total < 150*kib || total > 250*kib {
		t.Errorf("%d KiB per device, want 150-250", total/kib)
	}
	if nonzero < 2 {
		t.Errorf("%d commands exit non-zero, want a few", nonzero)
	}
	if !reflect.DeepEqual(out, LinuxOutputs(cmds)) {
		t.Error("outputs differ between calls: runs would not compare")
	}
}

func TestDeviceOutputsNamesTheDevice(t *testing.T) {
	base := LinuxOutputs([]string{"hostname", "uname -a", "cat /etc/passwd"})
	dev := DeviceOutputs(base, "sim00042")
	if got := dev["hostname"].Output[0].Data; got != "sim00042\n" {
		t.Errorf("hostname: %q", got)
	}
	if got := dev["uname -a"].Output[0].Data; !strings.Contains(got, " sim00042 ") {
		t.Errorf("uname -a: %q", got)
	}
	if !reflect.DeepEqual(dev["cat /etc/passwd"], base["cat /etc/passwd"]) {
		t.Error("shared output changed")
	}
	if base["hostname"].Output[0].Data == "sim00042\n" {
		t.Error("DeviceOutputs modified the shared map")
	}
}
