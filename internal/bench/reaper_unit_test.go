package bench

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReaperEndsAdoptedDaemons runs a command that leaves a detached daemon behind (as ssh's
// ControlPersist masters do) under the reaper. The daemon burns some CPU, tells its pid
// through a FIFO and sleeps. The reaper must pass on the command's exit code, leave no daemon
// running and count the daemon's CPU: about what the same loop costs run in the foreground.
func TestReaperEndsAdoptedDaemons(t *testing.T) {
	const loop = `i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done`
	dir := t.TempDir()
	fg := exec.Command("sh", "-c", loop)
	fg.Dir = dir
	alone, err := measure(fg, time.Minute)
	if err != nil || alone.ExitCode != 0 {
		t.Fatalf("the loop alone: exit %d %v", alone.ExitCode, err)
	}

	fifo := filepath.Join(dir, "pid")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	daemon := loop + `; echo $$ >"$1"; exec sleep 300`
	cmd, err := reaperCommand("sh", "-c", `setsid sh -c '`+daemon+`' daemon "$1" </dev/null >/dev/null 2>&1 & read pid <"$1"; echo "$pid"; exit 3`, "sh", fifo)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Env = append(os.Environ(), envReaper+"=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Dir = &out, dir
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
	if st.CPU() < alone.CPU()/2 {
		t.Errorf("reaper counted %s of CPU; the daemon's loop alone costs %s", st.CPU(), alone.CPU())
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
