package devices

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestReadCommandFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cmds.txt")
	writeFile(t, path, file{content: "# header comment\n" +
		"uname -a\n" +
		"\n" +
		"   \t\n" +
		"   # indented comment\n" +
		"  cat /etc/os-release  \r\n" + // indented, trailing blanks, CRLF
		"grep -c '#' /etc/fstab\n" + // '#' inside a command is kept
		"stat -c '%a %U %G %n' /etc/shadow", // no final newline
	})
	got, err := readCommandFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"uname -a", "cat /etc/os-release", "grep -c '#' /etc/fstab", "stat -c '%a %U %G %n' /etc/shadow"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("commands = %q\nwant %q", got, want)
	}

	bin := filepath.Join(dir, "bin")
	writeFile(t, bin, file{content: "uname\x00-a\n"})
	if _, err := readCommandFile(bin); err == nil || err.Error() != `command file "`+bin+`" is not a text file` {
		t.Errorf("binary file: %v", err)
	}
	big := filepath.Join(dir, "big")
	writeFile(t, big, file{content: strings.Repeat("x\n", maxCommandFile/2+1)})
	if _, err := readCommandFile(big); err == nil || !strings.Contains(err.Error(), "is larger than") {
		t.Errorf("big file: %v", err)
	}
}

func TestLoadCommandSetFromFile(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	src := strings.Replace(minimal, `commands: [uname -a, "cat /etc/os-release"]`, "file: sets/base.txt", 1)
	path := writeInventory(t, src, map[string]file{"sets/base.txt": {content: "# base\nuname -a\nid\n", mode: 0o644}})
	inv := mustLoad(t, path)
	cs := inv.CommandSets["base"]
	want := CommandSet{Name: "base", Commands: []string{"uname -a", "id"}, File: filepath.Join(filepath.Dir(path), "sets", "base.txt")}
	if !reflect.DeepEqual(cs, want) {
		t.Errorf("CommandSet = %+v, want %+v", cs, want)
	}
	if !reflect.DeepEqual(inv.Devices[0].Commands, want.Commands) {
		t.Errorf("device commands = %q", inv.Devices[0].Commands)
	}
}
