package collector

import (
	"strings"
	"testing"

	"github.com/oca-collector/collector/devices"
)

// iosLike is a platform with IOS's patterns, written here so the scanner tests do not depend on
// the shipped YAML (which has its own tests).
var iosLike = devices.Platform{
	Name: "ios_like", Mode: devices.ModeShell,
	Prompt: devices.PromptPatterns{
		User:       `^[\w.\-@/:]{1,63}>\s*$`,
		Privileged: `^[\w.\-@/:]{1,63}(\(config[\w.\-@/:+]{0,32}\))?#\s*$`,
	},
	Pagers: []devices.Answer{
		{Pattern: `--More--\s*$`, Send: " "},                   // IOS, FortiOS
		{Pattern: `---\(more( \d+%)?\)---\s*$`, Send: " "},     // Junos
		{Pattern: `<--- More --->\s*$`, Send: " "},             // ASA
		{Pattern: `^\s*---- More ----\s*$`, Send: " "},         // Comware
		{Pattern: `(?i)^\s*press any key for more`, Send: "x"}, // a made-up one, to see Send used
	},
	ErrorPatterns: []string{`^\s*% Invalid input`, `syntax error`},
}

func mustPatterns(t testing.TB, p devices.Platform) *shellPatterns {
	t.Helper()
	pat, err := compilePatterns(p)
	if err != nil {
		t.Fatal(err)
	}
	return pat
}

func TestRenderLine(t *testing.T) {
	bs := func(n int) string { return strings.Repeat("\b", n) }
	sp := func(n int) string { return strings.Repeat(" ", n) }
	for _, tc := range []struct{ name, raw, want string }{
		{"plain", "core-sw1#", "core-sw1#"},
		{"CR before prompt and trailing space", "\rcore-sw1# ", "core-sw1# "},
		{"CR at the end keeps the line", "core-sw1#\r", "core-sw1#"},
		{"ANSI around the prompt", "\x1b[1;32mcore-sw1\x1b[0m#\x1b[K ", "core-sw1# "},
		{"CR overwrite", "50%\r100%", "100%"},
		{"backspace edits", "shwo\b\bow version", "show version"},
		{"backspace at line start", "\b\bab", "ab"},
		{"trailing spaces the device printed stay", "hostname x  ", "hostname x  "},
		{"IOS pager redraw, longer line", " --More-- " + bs(10) + sp(10) + bs(10) + " ip address 10.0.0.1 255.255.255.0", " ip address 10.0.0.1 255.255.255.0"},
		{"IOS pager redraw, shorter line", " --More-- " + bs(10) + sp(10) + bs(10) + "!", "!"},
		{"IOS pager redraw, then nothing", " --More-- " + bs(10) + sp(10) + bs(10), sp(10)},
		{"Comware redraw with cursor-left", "  ---- More ----\x1b[16D" + sp(16) + "\x1b[16D" + " undo telnet", " undo telnet"},
		{"ASA redraw with CR", "<--- More --->\r" + sp(14) + "\r" + "access-list x", "access-list x"},
		{"Junos redraw with CR", "---(more 42%)---\r" + sp(16) + "\r" + "set system", "set system"},
		{"FortiOS redraw with CR", "--More-- \r" + sp(10) + "\r" + "config system", "config system"},
		{"erase to end of line", "abcdef\x1b[3D\x1b[K", "abc"},
		{"erase whole line", "abcdef\x1b[2Kxy", "      xy"},
		{"column absolute", "abcdef\x1b[2GX", "aXcdef"},
		{"NUL BEL DEL dropped", "a\x00b\x07c\x7f", "abc"},
		{"OSC title dropped", "\x1b]0;core-sw1\x07core-sw1#", "core-sw1#"},
		{"invalid UTF-8 kept for the renderer", "a\xffb", "a\xffb"},
		{"huge cursor forward is capped", "\x1b[99999999Cx", strings.Repeat(" ", maxCursorColumn) + "x"},
		{"printable ASCII and tabs as they are", "interface Gi1/0/1\t! uplink  ", "interface Gi1/0/1\t! uplink  "},
		{"a stray newline is dropped like other controls", "ab\ncd", "abcd"},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := string(renderLine([]byte(tc.raw)))
			if got != tc.want {
				t.Errorf("renderLine(%q) = %q, want %q", tc.raw, got, tc.want)
			}
			if emu := string(emulateLine([]byte(tc.raw))); emu != got {
				t.Errorf("the emulator renders %q as %q, renderLine as %q", tc.raw, emu, got)
			}
			if again := string(renderLine([]byte(got))); again != got {
				t.Errorf("not idempotent: %q -> %q", got, again)
			}
		})
	}
}

func TestPromptRecognisedOnlyOnTheLastLine(t *testing.T) {
	pat := mustPatterns(t, iosLike)
	for _, tc := range []struct {
		name string
		buf  string
		want promptLevel
	}{
		{"banner with # and > then the prompt", "#####\r\n# Authorized > only #\r\ncore-sw1>\r\n\r\ncore-sw1> ", levelUser},
		{"banner line looking like a prompt, not last", "router#\r\nWelcome\r\n", levelNone},
		{"prompt with CR before it and a trailing space", "MOTD\r\n\rcore-sw1# ", levelPrivileged},
		{"ANSI around the prompt", "\r\n\x1b[1mcore-sw1\x1b[0m#", levelPrivileged},
		{"output line ending in #", "interface Gi0/1\r\n! comment #", levelNone},
		{"output line ending in >", "description uplink->", levelNone},
		{"config mode prompt is privileged-level", "\r\ncore-sw1(config)#", levelPrivileged},
		{"half a prompt", "\r\ncore-s", levelNone},
		{"empty", "", levelNone},
		{"too long a line without CR", strings.Repeat("x", maxTailLine+1) + "\r\n" + strings.Repeat("a", maxTailLine+1) + "#", levelNone},
		{"long line redrawn by CR", strings.Repeat("a", maxTailLine+1) + "\rcore-sw1#", levelPrivileged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, line, ok := tailLine([]byte(tc.buf))
			got := levelNone
			if ok {
				got = pat.level(line)
			}
			if got != tc.want {
				t.Errorf("level of last line %q = %v, want %v", line, got, tc.want)
			}
		})
	}
}

// feed plays reads into a commandScan the way shell.wait does (step after each read, then once
// quiet) and returns the buffer, the scan, whether it completed and after which read, and the
// answers it sent.
func feed(pat *shellPatterns, cmd, prompt string, reads []string) (buf []byte, sc *commandScan, doneAt int, sent []string) {
	sc = newCommandScan(pat, cmd, prompt)
	doneAt = -1
	for i, r := range reads {
		buf = append(buf, r...)
		a := sc.step(buf, false)
		if a.send != "" {
			sent = append(sent, a.send)
		}
		if a.done && doneAt < 0 {
			doneAt = i
		}
	}
	if doneAt < 0 && sc.step(buf, true).done {
		doneAt = len(reads)
	}
	return buf, sc, doneAt, sent
}

func TestCommandScan(t *testing.T) {
	pat := mustPatterns(t, iosLike)
	const p = "core-sw1#"
	bs, sp := strings.Repeat("\b", 10), strings.Repeat(" ", 10)
	iosMore := " --More-- "
	for _, tc := range []struct {
		name     string
		cmd      string
		reads    []string
		doneAt   int // read index after which the prompt ends the command; len(reads) = only once quiet; -1 never
		want     string
		sent     []string
		complete bool
	}{
		{
			name:  "echo, output, prompt",
			cmd:   "show clock",
			reads: []string{"show clock\r\n", "*16:00:01 UTC\r\n", "\r" + p},
			want:  "*16:00:01 UTC\r\n", doneAt: 2,
		},
		{
			name:  "prompt split across reads",
			cmd:   "show clock",
			reads: []string{"show clock\r\n*16:00:01 UTC\r\ncore-", "sw1", "# "},
			want:  "*16:00:01 UTC\r\n", doneAt: 2,
		},
		{
			name:  "a # or > inside the output is not the end",
			cmd:   "show run",
			reads: []string{"show run\r\ncore-sw1#\r\n! comment #", "\r\n description x>\r\ncore-sw1(config)#\r\n", "end\r\n" + p},
			want:  "core-sw1#\r\n! comment #\r\n description x>\r\ncore-sw1(config)#\r\nend\r\n", doneAt: 2,
		},
		{
			name:  "the prompt as the last line of a read, output continues (echo seen: accepted, a known limit)",
			cmd:   "show x",
			reads: []string{"show x\r\nline\r\n", p},
			want:  "line\r\n", doneAt: 1,
		},
		{
			name:  "no echo: the prompt must settle",
			cmd:   "show clock",
			reads: []string{"*16:00:01 UTC\r\n", p},
			want:  "*16:00:01 UTC\r\n", doneAt: 2,
		},
		{
			name:  "stray prompt before the echo waits for quiet",
			cmd:   "show clock",
			reads: []string{"\r\n" + p, "show clock\r\n*16:00\r\n" + p},
			want:  "*16:00\r\n", doneAt: 1,
		},
		{
			name:  "echo mangled with CR and backspaces",
			cmd:   "show version",
			reads: []string{"shwo\b\bow\r" + p + "show version\r\n", "Cisco IOS\r\n" + p},
			want:  "Cisco IOS\r\n", doneAt: 1,
		},
		{
			name:  "echo wrapped over two lines",
			cmd:   "show running-config | include aaa",
			reads: []string{"show running-config | incl\r\nude aaa\r\n", "aaa new-model\r\n" + p},
			want:  "aaa new-model\r\n", doneAt: 1,
		},
		{
			name:  "echo prefixed with the prompt",
			cmd:   "show version",
			reads: []string{"\r" + p + "show version\r\n", "v17\r\n" + p},
			want:  "v17\r\n", doneAt: 1,
		},
		{
			name: "IOS pager answered and stripped",
			cmd:  "show run",
			reads: []string{"show run\r\nline1\r\nline2\r\n" + iosMore, bs + sp + bs + "line3\r\n !\r\n" + iosMore,
				bs + sp + bs + "end\r\n" + p},
			want: "line1\r\nline2\r\nline3\n !\r\nend\n", doneAt: 2, sent: []string{" ", " "},
		},
		{
			name:  "IOS pager with the redraw in a separate read is answered once",
			cmd:   "show run",
			reads: []string{"show run\r\nline1\r\n" + iosMore, bs + sp + bs, "line2\r\n" + p},
			want:  "line1\r\nline2\n", doneAt: 2, sent: []string{" "},
		},
		{
			name:  "Junos pager",
			cmd:   "show configuration",
			reads: []string{"show configuration\r\nset a\r\n---(more 50%)---", "\r                \rset b\r\n" + p},
			want:  "set a\r\nset b\n", doneAt: 1, sent: []string{" "},
		},
		{
			name:  "ASA pager",
			cmd:   "show run",
			reads: []string{"show run\r\nhostname fw\r\n<--- More --->", "\r              \r!\r\n" + p},
			want:  "hostname fw\r\n!\n", doneAt: 1, sent: []string{" "},
		},
		{
			name: "Comware pager",
			cmd:  "display current-configuration",
			reads: []string{"display current-configuration\r\n sysname sw\r\n  ---- More ----",
				"\x1b[16D                \x1b[16D undo telnet server enable\r\n" + p},
			want: " sysname sw\r\n undo telnet server enable\n", doneAt: 1, sent: []string{" "},
		},
		{
			name:  "FortiOS pager",
			cmd:   "show full-configuration",
			reads: []string{"show full-configuration\r\nconfig system global\r\n--More-- ", "\r          \r    set hostname fgt\r\n" + p},
			want:  "config system global\r\n    set hostname fgt\n", doneAt: 1, sent: []string{" "},
		},
		{
			name:  "pager marker not erased, device moved to the next line",
			cmd:   "show x",
			reads: []string{"show x\r\na\r\nPress any key for more", "\r\nb\r\n" + p},
			want:  "a\r\nb\r\n", doneAt: 1, sent: []string{"x"},
		},
		{
			name:  "never completes without the exact prompt",
			cmd:   "show x",
			reads: []string{"show x\r\npartial\r\ncore-sw1(config)#"},
			want:  "partial\r\ncore-sw1(config)#", doneAt: -1,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			buf, sc, doneAt, sent := feed(pat, tc.cmd, p, tc.reads)
			if doneAt != tc.doneAt {
				t.Errorf("done after read %d, want %d", doneAt, tc.doneAt)
			}
			if strings.Join(sent, "|") != strings.Join(tc.sent, "|") {
				t.Errorf("sent %q, want %q", sent, tc.sent)
			}
			got := string(cleanOutput(buf, tc.cmd, p, sc.marks, doneAt >= 0))
			if got != tc.want {
				t.Errorf("output %q, want %q", got, tc.want)
			}
		})
	}
}

func TestFindEcho(t *testing.T) {
	for _, tc := range []struct {
		name, cmd, out string
		want           echoState
	}{
		{"found", "show version", "show version\r\nx", echoFound},
		{"not yet a full line", "show version", "show ver", echoUndecided},
		{"other first line", "show version", "Cisco IOS\r\n", echoAbsent},
		{"wrapped, second line pending", "show running-config", "show running-con\r\n", echoUndecided},
		{"wrapped, complete", "show running-config", "show running-con\r\nfig\r\n", echoFound},
		{"blank and prompt lines skipped", "show version", "\r\ncore-sw1#\r\nshow version\r\n", echoFound},
		{"a long first line without newline is not an echo", "show version", strings.Repeat("x", 3*maxTailLine), echoAbsent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, st := findEcho([]byte(tc.out), tc.cmd, "core-sw1#"); st != tc.want {
				t.Errorf("findEcho(%q) = %v, want %v", tc.out, st, tc.want)
			}
		})
	}
}

func TestForeignPromptAndTruncation(t *testing.T) {
	pat := mustPatterns(t, iosLike)
	for _, tc := range []struct {
		line string
		want bool
	}{
		{"core-sw1(config)#", true},
		{"core-sw1>", true},
		{"core-sw1#", false},
		{"core-sw1# ", false},
		{"#", false},
		{"other-sw#", false},
		{"! comment #", false},
	} {
		if got := pat.foreignPrompt(tc.line, "core-sw1#"); got != tc.want {
			t.Errorf("foreignPrompt(%q) = %v, want %v", tc.line, got, tc.want)
		}
	}
	for in, want := range map[string]string{"core-sw1#": "core-sw1", "<HPE-5130>": "HPE-5130", "admin@PA-3220> ": "PA-3220", "a>": "", "#": ""} {
		if got := promptStem(in); got != want {
			t.Errorf("promptStem(%q) = %q, want %q", in, got, want)
		}
	}
	d := &shellDriver{pat: pat}
	for norm, want := range map[string]string{
		"a\nb\n":                     "",
		"a\n --More-- \n":            "it ends at a pager prompt",
		"a\ncore-sw1(config)#\n\n":   "it ends at another prompt",
		"% Invalid input detected\n": "",
	} {
		if got := d.truncation([]byte(norm), "core-sw1#"); (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("truncation(%q) = %q, want %q", norm, got, want)
		}
	}
	if !pat.failed([]byte("  % Invalid input detected at '^' marker.\n")) || pat.failed([]byte("description % Invalid input\n")) {
		t.Error("error patterns must match per line (multi-line mode)")
	}
}

func TestCompilePatternsErrors(t *testing.T) {
	p := iosLike
	p.Pagers = []devices.Answer{{Pattern: `--More--(`, Send: " "}}
	if _, err := compilePatterns(p); err == nil || !strings.Contains(err.Error(), "pagers[0].pattern") {
		t.Errorf("bad pager pattern: %v", err)
	}
	p = iosLike
	p.Prompt = devices.PromptPatterns{}
	if _, err := compilePatterns(p); err == nil || !strings.Contains(err.Error(), "no prompt pattern") {
		t.Errorf("no prompt patterns: %v", err)
	}
	p = iosLike
	p.Enable = &devices.Enable{Command: "enable", Failure: `[`}
	if _, err := compilePatterns(p); err == nil || !strings.Contains(err.Error(), "enable.failure") {
		t.Errorf("bad enable failure pattern: %v", err)
	}
}

func TestQuoteTail(t *testing.T) {
	if got := quoteTail([]byte("Welcome\r\nlogin ok\r\nweird$ "), 200); got != `"Welcome\r\nlogin ok\r\nweird$ "` {
		t.Errorf("quoteTail = %s", got)
	}
	if got := quoteTail([]byte("0123456789"), 3); got != `"789"` {
		t.Errorf("quoteTail cut = %s", got)
	}
}
