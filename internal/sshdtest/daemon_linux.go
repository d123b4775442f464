//go:build linux

package sshdtest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	// readyTimeout bounds a daemon's startup, from exec to every address answering with its
	// banner; sshd needs tens of milliseconds, so reaching it means something is wrong.
	readyTimeout = 10 * time.Second
	readyPoll    = 10 * time.Millisecond
	// logTailLines is how much of sshd's log a failed test shows.
	logTailLines = 60
)

// errPortTaken means sshd could not bind a chosen port: someone took it between the probe and
// sshd's bind. Start answers with new ports.
var errPortTaken = errors.New("port taken")

// launchAll writes one config per group of addresses, starts one sshd per config and waits
// until every address x port answers.
func (d *Daemon) launchAll(sshd string, base daemonConfig, groups [][]string, ports []int) error {
	offset := fileSize(d.LogPath)
	dir := filepath.Dir(d.LogPath)
	for i, ips := range groups {
		cfg := base
		cfg.ips = ips
		cfg.ports = ports
		cfg.pidFile = filepath.Join(dir, "sshd-"+strconv.Itoa(i)+".pid")
		conf := filepath.Join(dir, "sshd-"+strconv.Itoa(i)+".conf")
		if err := writeFile(conf, []byte(cfg.render()), 0o600); err != nil {
			return err
		}
		p, err := launch(sshd, conf, d.LogPath)
		if err != nil {
			return err
		}
		d.procs = append(d.procs, p)
	}
	return waitReady(d.procs, d.LogPath, offset, groups, ports)
}

// stopAll stops every daemon launched so far and forgets them, then ends the commands that
// outlived their sessions (sshd does not kill a command when its client goes away).
func (d *Daemon) stopAll() error {
	var errs []error
	for _, p := range d.procs {
		errs = append(errs, p.stop())
	}
	d.procs = nil
	if err := terminate(markedProcesses(d.marker)); err != nil {
		errs = append(errs, fmt.Errorf("stop leftover session processes: %w", err))
	}
	return errors.Join(errs...)
}

// cleanup is Start's t.Cleanup: stop everything, and show sshd's side of a failed test.
func (d *Daemon) cleanup(t testing.TB) {
	if err := d.stopAll(); err != nil {
		t.Errorf("sshdtest cleanup: %v", err)
	}
	if t.Failed() {
		t.Logf("sshdtest: last %d lines of sshd log %s:\n%s", logTailLines, d.LogPath, logTail(d.LogPath, logTailLines))
	}
}

// waitReady waits until sshd has logged "Server listening on IP port P." for every socket and
// each of them answers with an SSH-2.0 banner. The log tells a port taken (retry) from any
// other failure, and tells which daemon is not there yet, without guessing from dial errors.
func waitReady(procs []*process, logPath string, offset int64, groups [][]string, ports []int) error {
	deadline := time.Now().Add(readyTimeout)
	var want []string
	for _, ips := range groups {
		for _, ip := range ips {
			for _, p := range ports {
				want = append(want, fmt.Sprintf("Server listening on %s port %d.", ip, p))
			}
		}
	}
	for {
		// Exits are read before the log, so the log read next holds everything an exited
		// daemon wrote.
		var exited *process
		for _, p := range procs {
			select {
			case <-p.exited:
				exited = p
			default:
			}
		}
		log := readFrom(logPath, offset)
		if line := findLine(log, "Bind to port "); line != "" {
			return fmt.Errorf("sshd start: %w: %s", errPortTaken, line)
		}
		if exited != nil {
			return fmt.Errorf("sshd start %s: exited early (%w); see its log below", filepath.Base(exited.conf), exited.err)
		}
		missing := missingLines(log, want)
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("sshd start: not listening after %s: no %q", readyTimeout, missing[0])
		}
		time.Sleep(readyPoll) // polling sshd's log, bounded by deadline
	}
	for _, ips := range groups {
		for _, ip := range ips {
			for _, p := range ports {
				if err := awaitBanner(net.JoinHostPort(ip, strconv.Itoa(p)), deadline); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func missingLines(log string, want []string) []string {
	var missing []string
	for _, w := range want {
		if !strings.Contains(log, w) {
			missing = append(missing, w)
		}
	}
	return missing
}

func findLine(log, substr string) string {
	i := strings.Index(log, substr)
	if i < 0 {
		return ""
	}
	start := strings.LastIndexByte(log[:i], '\n') + 1
	end := strings.IndexByte(log[i:], '\n')
	if end < 0 {
		return log[start:]
	}
	return log[start : i+end]
}

// awaitBanner dials addr until it reads an SSH-2.0 identification line or deadline passes.
func awaitBanner(addr string, deadline time.Time) error {
	for {
		err := readBanner(addr, deadline)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("sshd banner %s: %w", addr, err)
		}
		time.Sleep(readyPoll) // retrying a loopback dial, bounded by deadline
	}
}

func readBanner(addr string, deadline time.Time) error {
	dl := time.Now().Add(2 * time.Second)
	if deadline.Before(dl) {
		dl = deadline
	}
	c, err := (&net.Dialer{Deadline: dl}).Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer func() { _ = c.Close() }()
	if err := c.SetDeadline(dl); err != nil {
		return err
	}
	line, err := bufio.NewReader(io.LimitReader(c, 256)).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "SSH-2.0-") {
		return fmt.Errorf("unexpected identification %q", strings.TrimSpace(line))
	}
	return nil
}

// readFrom returns the log from offset on ("" when it does not exist yet).
func readFrom(path string, offset int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	b, err := io.ReadAll(io.NewSectionReader(f, offset, 1<<30))
	if err != nil {
		return ""
	}
	return string(b)
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// logTail returns the last n lines of the log (reading at most its last 64 KiB).
func logTail(path string, n int) string {
	const maxRead = 64 << 10
	off := max(fileSize(path)-maxRead, 0)
	lines := strings.Split(strings.TrimRight(readFrom(path, off), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
