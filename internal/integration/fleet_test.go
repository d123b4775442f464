package integration

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oca-collector/collector/collector"
	"github.com/oca-collector/collector/internal/fakegateway"
	"github.com/oca-collector/collector/internal/sshdtest"
)

// Commands added to the Linux baseline: evidence that exits non-zero, and output on stderr.
const (
	cmdGrepMiss   = "grep -q nope /etc/hostname"
	cmdStderrOnly = "echo to-stderr >&2"
	cmdMixedExit3 = "sh -c 'echo out-text; echo err-text >&2; exit 3'"
	cmdPath       = "printenv PATH"
)

// linuxBaseline reads the repository's Linux command set the way the inventory loader does:
// one command per line, blank lines and '#' comments skipped.
func linuxBaseline(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../configs/commands/linux.txt")
	if err != nil {
		t.Fatalf("linux command set: %v", err)
	}
	var cmds []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			cmds = append(cmds, line)
		}
	}
	if len(cmds) < 20 {
		t.Fatalf("linux command set has %d commands; expected the full baseline", len(cmds))
	}
	return cmds
}

// TestKeyAuthFleetUploads is the production path end to end: four devices (two IPs x two ports)
// with key authentication and strictly verified host keys run the real Linux baseline plus
// commands that exit non-zero and write to stderr, and every bulk file reaches the gateway
// byte for byte.
func TestKeyAuthFleetUploads(t *testing.T) {
	d := sshdtest.Start(t, sshdtest.Options{Listen: []string{"127.0.0.1", "127.0.1.2"}, Ports: 2})
	g, env := gatewayEnv(t)
	targets := targetsFor(t, d)
	if len(targets) != 4 {
		t.Fatalf("daemon addresses %q, want 4", d.Addrs)
	}
	cmds := append(linuxBaseline(t), cmdGrepMiss, cmdStderrOnly, cmdMixedExit3, cmdPath)
	f := writeInventory(t, inventorySpec{
		Targets:    targets,
		Credential: map[string]any{"private_key": d.ClientKeyPath},
		Commands:   cmds,
		KnownHosts: d.KnownHostsPath,
		Gateway:    g.URL,
	})

	res := runCollector(t, f, env)
	// Every command of the baseline completes on this box; several exit non-zero (files
	// absent on Debian, root-only files read as an unprivileged user, tools not installed),
	// which is evidence and must not fail a device (DESIGN.md "Device status").
	if res.Code != 0 {
		t.Fatalf("exit %d, want 0; stderr:\n%s", res.Code, res.Stderr)
	}
	assertNoSecret(t, res, fakegateway.DefaultPassword, "the gateway password")
	if n := sshdLogCount(t, d, "Accepted publickey for "+sshdtest.UserName); n < len(targets) {
		t.Errorf("sshd accepted %d public key logins, want at least %d", n, len(targets))
	}

	unameOut, err := exec.Command("uname", "-a").Output()
	if err != nil {
		t.Fatalf("uname -a: %v", err)
	}
	osRelease, err := os.ReadFile("/etc/os-release")
	if err != nil {
		t.Fatalf("os-release: %v", err)
	}

	uploads := g.Uploads()
	if len(uploads) != len(targets) {
		t.Errorf("gateway accepted %d uploads, want %d", len(uploads), len(targets))
	}
	if left, _ := filepath.Glob(filepath.Join(f.OutputDir, "spool", "*.txt")); len(left) != 0 {
		t.Errorf("files left in the spool after every upload was accepted: %q", left)
	}
	var want map[string]int // command -> exit status the shell gives; computed once
	for _, tg := range targets {
		dr := res.device(t, tg.Name)
		if dr.Status != collector.StatusOK || dr.Upload.Status != collector.UploadUploaded {
			t.Errorf("%s: status %s, upload %s (%s), want ok and uploaded", tg.Name, dr.Status, dr.Upload.Status, dr.Upload.Error)
		}
		if dr.Commands.Total != len(cmds) || dr.Commands.Failed != 0 {
			t.Errorf("%s: commands %+v, want %d total, 0 failed", tg.Name, dr.Commands, len(cmds))
		}
		if dr.AssetUUID != tg.AssetUUID {
			t.Errorf("%s: asset %s, want %s", tg.Name, dr.AssetUUID, tg.AssetUUID)
		}
		bulk, err := os.ReadFile(dr.BulkFile)
		if err != nil {
			t.Fatalf("%s: bulk file: %v", tg.Name, err)
		}
		ups := g.UploadsFor(tg.AssetUUID)
		if len(ups) != 1 {
			t.Errorf("%s: %d uploads for asset %s, want 1", tg.Name, len(ups), tg.AssetUUID)
		} else {
			if !bytes.Equal(ups[0].Body, bulk) {
				t.Errorf("%s: uploaded body (%d bytes) differs from the bulk file on disk (%d bytes)", tg.Name, len(ups[0].Body), len(bulk))
			}
			if ups[0].Filename != tg.AssetUUID+".txt" {
				t.Errorf("%s: upload filename %q, want %q", tg.Name, ups[0].Filename, tg.AssetUUID+".txt")
			}
		}
		if n := int64(len(bulk)); n != dr.Bytes {
			t.Errorf("%s: report says %d bytes, bulk file has %d", tg.Name, dr.Bytes, n)
		}
		if got := bytes.Count(bulk, []byte("### BEGIN COMMAND: ")); got != len(cmds) {
			t.Errorf("%s: bulk file frames %d commands, want %d", tg.Name, got, len(cmds))
		}
		for cmd, out := range map[string][]byte{"uname -a": unameOut, "cat /etc/os-release": osRelease} {
			frame := "### BEGIN COMMAND: " + cmd + "\n" + string(out) + "### END COMMAND: " + cmd + "\n"
			if !bytes.Contains(bulk, []byte(frame)) {
				t.Errorf("%s: bulk file lacks the frame of %q with this machine's output:\n%s", tg.Name, cmd, frame)
			}
		}

		tr := readTranscript(t, dr)
		if len(tr.Commands) != len(cmds) {
			t.Fatalf("%s: transcript has %d commands, want %d", tg.Name, len(tr.Commands), len(cmds))
		}
		if want == nil {
			want = shellExitStatuses(t, cmds, strings.TrimSpace(string(record(t, tr, cmdPath).Output)))
		}
		nonzero := 0
		for i, r := range tr.Commands {
			if r.Index != i || r.Command != cmds[i] {
				t.Errorf("%s: record %d is %d %q, want %q", tg.Name, i, r.Index, r.Command, cmds[i])
			}
			if r.Error != "" {
				t.Errorf("%s: %q did not complete: %s", tg.Name, r.Command, r.Error)
			}
			if w, ok := want[r.Command]; ok && r.ExitStatus != w {
				t.Errorf("%s: %q exit status %d, the shell gives %d", tg.Name, r.Command, r.ExitStatus, w)
			}
			if r.ExitStatus != 0 {
				nonzero++
				if tg.Name == targets[0].Name {
					t.Logf("non-zero exit (evidence, not a failure): %d %q", r.ExitStatus, r.Command)
				}
			}
		}
		if dr.Commands.NonzeroExit != nonzero {
			t.Errorf("%s: report counts %d non-zero exits, transcript has %d", tg.Name, dr.Commands.NonzeroExit, nonzero)
		}
		if r := record(t, tr, cmdGrepMiss); r.ExitStatus != 1 {
			t.Errorf("%s: %q exit status %d, want 1", tg.Name, cmdGrepMiss, r.ExitStatus)
		}
		// Batch mode (the default on Linux) merges stderr into stdout per command, so the
		// stderr byte count is 0 there; the text and the status are exact either way.
		if r := record(t, tr, cmdStderrOnly); string(r.Output) != "to-stderr\n" || r.Stderr != 0 || r.ExitStatus != 0 {
			t.Errorf("%s: %q recorded output %q (%d bytes from stderr), exit %d; want \"to-stderr\\n\" all from stderr, exit 0",
				tg.Name, cmdStderrOnly, r.Output, r.Stderr, r.ExitStatus)
		}
		// stdout and stderr are separate streams: their relative order is not defined, their
		// content and the stderr byte count are.
		if r := record(t, tr, cmdMixedExit3); r.ExitStatus != 3 || string(r.Output) != "out-text\nerr-text\n" || r.Stderr != 0 {
			t.Errorf("%s: %q recorded output %q (%d bytes from stderr), exit %d; want out-text and err-text (9 from stderr), exit 3",
				tg.Name, cmdMixedExit3, r.Output, r.Stderr, r.ExitStatus)
		}
		if !bytes.Contains(bulk, []byte("### BEGIN COMMAND: "+cmdStderrOnly+"\nto-stderr\n### END COMMAND: "+cmdStderrOnly+"\n")) {
			t.Errorf("%s: bulk file lacks the stderr text of %q", tg.Name, cmdStderrOnly)
		}
	}
}

// shellExitStatuses runs every command locally as the daemon's login user, with the PATH sshd
// gave the session and nothing else of ours in the environment, and returns the exit status the
// shell gives each one. The collector's recorded statuses must be the same.
func shellExitStatuses(t *testing.T, cmds []string, path string) map[string]int {
	t.Helper()
	if path == "" {
		t.Fatalf("%q recorded no PATH", cmdPath)
	}
	runuser, err := exec.LookPath("runuser")
	if err != nil {
		if runuser, err = exec.LookPath("/usr/sbin/runuser"); err != nil {
			t.Fatalf("runuser (util-linux) is needed to run commands as %s: %v", sshdtest.UserName, err)
		}
	}
	out := make(map[string]int, len(cmds))
	for _, c := range cmds {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		cmd := exec.CommandContext(ctx, runuser, "-u", sshdtest.UserName, "--",
			"/usr/bin/env", "-i", "PATH="+path, "HOME=/home/"+sshdtest.UserName, "USER="+sshdtest.UserName,
			"/bin/sh", "-c", c)
		cmd.Dir = "/"
		err := cmd.Run()
		cancel()
		var ee *exec.ExitError
		switch {
		case err == nil:
			out[c] = 0
		case errors.As(err, &ee) && ee.ExitCode() >= 0:
			out[c] = ee.ExitCode()
		default:
			t.Fatalf("run %q locally: %v", c, err)
		}
	}
	return out
}
