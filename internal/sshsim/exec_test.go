package sshsim_test

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/oca-collector/collector/internal/sshsim"
)

func TestScriptedOutput(t *testing.T) {
	srv := passwordDevice(t, sshsim.Config{Commands: map[string]sshsim.Response{
		"uname -a": sshsim.Stdout("Linux web01 6.1.0\n"),
		"check": {
			Output: []sshsim.Chunk{
				{Data: "line 1\n"},
				{Stderr: true, Data: "warning: x\n"},
				{Data: "line 2\n"},
			},
			ExitStatus: 3,
		},
	}})
	c := mustDial(t, srv)

	out, errOut, err := run(t, c, "uname -a")
	if err != nil || out != "Linux web01 6.1.0\n" || errOut != "" {
		t.Fatalf("uname -a = %q, %q, %v", out, errOut, err)
	}

	out, errOut, err = run(t, c, "check")
	var exit *ssh.ExitError
	if !errors.As(err, &exit) || exit.ExitStatus() != 3 {
		t.Fatalf("check error = %v, want exit status 3", err)
	}
	if out != "line 1\nline 2\n" || errOut != "warning: x\n" {
		t.Errorf("check = stdout %q stderr %q", out, errOut)
	}
}

func TestUnknownCommand(t *testing.T) {
	srv := passwordDevice(t, sshsim.Config{})
	out, errOut, err := run(t, mustDial(t, srv), "show running-config")
	var exit *ssh.ExitError
	if !errors.As(err, &exit) || exit.ExitStatus() != 127 {
		t.Fatalf("unknown command error = %v, want exit status 127", err)
	}
	if out != "" || errOut != "sh: 1: show running-config: not found\n" {
		t.Errorf("unknown command = stdout %q stderr %q", out, errOut)
	}

	custom := sshsim.Response{Output: []sshsim.Chunk{{Data: "% Invalid input\n"}}, ExitStatus: 1}
	srv = passwordDevice(t, sshsim.Config{Unknown: &custom})
	out, _, err = run(t, mustDial(t, srv), "bogus")
	if !errors.As(err, &exit) || exit.ExitStatus() != 1 || out != "% Invalid input\n" {
		t.Errorf("custom Unknown = %q, %v", out, err)
	}
}

func TestExitSignal(t *testing.T) {
	srv := passwordDevice(t, sshsim.Config{Commands: map[string]sshsim.Response{
		"killed": {Output: []sshsim.Chunk{{Data: "partial"}}, Signal: "SIGKILL"},
	}})
	out, _, err := run(t, mustDial(t, srv), "killed")
	var exit *ssh.ExitError
	if !errors.As(err, &exit) || exit.Signal() != "KILL" || out != "partial" {
		t.Fatalf("killed = %q, %v; want exit signal KILL", out, err)
	}
}

func TestChunkDelay(t *testing.T) {
	const delay = 50 * time.Millisecond
	srv := passwordDevice(t, sshsim.Config{Commands: map[string]sshsim.Response{
		"slow": {Output: []sshsim.Chunk{{Data: "a"}, {Data: "b", Delay: delay}}},
	}})
	c := mustDial(t, srv)
	start := time.Now()
	out, _, err := run(t, c, "slow")
	if err != nil || out != "ab" {
		t.Fatalf("slow = %q, %v", out, err)
	}
	if took := time.Since(start); took < delay {
		t.Errorf("slow took %v, want >= %v", took, delay)
	}
}

func TestLatency(t *testing.T) {
	const latency = 30 * time.Millisecond
	srv := passwordDevice(t, sshsim.Config{Latency: latency, Commands: map[string]sshsim.Response{
		"x": sshsim.Stdout("y"),
	}})
	c := mustDial(t, srv)
	start := time.Now()
	out, _, err := run(t, c, "x")
	if err != nil || out != "y" {
		t.Fatalf("x = %q, %v", out, err)
	}
	// Channel open and exec reply each cost one round trip.
	if took := time.Since(start); took < 2*latency {
		t.Errorf("one command took %v, want >= %v", took, 2*latency)
	}
	start = time.Now()
	if ok, _, err := c.SendRequest("keepalive@openssh.com", true, nil); err != nil || ok {
		t.Fatalf("keepalive = %v, %v", ok, err)
	}
	if took := time.Since(start); took < latency {
		t.Errorf("keepalive took %v, want >= %v", took, latency)
	}
}

// waitSessionSlot polls until the device accepts a new session: with MaxSessions 1 that proves
// the previous session's goroutines, including an interrupted delay or hang, have ended.
func waitSessionSlot(t *testing.T, c *ssh.Client) {
	t.Helper()
	eventually(t, "a free session slot", func() bool {
		s, err := c.NewSession()
		if err != nil {
			var oce *ssh.OpenChannelError
			if !errors.As(err, &oce) || oce.Reason != ssh.ConnectionFailed {
				t.Fatalf("new session: %v", err)
			}
			return false
		}
		_ = s.Close()
		return true
	})
}

func TestDelayAndHangInterruptedByChannelClose(t *testing.T) {
	for name, r := range map[string]sshsim.Response{
		"delay": {Output: []sshsim.Chunk{{Data: "first\n"}, {Data: "never\n", Delay: time.Hour}}},
		"hang":  {Output: []sshsim.Chunk{{Data: "first\n"}}, Hang: true},
	} {
		t.Run(name, func(t *testing.T) {
			srv := passwordDevice(t, sshsim.Config{MaxSessions: 1, Commands: map[string]sshsim.Response{"cmd": r}})
			c := mustDial(t, srv)
			sess, err := c.NewSession()
			if err != nil {
				t.Fatal(err)
			}
			stdout, err := sess.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := sess.Start("cmd"); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, len("first\n"))
			if _, err := io.ReadFull(stdout, buf); err != nil || string(buf) != "first\n" {
				t.Fatalf("first output = %q, %v", buf, err)
			}
			waited := make(chan error, 1)
			go func() { waited <- sess.Wait() }()

			// A keepalive round trip: anything the server sent before answering it (an exit
			// status, say) has been received by now.
			if _, _, err := c.SendRequest("keepalive@openssh.com", true, nil); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-waited:
				t.Fatalf("command ended (%v), want it still running", err)
			case <-time.After(50 * time.Millisecond):
			}

			if err := sess.Close(); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-waited:
				var missing *ssh.ExitMissingError
				if !errors.As(err, &missing) {
					t.Errorf("wait after close = %v, want no exit status", err)
				}
			case <-time.After(waitFor):
				t.Fatal("Wait did not return after the session closed")
			}
			waitSessionSlot(t, c)
		})
	}
}

func TestDisconnectAfter(t *testing.T) {
	srv := passwordDevice(t, sshsim.Config{Commands: map[string]sshsim.Response{
		"big": {
			Output:          []sshsim.Chunk{{Data: "hello "}, {Stderr: true, Data: "world"}, {Data: "never"}},
			DisconnectAfter: 8,
		},
		"short": {Output: []sshsim.Chunk{{Data: "abc"}}, DisconnectAfter: 100},
	}})
	c := mustDial(t, srv)
	out, errOut, err := run(t, c, "big")
	if err == nil {
		t.Fatal("command cut by a disconnect reported success")
	}
	var exit *ssh.ExitError
	if errors.As(err, &exit) {
		t.Fatalf("disconnect reported as an exit status: %v", err)
	}
	if out != "hello " || errOut != "wo" {
		t.Errorf("partial output = stdout %q stderr %q, want %q %q", out, errOut, "hello ", "wo")
	}
	waitClientDead(t, c)

	// Shorter output than the budget: all of it, then the disconnect, never an exit status.
	c = mustDial(t, srv)
	out, _, err = run(t, c, "short")
	if err == nil || errors.As(err, &exit) || out != "abc" {
		t.Errorf("short = %q, %v; want all output then a disconnect", out, err)
	}
	waitClientDead(t, c)
}

func waitClientDead(t *testing.T, c *ssh.Client) {
	t.Helper()
	dead := make(chan struct{})
	go func() { _ = c.Wait(); close(dead) }()
	select {
	case <-dead:
	case <-time.After(waitFor):
		t.Fatal("connection still up after DisconnectAfter")
	}
}

func TestRejectExecAndShell(t *testing.T) {
	srv := passwordDevice(t, sshsim.Config{RejectExec: true, Commands: map[string]sshsim.Response{
		"show version": sshsim.Stdout("IOS\n"),
	}})
	c := mustDial(t, srv)
	out, _, err := run(t, c, "show version")
	var exit *ssh.ExitError
	if err == nil || errors.As(err, &exit) || out != "" {
		t.Fatalf("exec on a shell-only device = %q, %v; want the request refused", out, err)
	}

	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sess.Close() }()
	if err := sess.RequestPty("vt100", 24, 80, ssh.TerminalModes{}); err != nil {
		t.Errorf("pty-req refused: %v", err)
	}
	if err := sess.Shell(); err == nil {
		t.Error("shell accepted on a device without a personality (Config.Shell nil)")
	}
	if st := srv.Stats(); st.Execs != 1 || !slices.Equal(st.CommandsSeen, []string{"show version"}) {
		t.Errorf("stats = %+v, want the refused exec counted", st)
	}
}

func TestOneExecPerChannel(t *testing.T) {
	srv := passwordDevice(t, sshsim.Config{Commands: map[string]sshsim.Response{
		"hang": {Hang: true},
	}})
	c := mustDial(t, srv)
	payload := ssh.Marshal(&struct{ Command string }{"hang"})
	// ssh.Session does not let a second exec through; a raw channel does.
	ch, reqs, err := c.OpenChannel("session", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ch.Close() }()
	go ssh.DiscardRequests(reqs)
	if ok, err := ch.SendRequest("exec", true, payload); err != nil || !ok {
		t.Fatalf("first exec = %v, %v", ok, err)
	}
	if ok, err := ch.SendRequest("exec", true, payload); err != nil || ok {
		t.Fatalf("second exec on one channel = %v, %v; want refused", ok, err)
	}
}

func TestKeepaliveRefusedConnectionKept(t *testing.T) {
	srv := passwordDevice(t, sshsim.Config{Commands: map[string]sshsim.Response{"x": sshsim.Stdout("y")}})
	c := mustDial(t, srv)
	for range 3 {
		ok, _, err := c.SendRequest("keepalive@openssh.com", true, nil)
		if err != nil || ok {
			t.Fatalf("keepalive = %v, %v; want refused like OpenSSH", ok, err)
		}
	}
	if out, _, err := run(t, c, "x"); err != nil || out != "y" {
		t.Fatalf("command after keepalives = %q, %v", out, err)
	}
}

func TestStatsAndSetCommand(t *testing.T) {
	srv := passwordDevice(t, sshsim.Config{Commands: map[string]sshsim.Response{"v": sshsim.Stdout("0")}})
	c := mustDial(t, srv)

	const workers, rounds = 4, 10
	var wg sync.WaitGroup
	errc := make(chan error, workers*rounds)
	for w := range workers {
		wg.Go(func() {
			for i := range rounds {
				srv.SetCommand("v", sshsim.Stdout(fmt.Sprint(w*rounds+i)))
				sess, err := c.NewSession()
				if err != nil {
					errc <- err
					return
				}
				if _, err := sess.Output("v"); err != nil {
					errc <- err
				}
				_ = sess.Close()
				_ = srv.Stats()
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}

	srv.SetCommand("v", sshsim.Stdout("final"))
	if out, _, err := run(t, c, "v"); err != nil || out != "final" {
		t.Fatalf("after SetCommand = %q, %v", out, err)
	}
	for _, cmd := range []string{"a", "b", "a"} {
		_, _, _ = run(t, c, cmd)
	}
	st := srv.Stats()
	if st.Execs != workers*rounds+4 || st.Logins != 1 || st.Connections != 1 {
		t.Errorf("stats = %+v", st)
	}
	if got := st.CommandsSeen[len(st.CommandsSeen)-3:]; !slices.Equal(got, []string{"a", "b", "a"}) {
		t.Errorf("CommandsSeen tail = %q, want arrival order", got)
	}
	if !strings.Contains(strings.Join(st.CommandsSeen, ","), "v") {
		t.Error("CommandsSeen misses v")
	}
	st.CommandsSeen[0] = "mutated"
	if srv.Stats().CommandsSeen[0] == "mutated" {
		t.Error("Stats returns the server's own slice")
	}
}
