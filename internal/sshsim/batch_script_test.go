package sshsim_test

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/oca-collector/collector/internal/sshsim"
)

// runScript runs `/bin/sh -s` on a fresh channel with script as its stdin.
func runScript(t *testing.T, c *ssh.Client, script string) (string, string, error) {
	t.Helper()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var out, errOut strings.Builder
	s.Stdin, s.Stdout, s.Stderr = strings.NewReader(script), &out, &errOut
	err = s.Run("/bin/sh -s")
	return out.String(), errOut.String(), err
}

// The format is the collector's batchScript output (collector/batch_sim_test.go runs the real
// generator through the interpreter; this pins the interpreter's own rules).
const testScript = `if command -v timeout >/dev/null 2>&1 && timeout -k 5 2 true </dev/null >/dev/null 2>&1; then oca_t=1; else oca_t=0; fi
printf '\nN S %s\n' "$oca_t"
printf '\nN B 0\n'
if [ "$oca_t" = 1 ]; then timeout -k 5 2 /bin/sh -c 'echo '\''x'\''
two' </dev/null 2>&1; else ( eval 'echo '\''x'\''
two' ) </dev/null 2>&1; fi
printf '\nN E 0 %d\n' "$?"
printf '\nN B 1\n'
if [ "$oca_t" = 1 ]; then timeout -k 5 2 fail </dev/null 2>&1; else ( eval 'fail' ) </dev/null 2>&1; fi
printf '\nN E 1 %d\n' "$?"
`

func TestBatchScriptInterpreted(t *testing.T) {
	srv := passwordDevice(t, sshsim.Config{POSIXBatch: true, Commands: map[string]sshsim.Response{
		"echo 'x'\ntwo": sshsim.Stdout("x\ntwo\n"),
		"fail":          {Output: []sshsim.Chunk{{Data: "o;"}, {Stderr: true, Data: "e"}}, ExitStatus: 3},
	}})
	out, errOut, err := runScript(t, mustDial(t, srv), testScript)
	want := "\nN S 0\n\nN B 0\nx\ntwo\n\nN E 0 0\n\nN B 1\no;e\nN E 1 3\n"
	if err != nil || out != want || errOut != "" {
		t.Errorf("script = %q, stderr %q, err %v; want %q", out, errOut, err, want)
	}
	st := srv.Stats()
	if st.Execs != 1 || len(st.ScriptCommands) != 2 || st.ScriptCommands[1] != "fail" {
		t.Errorf("stats: execs %d, script commands %q", st.Execs, st.ScriptCommands)
	}
}

func TestBatchScriptRefusesOtherShell(t *testing.T) {
	srv := passwordDevice(t, sshsim.Config{POSIXBatch: true, Commands: map[string]sshsim.Response{"ls": sshsim.Stdout("x\n")}})
	c := mustDial(t, srv)
	for name, script := range map[string]string{
		"plain command":    "ls\n",
		"no probe":         strings.SplitN(testScript, "\n", 2)[1],
		"printf argument":  strings.Replace(testScript, `"$oca_t"`, `"$HOME"`, 1),
		"branches differ":  strings.Replace(testScript, `-c 'echo`, `-c 'ls`, 1),
		"plain differs":    strings.Replace(testScript, `5 2 fail <`, `5 2 ls <`, 1),
		"plain not plain":  strings.Replace(testScript, `5 2 fail <`, `5 2 fail;ls <`, 1),
		"unterminated":     testScript + "printf 'x\n",
		"unsupported verb": strings.Replace(testScript, "%d", "%x", 1),
	} {
		out, errOut, err := runScript(t, c, script)
		var exit *ssh.ExitError
		if !errors.As(err, &exit) || exit.ExitStatus() != 2 || out != "" || !strings.Contains(errOut, "sshsim: unsupported batch script") {
			t.Errorf("%s: stdout %q stderr %q err %v: want nothing run, exit 2 and the reason", name, out, errOut, err)
		}
	}
	if n := len(srv.Stats().ScriptCommands); n != 0 {
		t.Errorf("%d commands ran from refused scripts", n)
	}
	// Without POSIXBatch "/bin/sh -s" is just a command line.
	srv = passwordDevice(t, sshsim.Config{})
	if _, errOut, _ := runScript(t, mustDial(t, srv), testScript); errOut != "sh: 1: /bin/sh -s: not found\n" {
		t.Errorf("without POSIXBatch: stderr %q", errOut)
	}
}
