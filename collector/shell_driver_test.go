package collector

import (
	"bufio"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oca-collector/collector/devices"
	"github.com/oca-collector/collector/internal/sshsim"
)

const enableEnv = "OCA_TEST_ENABLE"

// unknownCommand is appended to every platform's command set: the device's error message for it
// must be recorded as a completed command with a non-zero exit status, not fail the device.
const unknownCommand = "show oca-no-such-command"

// shellDevice adds a device playing personality p, with p's platform definition and, when p
// has an enable password, a credential whose enable_password_env holds it.
func shellDevice(f *fleet, p sshsim.Personality, commands ...string) (*sshsim.Server, *devices.Device) {
	f.t.Helper()
	def, ok := devices.LookupPlatform(p.Name)
	if !ok {
		f.t.Fatalf("no built-in platform %q", p.Name)
	}
	srv, dev := f.device(p.Name, sshsim.Config{Shell: &p}, commands...)
	dev.Platform, dev.PlatformDef = p.Name, def
	if p.EnablePassword != "" {
		f.t.Setenv(enableEnv, p.EnablePassword)
		dev.Credential.EnablePasswordEnv = enableEnv
	}
	return srv, dev
}

// platformCommands is the shipped command set configs/commands/<platform>.txt followed by the
// other commands the personality knows (sorted, minus paging and session settings), so the
// golden file shows both the real command set and every realistic output the simulator has.
func platformCommands(t *testing.T, p sshsim.Personality, def devices.Platform) []string {
	t.Helper()
	var cmds []string
	if fh, err := os.Open(filepath.Join("..", "configs", "commands", p.Name+".txt")); err == nil {
		defer fh.Close()
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
				cmds = append(cmds, line)
			}
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	var extra []string
	for c := range p.Commands {
		if !slices.Contains(cmds, c) && !slices.Contains(p.PagingOff, c) && !slices.Contains(def.OnOpen, c) &&
			!strings.HasPrefix(c, "set ") && !strings.HasPrefix(c, "terminal ") {
			extra = append(extra, c)
		}
	}
	slices.Sort(extra)
	cmds = append(cmds, extra...)
	if len(cmds) == 0 {
		t.Fatalf("no commands for %s", p.Name)
	}
	return append(cmds, unknownCommand)
}

func expectedPrompt(p sshsim.Personality, privileged bool) string {
	prompt := p.UserPrompt
	if privileged {
		prompt = p.PrivPrompt
	}
	if prompt == nil {
		if privileged {
			return p.Hostname + "#"
		}
		return p.Hostname + ">"
	}
	return prompt(p.Hostname)
}

// TestShellPlatformsGolden collects every shipped platform through its simulator personality
// (banner, gate, prompt with "\r" and trailing space, enable, paging, echo) and compares the
// bulk file with testdata/golden/shell/<platform>.txt (-update rewrites them).
func TestShellPlatformsGolden(t *testing.T) {
	personalities := sshsim.Personalities()
	for _, name := range devices.PlatformNames() {
		t.Run(name, func(t *testing.T) {
			p, ok := personalities[name]
			if !ok {
				t.Fatalf("platform %s has no simulator personality", name)
			}
			def, _ := devices.LookupPlatform(name)
			cmds := platformCommands(t, p, def)
			f := newFleet(t)
			srv, dev := shellDevice(f, p, cmds...)
			_, res := f.run(context.Background())
			got := res[0]
			if got.Status != StatusOK || got.Err != nil {
				t.Fatalf("status %s: %v", got.Status, got.Err)
			}
			tr, err := ReadTranscript(got.TranscriptFile)
			if err != nil {
				t.Fatal(err)
			}
			for _, rec := range tr.Commands {
				switch {
				case rec.Error != "" || rec.Truncated:
					t.Errorf("%q: error %q truncated %v", rec.Command, rec.Error, rec.Truncated)
				case rec.Command == unknownCommand && rec.ExitStatus < 1:
					t.Errorf("%q: exit status %d; the device's error message must count as a failed command", rec.Command, rec.ExitStatus)
				case p.Commands[rec.Command] != "" && rec.ExitStatus != 0 && !p.PrivOnly[rec.Command]:
					t.Errorf("%q: exit status %d, output %q", rec.Command, rec.ExitStatus, rec.Output)
				}
			}
			bulk := readFile(t, got.BulkFile)
			if def.Mode == devices.ModeShell {
				checkShellSession(t, p, def, dev, srv, tr, bulk)
			}
			compareGolden(t, filepath.Join("testdata", "golden", "shell", name+".txt"), bulk)
		})
	}
}

// checkShellSession checks what a golden file cannot show: the prompt learned, the commands the
// device saw, and no prompt, echo or pager remnant left in the bulk file.
func checkShellSession(t *testing.T, p sshsim.Personality, def devices.Platform, dev *devices.Device, srv *sshsim.Server, tr *Transcript, bulk string) {
	t.Helper()
	privileged := p.StartPrivileged || (p.EnableCommand != "" && def.Enable != nil && dev.Credential.EnablePasswordEnv != "")
	want := expectedPrompt(p, privileged)
	if strings.TrimRight(tr.Prompt, " ") != want {
		t.Errorf("learned prompt %q, want %q", tr.Prompt, want)
	}
	if p.TrailingSpace && !strings.HasSuffix(tr.Prompt, " ") {
		t.Errorf("prompt %q should keep the device's trailing space for the session framing", tr.Prompt)
	}
	for _, line := range strings.Split(bulk, "\n") {
		if strings.TrimSpace(line) == want {
			t.Errorf("bulk file holds a bare prompt line %q", line)
		}
		if p.PagerMarker != "" && strings.Contains(line, strings.TrimSpace(p.PagerMarker)) {
			t.Errorf("bulk file holds a pager marker: %q", line)
		}
	}
	for _, rec := range tr.Commands {
		out, ok := p.Commands[rec.Command]
		if !ok || (p.PrivOnly[rec.Command] && !privileged) {
			continue
		}
		got, want := AppendNormalized(nil, rec.Output), AppendNormalized(nil, []byte(out))
		if string(got) != string(want) {
			t.Errorf("%q: output\n%q\nwant exactly what the device printed\n%q", rec.Command, got, want)
		}
	}
	seen := srv.Stats().ShellCommands
	k := 0
	for _, c := range seen {
		if k < len(dev.Commands) && c == dev.Commands[k] {
			k++
		}
	}
	if k != len(dev.Commands) {
		t.Errorf("device saw %q; the commands were not all sent in order", seen)
	}
	if st := srv.Stats(); len(def.OnOpen) > 0 && len(p.PagingOff) > 0 && st.PagerPrompts != 0 {
		t.Errorf("paging was turned off on open, yet the device paged %d times", st.PagerPrompts)
	}
}

func compareGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -run TestShellPlatformsGolden -update writes it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the bulk file (go test -run TestShellPlatformsGolden -update rewrites it)\ngot:\n%s", path, got)
	}
}

// TestShellPagingLeftOn turns every paging-off command into a no-op: the driver must answer each
// pager prompt and strip every marker and redraw, so the output equals the unpaged text.
func TestShellPagingLeftOn(t *testing.T) {
	for _, name := range []string{"cisco_ios", "cisco_asa", "hp_comware", "fortinet_fortios", "generic_shell", "paloalto_panos"} {
		t.Run(name, func(t *testing.T) {
			p := sshsim.Personalities()[name]
			if p.PagerMarker == "" {
				t.Skipf("%s never pages", name)
			}
			p.PagingOff = nil // the on-open commands still run, and change nothing
			p.PageLines = 3
			var cmds []string
			for c, out := range p.Commands {
				if strings.Count(out, "\n") > 4 && !p.PrivOnly[c] {
					cmds = append(cmds, c)
				}
			}
			slices.Sort(cmds)
			if len(cmds) == 0 {
				t.Fatalf("%s: no command long enough to page", name)
			}
			if len(cmds) > 4 {
				cmds = cmds[:4]
			}
			f := newFleet(t)
			srv, _ := shellDevice(f, p, cmds...)
			_, res := f.run(context.Background())
			if res[0].Status != StatusOK {
				t.Fatalf("status %s: %v", res[0].Status, res[0].Err)
			}
			want := 0 // the simulator stops before line PageLines, 2*PageLines, ... of each output
			for _, c := range cmds {
				want += (len(strings.SplitAfter(strings.TrimSuffix(p.Commands[c], "\n"), "\n")) - 1) / p.PageLines
			}
			if st := srv.Stats(); st.PagerPrompts != want {
				t.Errorf("%d pager prompts, want %d: paging was not on, or a marker was answered twice", st.PagerPrompts, want)
			}
			tr, err := ReadTranscript(res[0].TranscriptFile)
			if err != nil {
				t.Fatal(err)
			}
			for _, rec := range tr.Commands {
				got := string(AppendNormalized(nil, rec.Output))
				want := string(AppendNormalized(nil, []byte(p.Commands[rec.Command])))
				if got != want {
					t.Errorf("%q through the pager:\n%s\nwant:\n%s", rec.Command, got, want)
				}
			}
		})
	}
}

func TestShellWrongEnablePassword(t *testing.T) {
	f := newFleet(t)
	p := sshsim.Personalities()["cisco_ios"]
	srv, dev := shellDevice(f, p, "show version", "show running-config")
	const wrong = "not-the-enable-secret"
	t.Setenv(enableEnv, wrong)
	dev.Credential.Name = "netops"
	_, res := f.run(context.Background())
	got := res[0]
	if got.Status != StatusFailed || !errors.Is(got.Err, ErrEnable) || ErrorClass(got.Err) != "enable" {
		t.Fatalf("status %s, class %s: %v", got.Status, ErrorClass(got.Err), got.Err)
	}
	if msg := got.Err.Error(); !strings.Contains(msg, "enable refused: wrong enable password? (credential netops)") || strings.Contains(msg, wrong) {
		t.Errorf("error %q", msg)
	}
	for _, c := range srv.Stats().ShellCommands {
		if strings.HasPrefix(c, "show") {
			t.Errorf("command %q ran although enable failed", c)
		}
	}
	if got.Attempts != 1 {
		t.Errorf("a refused enable must not be retried, got %d attempts", got.Attempts)
	}
	tr, err := ReadTranscript(got.TranscriptFile)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(got.TranscriptFile); strings.Contains(string(b), wrong) || strings.Contains(string(b), p.EnablePassword) {
		t.Error("transcript holds an enable password")
	}
	if tr.Commands[0].Error == "" {
		t.Error("no command may complete")
	}
}

func TestShellEnablePasswordUnset(t *testing.T) {
	f := newFleet(t)
	_, dev := shellDevice(f, sshsim.Personalities()["cisco_ios"], "show version")
	dev.Credential.EnablePasswordEnv = "OCA_TEST_ENABLE_UNSET"
	_, res := f.run(context.Background())
	if res[0].Status != StatusFailed || ErrorClass(res[0].Err) != "credential" || !strings.Contains(res[0].Err.Error(), "OCA_TEST_ENABLE_UNSET") {
		t.Fatalf("status %s, class %s: %v", res[0].Status, ErrorClass(res[0].Err), res[0].Err)
	}
}

func TestShellNoPromptNamesPatternAndLastBytes(t *testing.T) {
	f := newFleet(t)
	f.inv.Collection.CommandTimeout = 400 * time.Millisecond
	p := sshsim.Personalities()["cisco_ios"]
	_, dev := shellDevice(f, p, "show version")
	dev.PlatformDef.Prompt = devices.PromptPatterns{User: `^never>$`, Privileged: `^never#$`}
	start := time.Now()
	_, res := f.run(context.Background())
	got := res[0]
	if got.Status != StatusFailed || !errors.Is(got.Err, ErrNoPrompt) || ErrorClass(got.Err) != "prompt" {
		t.Fatalf("status %s, class %s: %v", got.Status, ErrorClass(got.Err), got.Err)
	}
	msg := got.Err.Error()
	for _, want := range []string{
		"no prompt within 400ms",
		"expected user prompt /^never>$/ or privileged prompt /^never#$/",
		`last bytes received: "`,
		`\r\n\rcore-sw1>"`, // escaped, ending with what the device actually showed
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if got.Attempts != 1 || time.Since(start) > 5*time.Second {
		t.Errorf("%d attempts in %s: a prompt that never matches must fail once, at command_timeout", got.Attempts, time.Since(start))
	}
}

func TestShellHangingCommandFailsAlone(t *testing.T) {
	f := newFleet(t)
	f.inv.Collection.CommandTimeout = 500 * time.Millisecond
	p := sshsim.Personalities()["cisco_ios"]
	p.Hang = map[string]bool{"show inventory": true}
	srv, _ := shellDevice(f, p, "show version", "show inventory", "show clock detail")
	base := runtime.NumGoroutine()
	_, res := f.run(context.Background())
	checkNoLeaks(t, base)
	got := res[0]
	if got.Status != StatusPartial || got.Failed != 1 {
		t.Fatalf("status %s, failed %d: %v", got.Status, got.Failed, got.Err)
	}
	tr, err := ReadTranscript(got.TranscriptFile)
	if err != nil {
		t.Fatal(err)
	}
	hung := tr.Commands[1]
	if !hung.Truncated || !strings.Contains(hung.Error, "command timeout after 500ms; last bytes received: ") {
		t.Errorf("hung command: truncated %v, error %q", hung.Truncated, hung.Error)
	}
	if !strings.Contains(string(hung.Output), "c93xx Stack") {
		t.Errorf("the partial output is kept in the transcript, got %q", hung.Output)
	}
	if tr.Commands[0].Error != "" || tr.Commands[2].Error != "" || !strings.Contains(string(tr.Commands[2].Output), "Time source is NTP") {
		t.Errorf("the other commands must complete: %+v", tr.Commands)
	}
	if strings.Contains(readFile(t, got.BulkFile), "c93xx Stack") {
		t.Error("the truncated output reached the bulk file")
	}
	if st := srv.Stats(); st.Logins != 1 {
		t.Errorf("recovering from a hung command should reuse the connection, got %d logins", st.Logins)
	}
}

// TestShellDropMidCommand: a device that drops the connection mid-output fails that command
// (disconnect, truncated); the commands after it are resumed on a new connection, where the
// same command drops it again, so the device ends partial with what completed kept.
func TestShellDropMidCommand(t *testing.T) {
	f := newFleet(t)
	p := sshsim.Personalities()["cisco_ios"]
	p.DropAfter = map[string]int{"show running-config": 300}
	srv, _ := shellDevice(f, p, "show version", "show running-config", "show clock detail")
	base := runtime.NumGoroutine()
	_, res := f.run(context.Background())
	checkNoLeaks(t, base)
	got := res[0]
	if got.Status != StatusPartial || ErrorClass(got.Err) != "disconnect" {
		t.Fatalf("status %s, class %s: %v", got.Status, ErrorClass(got.Err), got.Err)
	}
	tr, err := ReadTranscript(got.TranscriptFile)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Commands[0].Error != "" || !strings.Contains(readFile(t, got.BulkFile), "Cisco IOS XE Software") {
		t.Errorf("the command before the drop must be kept: %q", tr.Commands[0].Error)
	}
	if rec := tr.Commands[1]; !strings.Contains(rec.Error, "connection lost during the command") || !rec.Truncated || len(rec.Output) == 0 {
		t.Errorf("dropped command: %+v", rec)
	}
	if rec := tr.Commands[2]; !strings.Contains(rec.Error, "not run: the session was lost during \"show running-config\"") {
		t.Errorf("command after the drop: %q", rec.Error)
	}
	if st := srv.Stats(); st.Logins != 2 || slices.Contains(st.ShellCommands[:slices.Index(st.ShellCommands, "show running-config")+1], "show clock detail") {
		t.Errorf("want one resume on a second login running only what did not complete; logins %d, commands %q", st.Logins, st.ShellCommands)
	}
	if n := strings.Count(strings.Join(srv.Stats().ShellCommands, "|"), "show version"); n != 1 {
		t.Errorf("a completed command was run %d times", n)
	}
}

func TestShellOutputLimitFailsCommandAndRecovers(t *testing.T) {
	f := newFleet(t)
	f.inv.Collection.MaxOutputBytes = 1000
	p := sshsim.Personalities()["cisco_ios"]
	_, _ = shellDevice(f, p, "show running-config", "show clock detail")
	_, res := f.run(context.Background())
	tr, err := ReadTranscript(res[0].TranscriptFile)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Status != StatusPartial || !strings.Contains(tr.Commands[0].Error, "output exceeds the limit") || !tr.Commands[0].Truncated {
		t.Fatalf("status %s: %+v", res[0].Status, tr.Commands[0])
	}
	if tr.Commands[1].Error != "" {
		t.Errorf("the next command must run after the limit: %q", tr.Commands[1].Error)
	}
}

func TestShellUnprivilegedWithoutEnablePassword(t *testing.T) {
	f := newFleet(t)
	p := sshsim.Personalities()["cisco_ios"]
	srv, dev := shellDevice(f, p, "show version", "show running-config")
	dev.Credential.EnablePasswordEnv = ""
	_, res := f.run(context.Background())
	if res[0].Status != StatusOK {
		t.Fatalf("status %s: %v", res[0].Status, res[0].Err)
	}
	tr, err := ReadTranscript(res[0].TranscriptFile)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Prompt != "core-sw1>" || tr.Commands[1].ExitStatus != 1 || !strings.Contains(string(tr.Commands[1].Output), "% Invalid input") {
		t.Errorf("prompt %q, %q exit %d output %q", tr.Prompt, tr.Commands[1].Command, tr.Commands[1].ExitStatus, tr.Commands[1].Output)
	}
	if slices.Contains(srv.Stats().ShellCommands, "enable") {
		t.Error("enable sent without an enable password")
	}
}

func TestShellSessionFramingShowsLearnedPrompt(t *testing.T) {
	f := newFleet(t)
	f.inv.Collection.Framing = devices.FramingSession
	_, _ = shellDevice(f, sshsim.Personalities()["generic_shell"], "show version")
	_, res := f.run(context.Background())
	if res[0].Status != StatusOK {
		t.Fatalf("status %s: %v", res[0].Status, res[0].Err)
	}
	if bulk := readFile(t, res[0].BulkFile); !strings.HasPrefix(bulk, "gw-01# show version\nEdgeGateway OS 4.2.7") {
		t.Errorf("session framing:\n%s", bulk)
	}
}

func TestShellRefusedByExecOnlyDevice(t *testing.T) {
	f := newFleet(t)
	_, dev := f.device("exec-only", sshsim.Config{Commands: map[string]sshsim.Response{"show version": sshsim.Stdout("x\n")}}, "show version")
	dev.Platform = "cisco_ios"
	dev.PlatformDef, _ = devices.LookupPlatform("cisco_ios")
	_, res := f.run(context.Background())
	if res[0].Status != StatusFailed || !strings.Contains(res[0].Err.Error(), "shell request") {
		t.Fatalf("status %s: %v", res[0].Status, res[0].Err)
	}
}
