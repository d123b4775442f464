package bench

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// procStats is what one process tree cost: wall time from start to exit, and the CPU that
// wait4 reports for it, which includes every descendant it waited for (xargs' and
// parallel-ssh's ssh children). Not wait4's peak RSS: a child of a Go process (vfork) inherits
// its parent's peak there, so the collector's own peak comes from its report (VmHWM).
type procStats struct {
	Wall     time.Duration
	User     time.Duration
	Sys      time.Duration
	ExitCode int
	// Settle is how long measure waited for the file system to be quiet first (settleDisk).
	Settle time.Duration
	// Machine is how long the machine's CPUs were busy, all processes and kernel threads
	// together, from the start to the end of the process (machineCPU); 0 when unknown.
	Machine time.Duration
	// Steal is how long the hypervisor ran something else while the machine's CPUs had work,
	// over the same span (/proc/stat's steal): CPU times measured meanwhile are less
	// comparable with other runs; 0 when unknown.
	Steal time.Duration
	// Self is the CPU this test process used over the same span (the fake gateway, when one
	// runs in it), without the disk settle before it; 0 when unknown.
	Self time.Duration
}

// CPU is user plus system time.
func (p procStats) CPU() time.Duration { return p.User + p.Sys }

// measure runs cmd to its end within timeout, in its own process group so a timeout kills the
// whole tree (ssh children included), and returns its costs. The error is for a process that
// could not start or was killed; a non-zero exit is only recorded in ExitCode.
func measure(cmd *exec.Cmd, timeout time.Duration) (procStats, error) {
	var settle time.Duration
	if settleBeforeMeasure.Load() {
		if cmd.Dir == "" {
			return procStats{}, fmt.Errorf("measure %s: no cmd.Dir for the disk settle to probe", cmd.Path)
		}
		settle = settleDisk(cmd.Dir)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	machineBefore, stealBefore, machineErr := machineCPU()
	selfBefore, selfErr := procCPU(os.Getpid())
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return procStats{}, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	var timedOut atomic.Bool
	timer := time.AfterFunc(timeout, func() {
		timedOut.Store(true)
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	})
	err := cmd.Wait()
	wall := time.Since(start)
	timer.Stop()
	// Whatever the leader did, no member of its group outlives the measurement.
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	st := procStats{Wall: wall, ExitCode: -1, Settle: settle}
	if machineAfter, stealAfter, err := machineCPU(); err == nil && machineErr == nil {
		st.Machine, st.Steal = machineAfter-machineBefore, stealAfter-stealBefore
	}
	if selfAfter, err := procCPU(os.Getpid()); err == nil && selfErr == nil {
		st.Self = selfAfter - selfBefore
	}
	if ps := cmd.ProcessState; ps != nil {
		st.ExitCode = ps.ExitCode()
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
			st.User = time.Duration(ru.Utime.Nano())
			st.Sys = time.Duration(ru.Stime.Nano())
		}
	}
	if timedOut.Load() {
		return st, fmt.Errorf("%s: killed after %s", cmd.Path, timeout)
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		return st, fmt.Errorf("%s: %w", cmd.Path, err)
	}
	return st, nil
}

// baseEnv is the environment every measured process gets: nothing from the caller's, so an
// SSH agent, proxy settings or ~/.ssh never change what is measured.
//
// The one exception is the profile knobs of performance work (OCA_COLLECTOR_CPUPROFILE,
// OCA_COLLECTOR_MEMPROFILE, SIMFLEET_CPUPROFILE), passed on when set: each program reads only
// its own.
func baseEnv(home string) []string {
	env := []string{"PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "HOME=" + home, "LC_ALL=C"}
	for _, name := range []string{"OCA_COLLECTOR_CPUPROFILE", "SIMFLEET_CPUPROFILE", "OCA_COLLECTOR_MEMPROFILE"} {
		if v := os.Getenv(name); v != "" {
			env = append(env, name+"="+v)
		}
	}
	return env
}

// tail returns the last n lines of a file, for failure messages.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// envInt reads a positive integer knob, or def when unset.
func envInt(tb testing.TB, name string, def int) int {
	tb.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		tb.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// envDurations reads a comma-separated list of durations ("0,50ms"), or def when unset.
func envDurations(tb testing.TB, name string, def []time.Duration) []time.Duration {
	tb.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	var out []time.Duration
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if f == "0" {
			out = append(out, 0)
			continue
		}
		d, err := time.ParseDuration(f)
		if err != nil || d < 0 {
			tb.Fatalf("%s=%q: want durations like 0,50ms", name, v)
		}
		out = append(out, d)
	}
	return out
}

// clockTick is the unit of /proc's CPU times: USER_HZ is 100 on Linux.
const clockTick = 10 * time.Millisecond

// machineCPU is the CPU time every CPU of the machine has been busy so far (user, nice, system,
// irq and softirq from /proc/stat's first line; idle, iowait and steal left out), in ticks of
// 10 ms. Its growth over a run, less the measured processes', is what the run cost elsewhere:
// kernel threads such as the page cache flusher writing the collector's files back. steal is
// the time the hypervisor gave the machine's CPUs to others so far.
func machineCPU() (busy, steal time.Duration, err error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, 0, fmt.Errorf("/proc/stat: unexpected first line %q", line)
	}
	var ticks [9]uint64
	for _, i := range []int{1, 2, 3, 6, 7, 8} { // user nice system irq softirq steal
		if ticks[i], err = strconv.ParseUint(f[i], 10, 64); err != nil {
			return 0, 0, fmt.Errorf("/proc/stat: %w", err)
		}
	}
	busy = time.Duration(ticks[1]+ticks[2]+ticks[3]+ticks[6]+ticks[7]) * clockTick
	return busy, time.Duration(ticks[8]) * clockTick, nil
}

// procCPU is the user plus system CPU time a running process has used so far, from
// /proc/PID/stat (in clock ticks of 10 ms: good for totals over a run, not for one device).
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces: count from after it.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f)+2)
	}
	utime, err1 := strconv.ParseUint(f[11], 10, 64) // field 14
	stime, err2 := strconv.ParseUint(f[12], 10, 64) // field 15
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	return time.Duration(utime+stime) * clockTick, nil
}

// settleBeforeMeasure is set by the fleet benchmarks: measure then waits for a quiet disk
// first. The smoke tests, which check behaviour and not numbers, do not wait.
var settleBeforeMeasure atomic.Bool

// settleDisk flushes the page cache (sync) and waits, up to 90 s, until creating a file in dir
// (where the measured process will write) is cheap again, and returns how long that took.
//
// On this VM's ext4, which has no journal, the inode allocator skips every inode deleted in the
// last 60 s (ext4's recently_deleted(), 360 s while its inode table block is dirty) and looks
// each one up on the way: a file creation costs 0.02 ms of CPU on a quiet disk and up to 1 ms
// after a benchmark's cleanup or the previous run's output were deleted (perf: find_inode_bit ->
// recently_deleted). The files of a new directory go to its parent's block group, so the probe
// creates them beside the measured run's output, not elsewhere in TMPDIR. Without the wait,
// what ran before decides a good part of the CPU measured, and runs are not comparable.
//
// The probe allocates the first free inodes of one block group, while a large run fills several:
// it cannot see every recently freed inode. So the benchmarks do not delete their runs' files
// until the test binary exits (keptDir), and a binary started within a minute of another's
// deletion first waits until that is 65 s old (lastDeletion).
func settleDisk(dir string) time.Duration {
	const quiet, probes = 100 * time.Microsecond, 50
	start := time.Now()
	syscall.Sync()
	if wait := time.Until(lastDeletion().Add(65 * time.Second)); wait > 0 && wait <= 65*time.Second {
		time.Sleep(wait) // the kernel's clock, not a synchronisation
	}
	for time.Since(start) < 90*time.Second {
		cost, err := fileCreateCost(dir, probes)
		if err != nil || cost < quiet {
			break
		}
		time.Sleep(time.Second) // the disk's own pace, not a synchronisation
	}
	return time.Since(start)
}

// fileCreateCost is the CPU one file creation costs in a fresh directory under dir (n empty
// files created and closed). The files stay, for dir's owner to remove with dir: deleting
// them would leave, beside the measured run's output, the recently deleted inodes the probe
// is there to wait out.
func fileCreateCost(dir string, n int) (time.Duration, error) {
	d, err := os.MkdirTemp(dir, "oca-bench-probe-")
	if err != nil {
		return 0, err
	}
	runtime.LockOSThread() // the thread's own CPU time is read around the loop
	defer runtime.UnlockOSThread()
	var before, after syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_THREAD, &before); err != nil {
		return 0, err
	}
	for i := range n {
		f, err := os.OpenFile(fmt.Sprintf("%s/%d", d, i), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return 0, err
		}
		_ = f.Close()
	}
	if err := syscall.Getrusage(syscall.RUSAGE_THREAD, &after); err != nil {
		return 0, err
	}
	used := after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano()
	return time.Duration(used) / time.Duration(n), nil
}
