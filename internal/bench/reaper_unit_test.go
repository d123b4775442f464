package bench

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReaperEndsAdoptedDaemons runs a command that leaves a detached daemon behind (as ssh's
// ControlPersist masters do) under the reaper: the reaper must return the command's exit code
// and leave no daemon running.
func TestReaperEndsAdoptedDaemons(t *testing.T) {
	cmd, err := reaperCommand("sh", "-c", `setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $!; exit 3`)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Env = append(os.Environ(), envReaper+"=1")
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Dir = t.TempDir()
	st, err := measure(cmd, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if st.ExitCode != 3 {
		t.Errorf("exit code %d, want the command's 3", st.ExitCode)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(out.String()))
	if err != nil {
		t.Fatalf("daemon pid: %q", out.String())
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
		t.Errorf("daemon %d still there after the reaper returned (kill 0: %v)", pid, err)
	}
	if st.Wall >= reaperGrace {
		t.Errorf("reaper took %s: the daemon should end on SIGTERM", st.Wall)
	}
}

func TestParentPID(t *testing.T) {
	for stat, want := range map[string]int{
		"42 (sh) S 7 42 42 0":             7,
		"42 (a) b) (c) R 1234 42 42 0 -1": 1234,
		"42 (sh)":                         -1,
		"garbage":                         -1,
		"42 (sh) S x":                     -1,
	} {
		if got := parentPID([]byte(stat)); got != want {
			t.Errorf("parentPID(%q) = %d, want %d", stat, got, want)
		}
	}
}
