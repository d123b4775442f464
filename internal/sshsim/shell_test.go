package sshsim_test

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/oca-collector/collector/internal/sshsim"
)

// numbered is n output lines "line 1".."line n".
func numbered(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	return b.String()
}

// testbox is a small personality whose every reply is easy to predict.
func testbox() sshsim.Personality {
	return sshsim.Personality{
		Name:           "testbox",
		Hostname:       "box",
		Banner:         "# welcome > box #\n",
		PromptPrefixCR: true,
		EnableCommand:  "enable",
		EnablePassword: "box-enable",
		EnableFailure:  "% Access denied\n",
		PagingOff:      []string{"terminal length 0"},
		PageLines:      3,
		PagerMarker:    "-- More --",
		PagerRedraw:    "\r          \r",
		Unknown:        "{caret}\n% Invalid input '{word}' in '{command}'\n",
		EchoCommands:   true,
		ExitCommands:   []string{"exit"},
		PrivOnly:       map[string]bool{"show secret": true},
		Commands: map[string]string{
			"show one":    "one\n",
			"show two":    "two\n",
			"show long":   numbered(8),
			"show secret": "s3cr3t\n",
			"slow":        numbered(4),
			"drop":        "0123456789abcdefghij\n",
		},
		Hang:      map[string]bool{"slow": true},
		DropAfter: map[string]int{"drop": 7},
	}
}

const boxUser, boxPriv = `\rbox>`, `\rbox#`

func TestShellEnterVariantsAndEcho(t *testing.T) {
	srv := shellDevice(t, testbox(), sshsim.Config{})
	tm := openShell(t, srv, true)
	if got := tm.expect(boxUser); got != "# welcome > box #\r\n\rbox>" {
		t.Fatalf("login screen = %q", got)
	}
	for _, enter := range []string{"\r", "\n", "\r\n"} {
		tm.send("show one" + enter)
		if got := tm.expect(boxUser); got != "show one\r\none\r\n\rbox>" {
			t.Fatalf("Enter %q: got %q", enter, got)
		}
	}
	// "\r\n" is one Enter: no empty command, no extra prompt in between.
	tm.send("show two\r\n")
	if got := tm.expect(boxUser); got != "show two\r\ntwo\r\n\rbox>" {
		t.Fatalf("got %q", got)
	}
	// An empty line prints the prompt again; multiple blanks collapse.
	tm.send("\r  show   one  \r")
	if got := tm.expect(boxUser + `  show   one  \r\none\r\n` + boxUser); got != "\r\n\rbox>  show   one  \r\none\r\n\rbox>" {
		t.Fatalf("got %q", got)
	}
	if got := srv.Stats().ShellCommands; !slices.Equal(got, []string{"show one", "show one", "show one", "show two", "show one"}) {
		t.Errorf("ShellCommands = %q", got)
	}
}

func TestShellBackspaceAndTypeAhead(t *testing.T) {
	srv := shellDevice(t, testbox(), sshsim.Config{})
	tm := openShell(t, srv, true)
	tm.expect(boxUser)
	// Typed ahead in one write: each command runs after the previous prompt, in order.
	tm.send("shox\x7fw one\rshow twx\bo\r")
	want := "shox\b \bw one\r\none\r\n\rbox>" + "show twx\b \bo\r\ntwo\r\n\rbox>"
	if got := tm.expect(boxUser + `show twx\x08 \x08o\r\ntwo\r\n` + boxUser); got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if got := srv.Stats().ShellCommands; !slices.Equal(got, []string{"show one", "show two"}) {
		t.Errorf("ShellCommands = %q", got)
	}
}

func TestShellUnknownCommandPlaceholders(t *testing.T) {
	srv := shellDevice(t, testbox(), sshsim.Config{})
	tm := openShell(t, srv, true)
	tm.expect(boxUser)
	tm.send("show bogus\r")
	// The caret sits under "bogus": prompt "box>" is 4 columns, "show " 5 more.
	want := "show bogus\r\n         ^\r\n% Invalid input 'bogus' in 'show bogus'\r\n\rbox>"
	if got := tm.expect(boxUser); got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

func TestShellPager(t *testing.T) {
	srv := shellDevice(t, testbox(), sshsim.Config{})
	tm := openShell(t, srv, true)
	c := mustDial(t, srv) // for keepalive round trips
	tm.expect(boxUser)

	tm.send("show long\r")
	if got := tm.expect("-- More --"); got != "show long\r\nline 1\r\nline 2\r\nline 3\r\n-- More --" {
		t.Fatalf("first page = %q", got)
	}
	tm.quiet(c, 30*time.Millisecond) // the pager waits for a key
	tm.send("x")                     // not a pager key: ignored
	tm.quiet(c, 30*time.Millisecond)
	tm.send("\r") // Enter: one more line
	if got := tm.expect("-- More --"); got != "\r          \rline 4\r\n-- More --" {
		t.Fatalf("after Enter = %q", got)
	}
	tm.send(" ") // space: a page
	if got := tm.expect("-- More --"); got != "\r          \rline 5\r\nline 6\r\nline 7\r\n-- More --" {
		t.Fatalf("after space = %q", got)
	}
	tm.send(" ")
	if got := tm.expect(boxUser); got != "\r          \rline 8\r\n\rbox>" {
		t.Fatalf("last page = %q", got)
	}

	// q drops the rest and gives the prompt back.
	tm.send("show long\r")
	tm.expect("-- More --")
	tm.send("q")
	if got := tm.expect(boxUser); got != "\r          \r\rbox>" {
		t.Fatalf("after q = %q", got)
	}

	// A "\r\n" answer to the pager is one Enter, not Enter plus an empty command.
	tm.send("show long\r")
	tm.expect("-- More --")
	tm.send("\r\n")
	tm.expect(`line 4\r\n-- More --`)
	tm.send("q")
	tm.expect(boxUser)
	tm.quiet(c, 30*time.Millisecond)

	// Paging off: everything at once.
	tm.send("terminal length 0\r")
	if got := tm.expect(boxUser); got != "terminal length 0\r\n\rbox>" {
		t.Fatalf("paging off = %q", got)
	}
	tm.send("show long\r")
	if got := tm.expect(boxUser); got != "show long\r\n"+crlf(numbered(8))+"\rbox>" {
		t.Fatalf("unpaged = %q", got)
	}
	// Markers: before lines 4, 5 and 8; before line 4 (q); before lines 4 and 5.
	if st := srv.Stats(); st.PagerPrompts != 6 {
		t.Errorf("PagerPrompts = %d, want 6", st.PagerPrompts)
	}
}

func TestShellEnable(t *testing.T) {
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p := testbox()
	srv := shellDevice(t, p, sshsim.Config{Logger: logger})
	tm := openShell(t, srv, true)
	tm.expect(boxUser)

	tm.send("show secret\r")
	if got := tm.expect(boxUser); !strings.Contains(got, "% Invalid input 'secret'") {
		t.Fatalf("privileged command in user mode = %q", got)
	}
	tm.send("enable\r")
	tm.expect(`enable\r\nPassword: `)
	tm.send("wrong\r")
	if got := tm.expect(boxUser); got != "\r\n% Access denied\r\n\rbox>" {
		t.Fatalf("wrong enable password = %q (the password must not be echoed)", got)
	}
	tm.send("enable\r")
	tm.expect("Password: ")
	tm.send(p.EnablePassword + "\r")
	if got := tm.expect(boxPriv); got != "\r\n\rbox#" {
		t.Fatalf("right enable password = %q", got)
	}
	tm.send("show secret\r")
	if got := tm.expect(boxPriv); got != "show secret\r\ns3cr3t\r\n\rbox#" {
		t.Fatalf("privileged command = %q", got)
	}
	tm.send("enable\r") // already there: nothing asked
	if got := tm.expect(boxPriv); got != "enable\r\n\rbox#" {
		t.Fatalf("enable when privileged = %q", got)
	}
	st := srv.Stats()
	if !slices.Equal(st.ShellCommands, []string{"show secret", "enable", "enable", "show secret", "enable"}) {
		t.Errorf("ShellCommands = %q (passwords must not appear)", st.ShellCommands)
	}
	if strings.Contains(logs.String(), p.EnablePassword) || strings.Contains(logs.String(), "wrong") {
		t.Errorf("enable password in logs:\n%s", logs.String())
	}
}

func TestShellEnableWithoutPassword(t *testing.T) {
	p := testbox()
	p.EnablePassword = ""
	p.EnableSuccess = "now privileged\n"
	tm := openShell(t, shellDevice(t, p, sshsim.Config{}), true)
	tm.expect(boxUser)
	tm.send("enable\r")
	if got := tm.expect(boxPriv); got != "enable\r\nnow privileged\r\n\rbox#" {
		t.Fatalf("got %q", got)
	}
}

func TestShellExit(t *testing.T) {
	p := testbox()
	p.ExitMessage = "bye\n"
	srv := shellDevice(t, p, sshsim.Config{MaxSessions: 1})
	c := mustDial(t, srv)
	tm := startShell(t, c, true)
	tm.expect(boxUser)
	tm.send("exit\r")
	rest, err := tm.closed()
	if err != nil {
		t.Fatalf("exit: session ended with %v, want exit status 0", err)
	}
	if rest != "exit\r\nbye\r\n" {
		t.Errorf("after exit = %q", rest)
	}
	waitSessionSlot(t, c) // the channel's goroutines are gone
}

func TestShellGate(t *testing.T) {
	p := testbox()
	p.Gate = "Press 'a' to accept"
	p.GateKey = "a"
	srv := shellDevice(t, p, sshsim.Config{})
	tm := openShell(t, srv, true)
	c := mustDial(t, srv)
	if got := tm.expect("Press 'a' to accept"); got != "# welcome > box #\r\nPress 'a' to accept" {
		t.Fatalf("gate = %q", got)
	}
	tm.send("x")
	tm.quiet(c, 30*time.Millisecond)
	tm.send("a")
	if got := tm.expect(boxUser); got != "\r\n\rbox>" {
		t.Fatalf("after the gate = %q", got)
	}

	// Any key.
	p.GateKey = ""
	tm = openShell(t, shellDevice(t, p, sshsim.Config{}), true)
	tm.expect("accept")
	tm.send("\r\n") // the "\n" is the same Enter, not an empty command
	tm.expect(boxUser)
	tm.send("show one\r")
	if got := tm.expect(boxUser); got != "show one\r\none\r\n\rbox>" {
		t.Fatalf("got %q", got)
	}
}

func TestShellWithoutPTYDoesNotEcho(t *testing.T) {
	tm := openShell(t, shellDevice(t, testbox(), sshsim.Config{}), false)
	tm.expect(boxUser)
	tm.send("show one\r")
	if got := tm.expect(boxUser); got != "one\r\n\rbox>" {
		t.Fatalf("got %q", got)
	}
}

func TestShellHang(t *testing.T) {
	srv := shellDevice(t, testbox(), sshsim.Config{MaxSessions: 1})
	c := mustDial(t, srv)
	tm := startShell(t, c, true)
	tm.expect(boxUser)
	tm.send("slow\r")
	if got := tm.expect(`line 2\r\n`); got != "slow\r\nline 1\r\nline 2\r\n" {
		t.Fatalf("hung output = %q", got)
	}
	tm.send("show one\r") // swallowed: the device is stuck
	tm.quiet(c, 50*time.Millisecond)
	if err := tm.sess.Close(); err != nil {
		t.Fatal(err)
	}
	waitSessionSlot(t, c) // closing the channel ended the hung session
}

func TestShellDropAfter(t *testing.T) {
	srv := shellDevice(t, testbox(), sshsim.Config{})
	c := mustDial(t, srv)
	tm := startShell(t, c, true)
	tm.expect(boxUser)
	tm.send("drop\r")
	rest, err := tm.closed()
	var exit *ssh.ExitError
	if err == nil || errors.As(err, &exit) {
		t.Errorf("session cut by a drop ended with %v, want no exit status", err)
	}
	if rest != "drop\r\n0123456" {
		t.Fatalf("before the drop = %q, want the echo and 7 output bytes", rest)
	}
	waitClientDead(t, c)
}

func TestShellLatency(t *testing.T) {
	const latency = 40 * time.Millisecond
	tm := openShell(t, shellDevice(t, testbox(), sshsim.Config{Latency: latency}), true)
	tm.expect(boxUser)
	start := time.Now()
	tm.send("show one\r")
	tm.expect(boxUser)
	if took := time.Since(start); took < latency {
		t.Errorf("command answered in %v, want >= %v", took, latency)
	}
}

func TestShellRequests(t *testing.T) {
	srv := shellDevice(t, testbox(), sshsim.Config{})
	c := mustDial(t, srv)
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sess.Close() }()
	if err := sess.Setenv("LANG", "C"); err != nil {
		t.Errorf("env refused: %v", err)
	}
	if err := sess.RequestPty("xterm", 24, 80, nil); err != nil {
		t.Fatal(err)
	}
	if err := sess.WindowChange(50, 200); err != nil {
		t.Errorf("window-change: %v", err)
	}
	if ok, err := sess.SendRequest("subsystem", true, ssh.Marshal(&struct{ Name string }{"sftp"})); err != nil || ok {
		t.Errorf("subsystem = %v, %v; want refused", ok, err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	if ok, err := sess.SendRequest("shell", true, nil); err != nil || ok {
		t.Errorf("second shell on one channel = %v, %v; want refused", ok, err)
	}
	if ok, err := sess.SendRequest("exec", true, ssh.Marshal(&struct{ Command string }{"show one"})); err != nil || ok {
		t.Errorf("exec on a shell channel = %v, %v; want refused", ok, err)
	}
}

func TestShellExecFallsBackToPersonality(t *testing.T) {
	p := testbox()
	p.UnknownStatus = 9
	srv := shellDevice(t, p, sshsim.Config{Commands: map[string]sshsim.Response{
		"show one": sshsim.Stdout("scripted\n"), // Config.Commands win
	}})
	c := mustDial(t, srv)
	if out, _, err := run(t, c, "show one"); err != nil || out != "scripted\n" {
		t.Errorf("show one = %q, %v", out, err)
	}
	if out, _, err := run(t, c, "show  two"); err != nil || out != "two\n" {
		t.Errorf("show two = %q, %v", out, err)
	}
	out, errOut, err := run(t, c, "show secret") // exec runs at the login's level: user
	var exit *ssh.ExitError
	if !errors.As(err, &exit) || exit.ExitStatus() != 9 || out != "" || !strings.Contains(errOut, "% Invalid input") {
		t.Errorf("privileged command through exec = %q, %q, %v", out, errOut, err)
	}
	_, errOut, err = run(t, c, "bogus")
	if !errors.As(err, &exit) || exit.ExitStatus() != 9 || !strings.Contains(errOut, "'bogus'") {
		t.Errorf("unknown through exec = %q, %v", errOut, err)
	}
	if got := srv.Stats().CommandsSeen; !slices.Equal(got, []string{"show one", "show  two", "show secret", "bogus"}) {
		t.Errorf("CommandsSeen = %q", got)
	}

	// Config.Unknown still answers what the personality does not know.
	custom := sshsim.Stdout("custom\n")
	srv = shellDevice(t, p, sshsim.Config{Unknown: &custom})
	if out, _, err := run(t, mustDial(t, srv), "bogus"); err != nil || out != "custom\n" {
		t.Errorf("Config.Unknown = %q, %v", out, err)
	}
}

func TestShellPersonalityIsCopied(t *testing.T) {
	p := testbox()
	srv := shellDevice(t, p, sshsim.Config{})
	p.Commands["show one"] = "changed\n" // after Start: the device keeps its own copy
	tm := openShell(t, srv, true)
	tm.expect(boxUser)
	tm.send("show one\r")
	if got := tm.expect(boxUser); got != "show one\r\none\r\n\rbox>" {
		t.Fatalf("got %q", got)
	}
}

func TestShellCloseLeavesNoGoroutines(t *testing.T) {
	base := runtime.NumGoroutine()
	cfg := sshsim.Config{Users: map[string]sshsim.User{testUser: {Password: testPassword}}}
	p := testbox()
	cfg.Shell = &p
	srv, err := sshsim.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := mustDial(t, srv)
	hung := startShell(t, c, true) // a hung command
	hung.expect(boxUser)
	hung.send("slow\r")
	hung.expect(`line 2\r\n`)
	paged := startShell(t, c, true) // a pager waiting for its key
	paged.expect(boxUser)
	paged.send("show long\r")
	paged.expect("-- More --")
	idle := startShell(t, c, true) // a prompt waiting for a command
	idle.expect(boxUser)

	closeWithin(t, srv)
	for _, tm := range []*term{hung, paged, idle} {
		if _, err := tm.closed(); !isExitMissing(err) {
			t.Errorf("session after Close: %v, want no exit status", err)
		}
	}
	_ = c.Close()
	noLeaks(t, base)
}
