package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oca-collector/collector/collector"
	"github.com/oca-collector/collector/internal/sshdtest"
)

// vendorCLI is a Cisco-IOS-like CLI written in POSIX sh. sshd runs it as the session of a port
// (ForceCommand) on a real PTY allocated by sshd, so the terminal's own echo, CRLF translation
// and raw-mode key reads are the real thing, not a simulation: banner with '#' and '>', user
// and privileged prompts, enable with a password, paging with a --More-- marker answered by one
// key and erased with backspaces, and IOS's error message for unknown commands. Like a real
// device, it turns the terminal's echo off before it shows a pager marker or a password prompt,
// so the answer is never echoed whenever it arrives.
const vendorCLI = `#!/bin/sh
host=vsw1
priv=0
paging=1
pager_locked=%d
secret='%s'
pager_log='%s'
config() {
  echo 'Building configuration...'
  echo ''
  echo 'Current configuration : 4242 bytes'
  echo '!'
  echo "hostname $host"
  i=1
  while [ $i -le 30 ]; do
    echo "interface GigabitEthernet1/0/$i"
    echo " description access port $i # not a prompt>"
    i=$((i+1))
  done
  echo 'ip ssh version 2'
  echo 'end'
}
page() {
  n=0
  while IFS= read -r l; do
    printf '%%s\n' "$l"
    n=$((n+1))
    if [ $paging = 1 ] && [ $n -ge 20 ]; then
      old=$(stty -g </dev/tty); stty -icanon -echo min 1 </dev/tty
      printf ' --More-- '
      echo more >>"$pager_log"
      k=$(dd bs=1 count=1 </dev/tty 2>/dev/null)
      stty "$old" </dev/tty
      printf '\b\b\b\b\b\b\b\b\b\b          \b\b\b\b\b\b\b\b\b\b'
      [ "$k" = q ] && return
      n=0
    fi
  done
}
prompt() { if [ $priv = 1 ]; then printf '%%s#' "$host"; else printf '%%s>' "$host"; fi; }
printf '\n**************************************************\n# Authorized access only > all activity is logged #\n**************************************************\n\n'
prompt
while IFS= read -r line; do
  line=$(printf '%%s' "$line" | tr -d '\r')
  case "$line" in
    '') ;;
    'terminal length 0') [ $pager_locked = 1 ] || paging=0 ;;
    'enable')
      stty -echo </dev/tty; printf 'Password: '; IFS= read -r pw; stty echo </dev/tty; printf '\n'
      pw=$(printf '%%s' "$pw" | tr -d '\r')
      if [ "$pw" = "$secret" ]; then priv=1; else printf '%%%% Access denied\n\n'; fi ;;
    'show version') printf 'Cisco IOS Software, C2960X Software, Version 15.2(7)E8\n%%s uptime is 3 weeks, 2 days\n' "$host" ;;
    'show running-config')
      if [ $priv = 1 ]; then config | page; else printf "%%%% Invalid input detected at '^' marker.\n\n"; fi ;;
    'exit'|'quit'|'logout') exit 0 ;;
    *) printf "%%%% Invalid input detected at '^' marker.\n\n" ;;
  esac
  prompt
done
`

const enableEnv = "OCA_IT_ENABLE"

// TestVendorCLIOverRealSSHD collects through the shell driver from a scripted IOS-like CLI that
// real sshd runs on a real PTY: once with paging that "terminal length 0" turns off, once with
// paging that stays on, and once with a wrong enable password.
func TestVendorCLIOverRealSSHD(t *testing.T) {
	const secret = "en-s3cret-IT"
	dir := t.TempDir()
	normal, locked := filepath.Join(dir, "cli.sh"), filepath.Join(dir, "cli-locked.sh")
	// Each script logs the pager markers it shows, in a directory the login user can write, so
	// the test knows paging really stayed on (or really went off).
	logDir, err := os.MkdirTemp("", "oca-vendor-cli")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(logDir) })
	if err := os.Chmod(logDir, 0o777); err != nil {
		t.Fatal(err)
	}
	pagerLog := map[string]string{normal: filepath.Join(logDir, "normal"), locked: filepath.Join(logDir, "locked")}
	for path, lockedPager := range map[string]int{normal: 0, locked: 1} {
		if err := os.WriteFile(path, []byte(fmt.Sprintf(vendorCLI, lockedPager, secret, pagerLog[path])), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	markers := func(path string) int {
		b, _ := os.ReadFile(pagerLog[path]) // no file: no marker was shown
		return strings.Count(string(b), "more")
	}
	d := sshdtest.Start(t, sshdtest.Options{Ports: 2, ForceCommand: map[int]string{0: normal, 1: locked}})
	targets := targetsFor(t, d)
	if len(targets) != 2 {
		t.Fatalf("want 2 targets (one per port), got %d", len(targets))
	}
	cmds := []string{"show version", "show running-config", "show oca-no-such-command"}
	var wantConfig strings.Builder
	wantConfig.WriteString("Building configuration...\n\nCurrent configuration : 4242 bytes\n!\nhostname vsw1\n")
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&wantConfig, "interface GigabitEthernet1/0/%d\n description access port %d # not a prompt>\n", i, i)
	}
	wantConfig.WriteString("ip ssh version 2\nend\n")

	run := func(t *testing.T, enable string) runResult {
		t.Helper()
		f := writeInventory(t, inventorySpec{
			Targets:    targets,
			Platform:   "cisco_ios",
			Credential: map[string]any{"private_key": d.ClientKeyPath, "enable_password_env": enableEnv},
			Commands:   cmds,
			KnownHosts: d.KnownHostsPath,
		})
		return runCollector(t, f, map[string]string{enableEnv: enable})
	}

	t.Run("paging off and paging stuck on", func(t *testing.T) {
		res := run(t, secret)
		if res.Code != 0 {
			t.Fatalf("exit %d, want 0; stderr:\n%s", res.Code, res.Stderr)
		}
		for _, tg := range targets {
			dr := res.device(t, tg.Name)
			if dr.Status != collector.StatusOK {
				t.Fatalf("%s: status %s: %s", tg.Name, dr.Status, dr.Error)
			}
			tr := readTranscript(t, dr)
			if tr.Prompt != "vsw1#" {
				t.Errorf("%s: learned prompt %q, want vsw1#", tg.Name, tr.Prompt)
			}
			bulk, err := os.ReadFile(dr.BulkFile)
			if err != nil {
				t.Fatal(err)
			}
			want := "### BEGIN COMMAND: show running-config\n" + wantConfig.String() + "### END COMMAND: show running-config\n"
			if !strings.Contains(string(bulk), want) {
				t.Errorf("%s: bulk file lacks the complete running-config:\n%s", tg.Name, bulk)
			}
			if strings.Contains(string(bulk), "More") || strings.Contains(string(bulk), "vsw1#") || strings.Contains(string(bulk), "\b") {
				t.Errorf("%s: pager or prompt remnants in the bulk file:\n%s", tg.Name, bulk)
			}
			if r := record(t, tr, "show oca-no-such-command"); r.ExitStatus != 1 || !strings.Contains(string(r.Output), "% Invalid input") {
				t.Errorf("%s: unknown command recorded with exit %d and output %q; want exit 1 and the device's error", tg.Name, r.ExitStatus, r.Output)
			}
			if r := record(t, tr, "show version"); !strings.Contains(string(r.Output), "vsw1 uptime is 3 weeks") {
				t.Errorf("%s: show version output %q", tg.Name, r.Output)
			}
		}
		assertNoSecret(t, res, secret, "the enable secret")
		if n := markers(normal); n != 0 {
			t.Errorf("the CLI whose paging can be turned off showed %d pager markers", n)
		}
		if n := markers(locked); n < 3 {
			t.Errorf("the CLI with paging stuck on showed %d pager markers; its 67-line config needs 3", n)
		}
	})

	t.Run("wrong enable password", func(t *testing.T) {
		res := run(t, "not-the-secret")
		if res.Code != 1 {
			t.Fatalf("exit %d, want 1; stderr:\n%s", res.Code, res.Stderr)
		}
		dr := res.device(t, targets[0].Name)
		if dr.Status != collector.StatusFailed || dr.ErrorClass != "enable" {
			t.Errorf("status %s class %q error %q; want failed, enable", dr.Status, dr.ErrorClass, dr.Error)
		}
		assertNoSecret(t, res, "not-the-secret", "the wrong enable secret")
	})
}
