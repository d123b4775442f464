package sshsim_test

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/oca-collector/collector/internal/sshsim"
)

// platformWant is what each shipped platform's CLI says, written down from the real devices
// rather than derived from the personality, so a personality that drifts fails here.
var platformWant = map[string]struct {
	bogus, bogusErr string // a known verb with a wrong argument, and the error it gets
	verb, verbErr   string // a verb nobody knows, and its error
	// pagingOff is the dialogue that turns paging off, each command with the prompt that
	// follows it ("" = the session's current prompt).
	pagingOff                      [][2]string
	refuseExec, kbdInteractiveOnly bool
}{
	"linux": {
		bogus: "frobnicate --all", bogusErr: "-bash: frobnicate: command not found",
		verb: "frobnicate", verbErr: "-bash: frobnicate: command not found",
	},
	"generic_shell": {
		bogus: "show bogus-thing", bogusErr: "% Unknown command: show bogus-thing",
		verb: "frobnicate", verbErr: "% Unknown command: frobnicate",
		pagingOff: [][2]string{{"terminal length 0", ""}},
	},
	"cisco_ios": {
		bogus: "show bogus-thing", bogusErr: "% Invalid input detected at '^' marker.",
		verb: "frobnicate", verbErr: "% Invalid input detected at '^' marker.",
		pagingOff: [][2]string{{"terminal length 0", ""}},
	},
	"cisco_nxos": {
		bogus: "show bogus-thing", bogusErr: "% Invalid command at '^' marker.",
		verb: "frobnicate", verbErr: "% Invalid command at '^' marker.",
		pagingOff: [][2]string{{"terminal length 0", ""}},
	},
	"cisco_asa": {
		bogus: "show bogus-thing", bogusErr: "ERROR: % Invalid input detected at '^' marker.",
		verb: "frobnicate", verbErr: "ERROR: % Invalid input detected at '^' marker.",
		pagingOff: [][2]string{{"terminal pager 0", ""}},
	},
	"juniper_junos": {
		bogus: "show bogus-thing", bogusErr: "syntax error, expecting <command>.",
		verb: "frobnicate", verbErr: "unknown command.",
		pagingOff: [][2]string{{"set cli screen-length 0", ""}},
	},
	"arista_eos": {
		bogus: "show bogus-thing", bogusErr: "% Invalid input",
		verb: "frobnicate", verbErr: "% Invalid input",
		pagingOff:          [][2]string{{"terminal length 0", ""}},
		kbdInteractiveOnly: true,
	},
	"paloalto_panos": {
		bogus: "show bogus-thing", bogusErr: "Invalid syntax.",
		verb: "frobnicate", verbErr: "Unknown command: frobnicate",
		pagingOff:  [][2]string{{"set cli pager off", ""}},
		refuseExec: true,
	},
	"fortinet_fortios": {
		bogus: "get bogus-thing", bogusErr: "command parse error before 'bogus-thing'",
		verb: "frobnicate", verbErr: "Unknown action 0",
		pagingOff: [][2]string{
			{"config system console", "FGT-1 (console) # "},
			{"set output standard", "FGT-1 (console) # "},
			{"end", ""},
		},
		refuseExec: true,
	},
	"hp_comware": {
		bogus: "display bogus-thing", bogusErr: "% Unrecognized command found at '^' position.",
		verb: "frobnicate", verbErr: "% Unrecognized command found at '^' position.",
		pagingOff: [][2]string{{"screen-length disable", ""}},
	},
}

func TestPersonalitiesCoverEveryPlatform(t *testing.T) {
	ps := sshsim.Personalities()
	for name := range platformWant {
		if _, ok := ps[name]; !ok {
			t.Errorf("no personality for platform %s", name)
		}
	}
	for name, p := range ps {
		if _, ok := platformWant[name]; !ok {
			t.Errorf("personality %s has no expectations in this test", name)
		}
		if p.Name != name {
			t.Errorf("personality keyed %s is named %q", name, p.Name)
		}
		if !strings.Contains(p.Banner, "#") || !strings.Contains(p.Banner, ">") {
			t.Errorf("%s: banner has no '#' or '>' to trip prompt detection", name)
		}
		if name != "linux" && (p.PagerMarker == "" || len(p.PagingOff) == 0) {
			t.Errorf("%s: paging is not on by default or cannot be turned off", name)
		}
		if !p.EchoCommands {
			t.Errorf("%s: does not echo like a PTY", name)
		}
		for cmd := range p.Commands {
			if cmd != strings.Join(strings.Fields(cmd), " ") {
				t.Errorf("%s: command %q is not written as the CLI reads it (single spaces)", name, cmd)
			}
		}
	}
	ps["cisco_ios"].Commands["show added"] = "x\n"
	if _, ok := sshsim.Personalities()["cisco_ios"].Commands["show added"]; ok {
		t.Error("Personalities shares maps between calls")
	}
}

// TestPersonalitiesKnowTheirCommandSets keeps every shipped command set answerable: a command
// added to configs/commands/<platform>.txt needs an output in that platform's personality.
func TestPersonalitiesKnowTheirCommandSets(t *testing.T) {
	for name, p := range sshsim.Personalities() {
		path := filepath.Join("..", "..", "configs", "commands", name+".txt")
		f, err := os.Open(path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			if _, ok := p.Commands[strings.Join(strings.Fields(line), " ")]; !ok {
				t.Errorf("%s: %s has no output in the %s personality", path, line, name)
			}
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		_ = f.Close()
	}
}

func TestPersonalities(t *testing.T) {
	for name, p := range sshsim.Personalities() {
		want := platformWant[name]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := shellDevice(t, p, sshsim.Config{})
			auth := ssh.Password(testPassword)
			if want.kbdInteractiveOnly {
				auth = kbdInteractive(t, testPassword)
			}
			c := mustDial(t, srv, auth)
			tm := startShell(t, c, true)
			priv := p.StartPrivileged
			prompt := promptRE(p, priv)

			// Banner (and gate), then the prompt exactly: "\r", escapes, trailing space.
			login := ""
			if p.Gate != "" {
				login = tm.expect(regexp.QuoteMeta(crlf(p.Gate)))
				key := p.GateKey
				if key == "" {
					key = "\r"
				}
				tm.send(key)
			}
			login += tm.expect(prompt)
			if !strings.HasPrefix(login, crlf(p.Banner)) {
				t.Errorf("login screen %q does not start with the banner", login)
			}

			// Errors: the platform's own words, the caret under the bad word.
			for _, tc := range [][2]string{{want.bogus, want.bogusErr}, {want.verb, want.verbErr}} {
				tm.send(tc[0] + "\r")
				got := tm.expect(prompt)
				if !strings.Contains(got, tc[1]) {
					t.Errorf("%q: got %q, want %q", tc[0], got, tc[1])
				}
				checkCaret(t, got, promptText(p, priv), tc[0])
			}

			if p.EnableCommand != "" {
				priv = enableDialogue(t, tm, p)
				prompt = promptRE(p, priv)
			}

			// Paging on by default: the longest output comes page by page.
			long, out := longestOutput(p, priv)
			if p.PagerMarker != "" {
				if n := strings.Count(out, "\n"); n <= p.PageLines {
					t.Fatalf("longest output %q has %d lines, no more than a page", long, n)
				}
				pages := readPaged(t, tm, p, long+"\r", promptText(p, priv))
				if got, wantN := srv.Stats().PagerPrompts, (strings.Count(out, "\n")-1)/pageLines(p); got != wantN {
					t.Errorf("pager shown %d times for %d lines, want %d", got, strings.Count(out, "\n"), wantN)
				}
				if pages != long+enter(p)+crlf(out) {
					t.Errorf("paged output, markers removed = %q\nwant %q", pages, long+enter(p)+crlf(out))
				}
				for _, step := range want.pagingOff {
					tm.send(step[0] + "\r")
					next := prompt
					if step[1] != "" {
						next = regexp.QuoteMeta(step[1])
					}
					tm.expect(next)
				}
			}
			tm.send(long + "\r")
			if got := tm.expect(prompt); got != long+enter(p)+crlf(out)+promptText(p, priv) {
				t.Errorf("unpaged %q = %q", long, got)
			}
			before := srv.Stats().PagerPrompts
			tm.send(long + "\r")
			tm.expect(prompt)
			if after := srv.Stats().PagerPrompts; after != before {
				t.Errorf("pager shown after paging was turned off")
			}

			// Exit closes the channel with status 0.
			exitCmd := p.ExitCommands[0]
			tm.send(exitCmd + "\r")
			rest, err := tm.closed()
			if err != nil {
				t.Errorf("%s: session ended with %v, want exit status 0", exitCmd, err)
			}
			if rest != exitCmd+enter(p)+crlf(p.ExitMessage) {
				t.Errorf("%s: got %q", exitCmd, rest)
			}

			checkExec(t, srv, c, p, want.refuseExec)
			st := srv.Stats()
			if len(st.ShellCommands) < 5 || st.ShellCommands[0] != want.bogus {
				t.Errorf("ShellCommands = %q", st.ShellCommands)
			}
		})
	}
}

// kbdInteractive answers the device's single "Password: " question, checking it is asked
// with echo off.
func kbdInteractive(t *testing.T, password string) ssh.AuthMethod {
	return ssh.KeyboardInteractive(func(_, _ string, questions []string, echos []bool) ([]string, error) {
		if len(questions) == 0 {
			return nil, nil
		}
		if !slices.Equal(questions, []string{"Password: "}) || !slices.Equal(echos, []bool{false}) {
			t.Errorf("keyboard-interactive asked %q (echo %v)", questions, echos)
		}
		return []string{password}, nil
	})
}

// checkCaret checks that a caret line in out points at the last word of cmd typed after prompt.
func checkCaret(t *testing.T, out, prompt, cmd string) {
	t.Helper()
	for _, line := range strings.Split(out, "\r\n") {
		if strings.TrimSpace(line) != "^" {
			continue
		}
		visible := strings.TrimPrefix(prompt, "\r")
		wantCol := len(visible) + strings.LastIndexByte(" "+cmd, ' ')
		if col := strings.IndexByte(line, '^'); col != wantCol {
			t.Errorf("%q: caret at column %d, want %d under the last word", cmd, col, wantCol)
		}
	}
}

// enableDialogue runs a privileged command below the level (refused), enable with a wrong and
// then the right password, and the privileged command again. It reports the level reached.
func enableDialogue(t *testing.T, tm *term, p sshsim.Personality) bool {
	t.Helper()
	user, privPrompt := promptRE(p, false), promptRE(p, true)
	// The privileged command with the shortest output: it must not page.
	var privCmd string
	for cmd := range p.PrivOnly {
		out, ok := p.Commands[cmd]
		if !ok || strings.TrimSpace(out) == "" {
			continue
		}
		n, m := strings.Count(out, "\n"), strings.Count(p.Commands[privCmd], "\n")
		if privCmd == "" || n < m || n == m && cmd < privCmd {
			privCmd = cmd
		}
	}
	privOut := crlf(p.Commands[privCmd])
	if privCmd != "" {
		tm.send(privCmd + "\r")
		if got := tm.expect(user); strings.Contains(got, privOut) {
			t.Errorf("%q below the privileged level printed its output: %q", privCmd, got)
		}
	}
	enablePrompt := "Password: "
	if p.EnablePrompt != "" {
		enablePrompt = p.EnablePrompt
	}
	tm.send(p.EnableCommand + "\r")
	tm.expect(regexp.QuoteMeta(p.EnableCommand + enter(p) + enablePrompt))
	tm.send("not-the-password\r")
	if got := tm.expect(user); got != enter(p)+crlf(p.EnableFailure)+promptText(p, false) {
		t.Errorf("wrong enable password: got %q", got)
	}
	tm.send(p.EnableCommand + "\r")
	tm.expect(regexp.QuoteMeta(enablePrompt))
	tm.send(p.EnablePassword + "\r")
	if got := tm.expect(privPrompt); got != enter(p)+crlf(p.EnableSuccess)+promptText(p, true) {
		t.Errorf("right enable password: got %q", got)
	}
	if privCmd != "" {
		tm.send(privCmd + "\r")
		if got := tm.expect(privPrompt); got != privCmd+enter(p)+privOut+promptText(p, true) {
			t.Errorf("%q when privileged = %q", privCmd, got)
		}
	}
	return true
}

// longestOutput is the command with the most output lines at the given level, the one that
// pages the most (ties broken by name, so the test is deterministic).
func longestOutput(p sshsim.Personality, priv bool) (string, string) {
	var best string
	for cmd, out := range p.Commands {
		if p.PrivOnly[cmd] && !priv {
			continue
		}
		n, m := strings.Count(out, "\n"), strings.Count(p.Commands[best], "\n")
		if best == "" || n > m || n == m && cmd < best {
			best = cmd
		}
	}
	return best, p.Commands[best]
}

// enter is what the device echoes for Enter.
func enter(p sshsim.Personality) string {
	return "\r\n" + p.AfterEnter
}

func pageLines(p sshsim.Personality) int {
	if p.PageLines > 0 {
		return p.PageLines
	}
	return 24
}

// readPaged sends cmd and answers every pager marker with the pager key until the prompt comes
// back. It returns what was shown with the markers and their redraws taken out, and checks
// that each page but the last holds exactly a page of lines.
func readPaged(t *testing.T, tm *term, p sshsim.Personality, cmd, promptText string) string {
	t.Helper()
	tm.send(cmd)
	marker, prompt := regexp.QuoteMeta(p.PagerMarker), regexp.QuoteMeta(promptText)
	var shown strings.Builder
	for i := 0; ; i++ {
		if i > 100 {
			t.Fatal("more than 100 pages")
		}
		got := tm.expect("(?:" + marker + "|" + prompt + ")")
		got = strings.TrimPrefix(got, p.PagerRedraw)
		if strings.HasSuffix(got, p.PagerMarker) {
			page := strings.TrimSuffix(got, p.PagerMarker)
			lines := strings.Count(page, "\n")
			if i == 0 {
				lines-- // the echoed command line
			}
			if lines != pageLines(p) {
				t.Errorf("page %d has %d lines, want %d: %q", i+1, lines, pageLines(p), page)
			}
			shown.WriteString(page)
			tm.send(" ")
			continue
		}
		shown.WriteString(strings.TrimSuffix(got, promptText))
		return shown.String()
	}
}

// checkExec runs a command through exec: refused on shell-only platforms, answered from the
// personality elsewhere.
func checkExec(t *testing.T, srv *sshsim.Server, c *ssh.Client, p sshsim.Personality, refused bool) {
	t.Helper()
	cmd, want := longestOutput(p, p.StartPrivileged)
	out, _, err := run(t, c, cmd)
	var exit *ssh.ExitError
	if refused {
		if err == nil || errors.As(err, &exit) || out != "" {
			t.Errorf("exec %q on a shell-only platform = %q, %v; want the request refused", cmd, out, err)
		}
	} else if err != nil || out != want {
		t.Errorf("exec %q = %q, %v", cmd, out, err)
	}
	if got := srv.Stats().CommandsSeen; !slices.Equal(got, []string{cmd}) {
		t.Errorf("CommandsSeen = %q", got)
	}
}

func TestKeyboardInteractiveOnly(t *testing.T) {
	p := sshsim.Personalities()["arista_eos"]
	srv := shellDevice(t, p, sshsim.Config{})
	if _, err := dial(t, srv, ssh.Password(testPassword)); err == nil {
		t.Fatal("password authentication accepted on a keyboard-interactive-only device")
	}
	if _, err := dial(t, srv, kbdInteractive(t, "wrong-"+testPassword)); err == nil {
		t.Fatal("wrong keyboard-interactive answer accepted")
	}
	mustDial(t, srv, kbdInteractive(t, testPassword))
	if st := srv.Stats(); st.Logins != 1 || st.AuthFailures < 1 {
		t.Errorf("stats = %+v, want 1 login and the wrong answer counted", st)
	}
}

func TestKeyboardInteractiveAlongsidePassword(t *testing.T) {
	srv := passwordDevice(t, sshsim.Config{KeyboardInteractive: true})
	mustDial(t, srv, ssh.Password(testPassword))
	mustDial(t, srv, kbdInteractive(t, testPassword))

	// Off by default, as in Debian's sshd_config.
	srv = passwordDevice(t, sshsim.Config{})
	if _, err := dial(t, srv, kbdInteractive(t, testPassword)); err == nil {
		t.Fatal("keyboard-interactive offered although not configured")
	}
}
