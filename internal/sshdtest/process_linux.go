//go:build linux

package sshdtest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Bounds on stopping: sshd exits on SIGTERM in milliseconds, so these only matter when
// something is wedged, and then the test must still end.
const (
	stopGrace     = 5 * time.Second // SIGTERM -> SIGKILL, for the master and for sessions
	stopKillWait  = 5 * time.Second // SIGKILL -> gone
	stopPollEvery = 10 * time.Millisecond
)

// process is one sshd master (sshd -D) started by Start.
type process struct {
	cmd    *exec.Cmd
	conf   string
	exited chan struct{} // closed once the master has been reaped
	err    error         // Wait's result, read only after exited is closed
}

// launch starts `sshd -D -e -f conf -E log` in its own process group. stdout and stderr go to
// the log too, so nothing sshd says before it opens -E is lost. One goroutine reaps it.
func launch(sshd, conf, logPath string) (*process, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sshd log: %w", err)
	}
	defer logf.Close() // the child has its own copy of the descriptor
	cmd := exec.Command(sshd, "-D", "-e", "-f", conf, "-E", logPath)
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start sshd: %w", err)
	}
	p := &process{cmd: cmd, conf: conf, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// pid is the master's process id.
func (p *process) pid() int { return p.cmd.Process.Pid }

// stop ends the master and every process it forked (pre-auth children, sessions, the user's
// commands). Those children call setsid, so they are not in the master's process group and
// would outlive it: the master is frozen first so it cannot fork while its tree is read,
// then everything gets SIGTERM, and SIGKILL after stopGrace. Commands whose session already
// ended have left the tree; Daemon.stopAll finds those by their environment marker. Problems
// are returned, not logged: the caller decides.
func (p *process) stop() error {
	select {
	case <-p.exited:
		return nil
	default:
	}
	var tree []int
	if err := p.cmd.Process.Signal(syscall.SIGSTOP); err == nil {
		waitFor(time.Second, func() bool {
			s := procState(p.pid())
			return s == 'T' || s == 't' || s == 0 || s == 'Z'
		})
		tree = descendants(p.pid())
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	_ = p.cmd.Process.Signal(syscall.SIGCONT)
	for _, pid := range tree {
		_ = syscall.Kill(pid, syscall.SIGTERM)
	}
	var errs []error
	if !waitChan(p.exited, stopGrace) {
		_ = p.cmd.Process.Kill()
		if !waitChan(p.exited, stopKillWait) {
			errs = append(errs, fmt.Errorf("stop sshd pid %d: still running after SIGKILL", p.pid()))
		}
	}
	if err := terminate(tree); err != nil {
		errs = append(errs, fmt.Errorf("stop sshd pid %d children: %w", p.pid(), err))
	}
	return errors.Join(errs...)
}

// terminate ends processes that are not our children: SIGTERM, then SIGKILL for those still
// there after stopGrace. Nothing tells us when they exit, so it polls.
func terminate(pids []int) error {
	for _, pid := range pids {
		_ = syscall.Kill(pid, syscall.SIGTERM)
	}
	if waitFor(stopGrace, func() bool { return noneAlive(pids) }) {
		return nil
	}
	for _, pid := range pids {
		if alive(pid) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	if waitFor(stopKillWait, func() bool { return noneAlive(pids) }) {
		return nil
	}
	var left []int
	for _, pid := range pids {
		if alive(pid) {
			left = append(left, pid)
		}
	}
	return fmt.Errorf("pids %v still running after SIGKILL", left)
}

// markedProcesses lists live processes whose environment holds entry ("NAME=value"). sshd puts
// the marker into every session it starts (SetEnv), and children inherit it, so this finds
// commands that outlived their session and were reparented away from sshd.
func markedProcesses(entry string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		env, err := os.ReadFile("/proc/" + e.Name() + "/environ")
		if err != nil || len(env) == 0 {
			continue
		}
		for _, kv := range bytes.Split(env, []byte{0}) {
			if string(kv) == entry {
				if alive(pid) {
					out = append(out, pid)
				}
				break
			}
		}
	}
	return out
}

// waitChan waits for ch to close, at most d.
func waitChan(ch <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
		return false
	}
}

// waitFor polls cond until it holds or d has passed. Used for processes that are not our
// children, whose end nothing signals to us.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(stopPollEvery)
	}
}

func noneAlive(pids []int) bool {
	for _, pid := range pids {
		if alive(pid) {
			return false
		}
	}
	return true
}

// alive reports whether pid exists and has not exited. A zombie counts as gone: once a session
// process is orphaned, reaping it is init's job, and in some containers init never does.
func alive(pid int) bool {
	s := procState(pid)
	return s != 0 && s != 'Z' && s != 'X'
}

// procState is the state letter from /proc/PID/stat (R, S, D, T, t, Z, ...), 0 if the process
// is gone.
func procState(pid int) byte {
	state, _, ok := readStat(pid)
	if !ok {
		return 0
	}
	return state
}

// readStat parses state and parent pid from /proc/PID/stat; the command name in parentheses
// may itself hold spaces and parentheses, so fields are counted from the last ')'.
func readStat(pid int) (state byte, ppid int, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 || len(f[0]) != 1 {
		return 0, 0, false
	}
	ppid, err = strconv.Atoi(f[1])
	if err != nil {
		return 0, 0, false
	}
	return f[0][0], ppid, true
}

// descendants lists every live process below root, read from /proc.
func descendants(root int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	children := map[int][]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if _, ppid, ok := readStat(pid); ok {
			children[ppid] = append(children[ppid], pid)
		}
	}
	var out []int
	queue := []int{root}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		for _, c := range children[pid] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}
