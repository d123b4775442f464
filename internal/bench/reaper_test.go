package bench

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// envReaper makes the test binary run its arguments as a command under reaperMain instead of
// running tests: measure counts the CPU of a process tree by wait4, and a tool that leaves
// daemons behind (Ansible's ssh ControlPersist masters detach into sessions of their own) would
// otherwise have their work left out of its figure.
const envReaper = "OCA_BENCH_REAPER"

// reaperCommand returns argv run under reaperMain, by this test binary.
func reaperCommand(argv ...string) (*exec.Cmd, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("reaper: %w", err)
	}
	return exec.Command(self, argv...), nil
}

// reaperGrace is how long adopted processes get to exit after SIGTERM before SIGKILL.
const reaperGrace = 10 * time.Second

// reaperMain runs argv as a child subreaper: every process orphaned below it (a daemon its
// command started) is adopted by it. When the command ends, it terminates what it adopted and
// reaps everything, so all of that CPU is in the rusage of its own wait4. It returns the
// command's exit code (125 when the reaper itself failed).
func reaperMain(argv []string) int {
	if len(argv) == 0 {
		fmt.Fprintln(os.Stderr, "reaper: no command")
		return 125
	}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		fmt.Fprintf(os.Stderr, "reaper: PR_SET_CHILD_SUBREAPER: %v\n", err)
		return 125
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	code := 0
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			fmt.Fprintf(os.Stderr, "reaper: %v\n", err)
			return 125
		}
		code = exitErr.ExitCode()
		if code < 0 { // killed by a signal
			code = 128
		}
	}
	signalChildren(syscall.SIGTERM)
	kill := time.AfterFunc(reaperGrace, func() { signalChildren(syscall.SIGKILL) })
	defer kill.Stop()
	for { // until ECHILD: nothing left
		if _, err := syscall.Wait4(-1, nil, 0, nil); err != nil && !errors.Is(err, syscall.EINTR) {
			return code
		}
	}
}

// signalChildren sends sig to every process whose parent is this one.
func signalChildren(sig syscall.Signal) {
	self := os.Getpid()
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // gone meanwhile
		}
		if parentPID(b) == self {
			if pid, err := strconv.Atoi(filepath.Base(filepath.Dir(path))); err == nil {
				_ = syscall.Kill(pid, sig)
			}
		}
	}
}

// parentPID reads the ppid field of a /proc/PID/stat line ("pid (comm) state ppid ..."; comm
// may hold spaces and parentheses, so the fields are counted from the last ')'); -1 if malformed.
func parentPID(stat []byte) int {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return -1
	}
	fields := bytes.Fields(stat[i+1:])
	if len(fields) < 2 {
		return -1
	}
	n, err := strconv.Atoi(string(fields[1]))
	if err != nil {
		return -1
	}
	return n
}
