package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/oca-collector/collector/internal/sshsim"
)

// envEnablePW names the environment variable holding a shell device's enable secret.
const envEnablePW = "OCA_E2E_ENABLE_PASSWORD"

// netCredential is the credential of shell devices: the device password from the environment
// and an enable secret, as a network team's read-only account has.
const netCredential = "  net:\n    username: " + simUser + "\n    password_env: " + envDevicePW +
	"\n    enable_password_env: " + envEnablePW + "\n"

// addShellDevice starts a simulated network device playing p (interactive CLI, no POSIX shell)
// on platform p.Name with its own command set, logging in with the net credential; its enable
// secret goes into the binary's environment. The inventory must carry netCredential.
func (f *fixture) addShellDevice(name string, p sshsim.Personality, commands ...string) *device {
	f.t.Helper()
	d := f.addDevice(name, func(c *sshsim.Config) { c.Shell = &p })
	d.platform, d.commands, d.credential = p.Name, commands, "net"
	f.env = append(f.env, envEnablePW+"="+p.EnablePassword)
	return d
}

// unpaged is the bulk file, in the markers framing, of a shell device that answered commands
// exactly as p's Commands say: what it must hold whatever paging did on the way.
func unpaged(p sshsim.Personality, commands ...string) string {
	var b strings.Builder
	for _, c := range commands {
		out := strings.ReplaceAll(p.Commands[c], "\r\n", "\n")
		if out != "" && !strings.HasSuffix(out, "\n") {
			out += "\n"
		}
		b.WriteString("### BEGIN COMMAND: " + c + "\n" + out + "### END COMMAND: " + c + "\n")
	}
	return b.String()
}

// TestFaultMatrixShell is the fault matrix for devices driven through an interactive shell
// (platform cisco_ios, enable, a PTY), run through the built binary next to a healthy Linux
// control device: paging that cannot be turned off, a command that never gives the prompt back,
// and a device dropping the connection mid-output.
func TestFaultMatrixShell(t *testing.T) {
	t.Parallel()
	type row struct {
		name     string
		edit     func(p *sshsim.Personality)
		commands []string
		inv      invOptions

		status, class string // the victim's collection outcome
		failed        int    // its commands that did not complete
		upload        string // its upload outcome
		uploads       int    // accepted uploads of its asset
		exit          int
		errContains   string
		// check adds row-specific assertions; dir is the run directory.
		check func(t *testing.T, f *fixture, v *device, p sshsim.Personality, dir string)
	}
	rows := []row{
		{
			name: "pager left on",
			edit: func(p *sshsim.Personality) {
				p.PagingOff = nil // "terminal length 0" is accepted and changes nothing
				p.PageLines = 10
			},
			// show running-config is privileged: the enable dialogue must work too.
			commands: []string{"show version", "show running-config", "show inventory"},
			status:   "ok", upload: "uploaded", uploads: 1, exit: exitOK,
			check: func(t *testing.T, f *fixture, v *device, p sshsim.Personality, dir string) {
				got := string(readFile(t, filepath.Join(dir, v.uuid+".txt")))
				if want := unpaged(p, v.commands...); got != want {
					t.Errorf("bulk file through the pager:\n%s\nwant:\n%s", got, want)
				}
				for _, remnant := range []string{strings.TrimSpace(p.PagerMarker), "\b", "\r", p.Hostname + "#", p.Hostname + ">"} {
					if strings.Contains(got, remnant) {
						t.Errorf("bulk file holds a pager or prompt remnant %q", remnant)
					}
				}
				want := 0 // the simulator pages before line PageLines, 2*PageLines, ... of each output
				for _, c := range v.commands {
					want += (strings.Count(strings.TrimSuffix(p.Commands[c], "\n"), "\n")) / p.PageLines
				}
				if st := v.srv.Stats(); want == 0 || st.PagerPrompts != want {
					t.Errorf("%d pager prompts, want %d (> 0): paging was not on, or a marker was answered twice", st.PagerPrompts, want)
				}
				if st := v.srv.Stats(); !slices.Contains(st.ShellCommands, "enable") {
					t.Errorf("enable was not sent: %q", st.ShellCommands)
				}
			},
		},
		{
			name:     "command hangs",
			edit:     func(p *sshsim.Personality) { p.Hang = map[string]bool{"show inventory": true} },
			commands: []string{"show version", "show inventory", "show clock detail"},
			inv:      invOptions{commandTimeout: "1s"},
			status:   "partial", class: "timeout", failed: 1, upload: "skipped", exit: exitFailures,
			errContains: "command timeout after 1s",
			check: func(t *testing.T, f *fixture, v *device, p sshsim.Personality, dir string) {
				// The commands around the hung one completed, on the same connection.
				if st := v.srv.Stats(); st.Logins != 1 || !slices.Contains(st.ShellCommands, "show clock detail") {
					t.Errorf("device saw %d logins, commands %q", st.Logins, st.ShellCommands)
				}
				tr := readFile(t, filepath.Join(dir, v.uuid+".json"))
				if !bytes.Contains(tr, []byte("Time source is NTP")) || !bytes.Contains(tr, []byte("Cisco IOS XE Software")) {
					t.Errorf("the transcript lacks the completed commands' output:\n%s", tr)
				}
			},
		},
		{
			name:     "disconnect mid-output",
			edit:     func(p *sshsim.Personality) { p.DropAfter = map[string]int{"show running-config": 300} },
			commands: []string{"show version", "show running-config", "show clock detail"},
			// retries: 0 (the fixture's), so no second connection resumes the rest.
			status: "partial", class: "disconnect", failed: 2, upload: "skipped", exit: exitFailures,
			errContains: "connection lost",
			check: func(t *testing.T, f *fixture, v *device, p sshsim.Personality, dir string) {
				if st := v.srv.Stats(); st.Logins != 1 || slices.Contains(st.ShellCommands, "show clock detail") {
					t.Errorf("with retries 0: %d logins, commands %q", st.Logins, st.ShellCommands)
				}
			},
		},
	}
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			control := f.addDevice("control", nil)
			p := sshsim.Personalities()["cisco_ios"]
			tc.edit(&p)
			victim := f.addShellDevice("victim", p, tc.commands...)
			tc.inv.credentialsExtra = netCredential
			f.writeInventory(tc.inv)

			r := f.run("run", "-i", f.inv)
			wantExit(t, r, tc.exit)
			dir, rep := f.latest()
			v := rep.device(t, victim.name)
			if v.Status != tc.status || v.ErrorClass != tc.class || v.Commands.Total != len(tc.commands) || v.Commands.Failed != tc.failed {
				t.Errorf("victim: %+v; want %s %q with %d/%d commands failed", v, tc.status, tc.class, tc.failed, len(tc.commands))
			}
			if !strings.Contains(v.Error, tc.errContains) {
				t.Errorf("victim error %q does not contain %q", v.Error, tc.errContains)
			}
			if v.Upload.Status != tc.upload {
				t.Errorf("victim upload %+v; want %s", v.Upload, tc.upload)
			}
			if got := len(f.gw.UploadsFor(victim.uuid)); got != tc.uploads {
				t.Errorf("gateway accepted %d uploads of the victim, want %d", got, tc.uploads)
			}
			if tc.uploads > 0 {
				f.checkUploaded(dir, victim)
			}
			// An incomplete collection is not uploaded and so not spooled; nothing else waits.
			if sp := f.spoolEntries(); len(sp) != 0 {
				t.Errorf("spool: %q, want empty", sp)
			}
			if tc.status != "ok" {
				if _, err := os.Stat(filepath.Join(dir, victim.uuid+".json")); err != nil {
					t.Errorf("the transcript with the error must be written: %v", err)
				}
			}
			if !summaryLine(tc.status, victim).MatchString(r.stderr) {
				t.Errorf("no %s summary line for the victim:\n%s", tc.status, r.stderr)
			}
			c := rep.device(t, control.name)
			if c.Status != "ok" || c.Upload.Status != "uploaded" {
				t.Errorf("control device: %+v", c)
			}
			f.checkUploaded(dir, control)
			tc.check(t, f, victim, p, dir)
			checkTree(t, f.out)
		})
	}
}
