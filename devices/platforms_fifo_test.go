//go:build unix

package devices

import (
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

// TestPlatformsFileNotRegular: a platforms_file naming a FIFO (or a directory) is reported at once;
// opening a FIFO would block validate until something wrote to it.
func TestPlatformsFileNotRegular(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	path := writeInventory(t, "", nil)
	dir := filepath.Dir(path)
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.yaml"), 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	for name, want := range map[string]string{
		"fifo.yaml": `:2:17: platforms_file: cannot read platforms file "` + dir + `/fifo.yaml": not a regular file`,
		".":         `:2:17: platforms_file: cannot read platforms file "` + dir + `": is a directory`,
	} {
		src := strings.Replace(minimal, "version: 1\n", "version: 1\nplatforms_file: "+name+"\n", 1)
		writeFile(t, path, file{content: src})
		if got := loadProblems(t, path); !reflect.DeepEqual(got, []string{want}) {
			t.Errorf("%s: problems %q, want %q", name, got, want)
		}
	}
}
