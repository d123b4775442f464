package collector

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/oca-collector/collector/internal/sshsim"
)

// These tests run the batch driver's real script through the simulator's POSIXBatch
// interpreter, so the script format and the interpreter cannot drift apart, and compare what
// batch mode records with what per-command exec channels record for the same responses.

// batchSimCommands is a command set with the shapes that matter: quotes and a newline in the
// command line, output without a final newline, CRLF, stderr, a slow chunk, non-zero exit,
// a signal, and a command the device does not know.
func batchSimCommands() ([]string, map[string]sshsim.Response) {
	cmds := []string{
		"uname -a",
		`grep -h 'it'"'"'s' /etc/*.conf`,
		"printf 'a\\nb'\nprintf c",
		"cat /proc/cpuinfo",
		"ls /nonexistent",
		"slow",
		"killed",
		"no-such-tool --version",
		"echo \"$HOME\" `id -u` %s %d \\n",
	}
	resp := map[string]sshsim.Response{
		cmds[0]: sshsim.Stdout("Linux sim 6.1.0 x86_64 GNU/Linux\n"),
		cmds[1]: sshsim.Stdout("it's here"),
		cmds[2]: sshsim.Stdout("a\r\nb\r\nc"),
		cmds[3]: sshsim.Stdout(strings.Repeat("processor\t: 0\nflags\t\t: fpu vme de pse\n", 2000)),
		cmds[4]: {Output: []sshsim.Chunk{{Stderr: true, Data: "ls: cannot access '/nonexistent': No such file or directory\n"}}, ExitStatus: 2},
		cmds[5]: {Output: []sshsim.Chunk{{Data: "one\n"}, {Data: "two\n", Delay: 20 * time.Millisecond}}},
		cmds[6]: {Output: []sshsim.Chunk{{Data: "partial"}}, Signal: "KILL"},
		cmds[8]: sshsim.Stdout("/root 0 %s %d \\n\n"),
	}
	return cmds, resp
}

// startSimSession starts a simulated device from cfg, connects with a fresh key it authorises (cfg.Users is set here) and returns
// the session the drivers see; the connection is closed at cleanup.
func startSimSession(t *testing.T, cfg sshsim.Config) (*sshsim.Server, *session) {
	t.Helper()
	signer, _, err := sshsim.GenerateUserKey()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Users = map[string]sshsim.User{testUser: {AuthorizedKeys: []ssh.PublicKey{signer.PublicKey()}}}
	srv := sshsim.New(t, cfg)
	client, err := ssh.Dial("tcp", srv.Addr(), &ssh.ClientConfig{
		User: testUser, Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.FixedHostKey(srv.HostKey()), Timeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	dead := make(chan struct{})
	go func() { _ = client.Wait(); close(dead) }()
	t.Cleanup(func() { _ = client.Close(); <-dead })
	return srv, &session{client: client, dead: dead}
}

func TestBatchSimMatchesExec(t *testing.T) {
	cmds, resp := batchSimCommands()
	batchSrv, bs := startSimSession(t, sshsim.Config{Commands: resp, POSIXBatch: true})
	_, es := startSimSession(t, sshsim.Config{Commands: resp})
	d := newTestBatchDriver(5*time.Second, 1<<20, nil, nil)
	got, gotErrs := runDriver(context.Background(), d, bs, cmds)
	want, wantErrs := runDriver(context.Background(), d.exec, es, cmds)

	st := batchSrv.Stats()
	if !slices.Equal(st.CommandsSeen, []string{"/bin/sh -s"}) || !slices.Equal(st.ScriptCommands, cmds) {
		t.Fatalf("execs %q, script commands %q: want one script running every command in order", st.CommandsSeen, st.ScriptCommands)
	}
	for i, c := range cmds {
		g, w := got[i], want[i]
		if gotErrs[i] != nil || wantErrs[i] != nil {
			t.Errorf("%q: batch error %v, exec error %v", c, gotErrs[i], wantErrs[i])
			continue
		}
		// Each response writes to one stream only, so exec's merged Output has a fixed order.
		if string(g.Output) != string(w.Output) || g.Truncated || w.Truncated {
			t.Errorf("%q: batch output %q, exec output %q", c, g.Output, w.Output)
		}
		wantStatus := w.ExitStatus
		if w.Signal == "KILL" {
			wantStatus = 128 + 9 // the shell's $? for a command killed by SIGKILL
		}
		if g.ExitStatus != wantStatus || g.Signal != "" || g.Stderr != 0 {
			t.Errorf("%q: batch status %d signal %q stderr %d; exec status %d signal %q", c, g.ExitStatus, g.Signal, g.Stderr, w.ExitStatus, w.Signal)
		}
	}
	if got[7].ExitStatus != 127 || !strings.Contains(string(got[7].Output), "not found") {
		t.Errorf("unknown command: %+v", got[7])
	}
}

func TestBatchSimHangFallsBack(t *testing.T) {
	srv, s := startSimSession(t, sshsim.Config{POSIXBatch: true, Commands: map[string]sshsim.Response{
		"a":    sshsim.Stdout("A\n"),
		"hang": {Output: []sshsim.Chunk{{Data: "started\n"}}, Hang: true},
		"c":    sshsim.Stdout("C\n"),
	}})
	d := newTestBatchDriver(300*time.Millisecond, 1<<20, nil, nil)
	records, errs := runDriver(context.Background(), d, s, []string{"a", "hang", "c"})
	if errs[0] != nil || string(records[0].Output) != "A\n" {
		t.Errorf("a: %v %q", errs[0], records[0].Output)
	}
	if !errors.Is(errs[1], ErrTimeout) || string(records[1].Output) != "started\n" || !records[1].Truncated {
		t.Errorf("hang: %v %+v", errs[1], records[1])
	}
	if errs[2] != nil || string(records[2].Output) != "C\n" || records[2].ExitStatus != 0 {
		t.Errorf("c: %v %+v", errs[2], records[2])
	}
	if got := srv.Stats().CommandsSeen; !slices.Equal(got, []string{"/bin/sh -s", "c"}) {
		t.Errorf("execs %q: the command after the hang must fall back to its own channel", got)
	}
}

func TestBatchSimDisconnect(t *testing.T) {
	_, s := startSimSession(t, sshsim.Config{POSIXBatch: true, Commands: map[string]sshsim.Response{
		"a":    sshsim.Stdout("A\n"),
		"drop": {Output: []sshsim.Chunk{{Data: "0123456789"}}, DisconnectAfter: 4},
		"c":    sshsim.Stdout("C\n"),
	}})
	d := newTestBatchDriver(5*time.Second, 1<<20, nil, nil)
	records, errs := runDriver(context.Background(), d, s, []string{"a", "drop", "c"})
	if errs[0] != nil || string(records[0].Output) != "A\n" {
		t.Errorf("a: %v %q", errs[0], records[0].Output)
	}
	if !errors.Is(errs[1], ErrDisconnect) || string(records[1].Output) != "0123" {
		t.Errorf("drop: %v %+v", errs[1], records[1])
	}
	if !errors.Is(errs[2], ErrDisconnect) {
		t.Errorf("c: %v, want a disconnect for the runner to resume", errs[2])
	}
}

// A device that refuses exec closes the channel of an exec that asked for no reply: the driver
// takes that as a refusal at once (well inside command_timeout, which would otherwise end
// the wait) and does not ask again.
func TestBatchSimRefusedByClose(t *testing.T) {
	srv, s := startSimSession(t, sshsim.Config{POSIXBatch: true, RejectExec: true})
	logs := &syncBuffer{}
	d := newTestBatchDriver(time.Minute, 1<<20, nil, logs)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for range 2 {
		_, errs := runDriver(ctx, d, s, []string{"a"})
		if errs[0] == nil || ctx.Err() != nil {
			t.Fatalf("a: %v (ctx %v): the exec fallback is refused too, and must fail before the deadline", errs[0], ctx.Err())
		}
	}
	if l := logs.String(); strings.Count(l, "refused the batch script") != 1 || !strings.Contains(l, "closed the channel without running it") {
		t.Errorf("the refusal must be logged once, as a closed channel:\n%s", l)
	}
	if got := srv.Stats().CommandsSeen; !slices.Equal(got, []string{"/bin/sh -s", "a", "a"}) {
		t.Errorf("execs %q: one script, then one channel per command on each run", got)
	}
}
