package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// ansibleHow is the note for the Ansible baseline: the per-command tool, where the others join
// the set into one script.
const ansibleHow = "ansible-playbook -f C -i <hosts> <playbook>: one shell task per command (failed_when: false; every command's stdout and rc kept by the json callback), " +
	"pipelining on, Ansible's default ssh multiplexing (ControlMaster=auto, ControlPersist=60s) with the same ssh options; " +
	"its detached ssh masters are reaped into its CPU"

// runAnsible runs the command set as an Ansible playbook, one task per command, and checks
// that every device returned an exit status for every command.
func (f *sshdFleet) runAnsible(tb testing.TB, conc int) procStats {
	tb.Helper()
	dir := keptDir(tb)
	playbook := filepath.Join(dir, "playbook.yml")
	if err := os.WriteFile(playbook, ansiblePlaybook(f.cmds), 0o600); err != nil {
		tb.Fatal(err)
	}
	for _, sub := range []string{"cp", "tmp"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o700); err != nil {
			tb.Fatal(err)
		}
	}
	outPath, errPath := filepath.Join(dir, "ansible.json"), filepath.Join(dir, "ansible.stderr")
	out, errf := createOutputs(tb, outPath, errPath)
	defer out.Close()
	defer errf.Close()
	sshArgs := append([]string{"-C", "-o", "ControlMaster=auto", "-o", "ControlPersist=60s"}, f.sshArgs("")...)
	cmd, err := reaperCommand("ansible-playbook", "-i", f.hosts, playbook)
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Env = append(baseEnv(dir),
		envReaper+"=1",
		"ANSIBLE_CONFIG="+filepath.Join(dir, "ansible.cfg"), // absent: Ansible's defaults, not the machine's
		"ANSIBLE_FORKS="+strconv.Itoa(conc),
		"ANSIBLE_PIPELINING=True",
		"ANSIBLE_SSH_ARGS="+strings.Join(sshArgs, " "),
		"ANSIBLE_SSH_CONTROL_PATH_DIR="+filepath.Join(dir, "cp"),
		"ANSIBLE_LOCAL_TEMP="+filepath.Join(dir, "tmp"),
		"ANSIBLE_HOST_KEY_CHECKING=True",
		"ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3",
		"ANSIBLE_STDOUT_CALLBACK=json",
		"ANSIBLE_TIMEOUT=60",
		"ANSIBLE_RETRY_FILES_ENABLED=False",
		"ANSIBLE_NOCOLOR=1",
		"LC_ALL=C.UTF-8", // Ansible refuses to start in any other encoding
	)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, out, errf
	st, err := measure(cmd, 30*time.Minute)
	if err != nil || st.ExitCode != 0 {
		// The json callback reports failures in its output, not on stderr.
		tb.Fatalf("ansible baseline: exit %d %v\n%s\n%s", st.ExitCode, err, tail(errPath, 20), ansibleErrors(outPath))
	}
	if err := checkAnsibleResults(outPath, f.targets, len(f.cmds)); err != nil {
		tb.Fatalf("ansible baseline: %v\n%s", err, tail(errPath, 20))
	}
	return st
}

// ansiblePlaybook is one play over all hosts with a shell task per command, marked !unsafe so
// Jinja never templates a command's braces, and never failing so every command runs.
func ansiblePlaybook(cmds []string) []byte {
	var b strings.Builder
	b.WriteString("- hosts: all\n  gather_facts: false\n  tasks:\n")
	for i, c := range cmds {
		q, _ := json.Marshal(c) // a JSON string is a YAML double-quoted scalar
		fmt.Fprintf(&b, "    - name: command %d\n      ansible.builtin.shell:\n        cmd: !unsafe %s\n      failed_when: false\n      changed_when: false\n", i+1, q)
	}
	return []byte(b.String())
}

// ansibleOutput is what the baseline reads of the json callback's output: per task, each
// host's exit status and failure message, and per host whether it was unreachable.
type ansibleOutput struct {
	Plays []struct {
		Tasks []struct {
			Hosts map[string]struct {
				RC  *int `json:"rc"`
				Msg any  `json:"msg"`
			} `json:"hosts"`
		} `json:"tasks"`
	} `json:"plays"`
	Stats map[string]struct {
		Unreachable int `json:"unreachable"`
	} `json:"stats"`
}

func readAnsibleOutput(path string) (ansibleOutput, error) {
	var res ansibleOutput
	b, err := os.ReadFile(path)
	if err != nil {
		return res, err
	}
	if err := json.Unmarshal(b, &res); err != nil {
		return res, fmt.Errorf("%s: %w", path, err)
	}
	return res, nil
}

// checkAnsibleResults reads the json callback's output and fails unless each of the commands
// has an exit status from every target and no host was unreachable.
func checkAnsibleResults(path string, targets []target, commands int) error {
	res, err := readAnsibleOutput(path)
	if err != nil {
		return err
	}
	if len(res.Plays) != 1 || len(res.Plays[0].Tasks) != commands {
		return fmt.Errorf("%s: want 1 play of %d tasks", path, commands)
	}
	for i, task := range res.Plays[0].Tasks {
		for _, t := range targets {
			if r, ok := task.Hosts[t.Name]; !ok || r.RC == nil {
				return fmt.Errorf("%s: no exit status from %s for command %d", path, t.Name, i+1)
			}
		}
	}
	for host, s := range res.Stats {
		if s.Unreachable > 0 {
			return fmt.Errorf("%s: %s unreachable", path, host)
		}
	}
	return nil
}

// ansibleErrors returns the first failure messages in the json callback's output, for a
// failed run's report.
func ansibleErrors(path string) string {
	res, err := readAnsibleOutput(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	var msgs []string
	for _, p := range res.Plays {
		for _, t := range p.Tasks {
			for host, h := range t.Hosts {
				if h.Msg != nil && len(msgs) < 5 {
					msgs = append(msgs, fmt.Sprintf("%s: %v", host, h.Msg))
				}
			}
		}
	}
	return strings.Join(msgs, "\n")
}

// TestAnsiblePlaybook: the playbook is YAML whose tasks hold each command exactly, tagged
// !unsafe so Ansible does not template it.
func TestAnsiblePlaybook(t *testing.T) {
	cmds := []string{`awk -F: '($3 == 0) { print $1 }' /etc/passwd`, `echo "{{ x }}" {% y %} \ <&>`, "uname -a"}
	var doc []struct {
		Hosts string `yaml:"hosts"`
		Tasks []struct {
			Shell struct {
				Cmd yaml.Node `yaml:"cmd"`
			} `yaml:"ansible.builtin.shell"`
			FailedWhen  *bool `yaml:"failed_when"`
			ChangedWhen *bool `yaml:"changed_when"`
		} `yaml:"tasks"`
	}
	if err := yaml.Unmarshal(ansiblePlaybook(cmds), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc) != 1 || doc[0].Hosts != "all" || len(doc[0].Tasks) != len(cmds) {
		t.Fatalf("playbook: %+v", doc)
	}
	for i, task := range doc[0].Tasks {
		if task.Shell.Cmd.Value != cmds[i] || task.Shell.Cmd.Tag != "!unsafe" {
			t.Errorf("task %d: cmd %q tagged %q, want %q tagged !unsafe", i, task.Shell.Cmd.Value, task.Shell.Cmd.Tag, cmds[i])
		}
		// Without failed_when: false, a command exiting non-zero would stop that host's play.
		if task.FailedWhen == nil || *task.FailedWhen || task.ChangedWhen == nil || *task.ChangedWhen {
			show := func(b *bool) string {
				if b == nil {
					return "absent"
				}
				return strconv.FormatBool(*b)
			}
			t.Errorf("task %d: failed_when %s, changed_when %s; want both false", i, show(task.FailedWhen), show(task.ChangedWhen))
		}
	}
}

// TestCheckAnsibleResults: the baseline counts only when every target has an exit status for
// every command and none was unreachable.
func TestCheckAnsibleResults(t *testing.T) {
	targets := []target{{Name: "dev000"}, {Name: "dev001"}}
	const ok2 = `{"dev000": {"rc": 0}, "dev001": {"rc": 1}}`
	for _, tc := range []struct {
		name, json string
		wantErr    string
		wantMsgs   string // what ansibleErrors reports, when set
	}{
		{"complete", `{"plays": [{"tasks": [{"hosts": ` + ok2 + `}, {"hosts": ` + ok2 + `}]}], "stats": {"dev000": {"unreachable": 0}}}`, "", ""},
		{"a host without rc", `{"plays": [{"tasks": [{"hosts": ` + ok2 + `}, {"hosts": {"dev000": {"rc": 0}, "dev001": {"msg": "boom"}}}]}]}`, "no exit status from dev001 for command 2", "dev001: boom"},
		{"a host missing", `{"plays": [{"tasks": [{"hosts": {"dev000": {"rc": 0}}}, {"hosts": ` + ok2 + `}]}]}`, "no exit status from dev001 for command 1", ""},
		{"a task missing", `{"plays": [{"tasks": [{"hosts": ` + ok2 + `}]}]}`, "want 1 play of 2 tasks", ""},
		{"unreachable", `{"plays": [{"tasks": [{"hosts": ` + ok2 + `}, {"hosts": ` + ok2 + `}]}], "stats": {"dev001": {"unreachable": 1}}}`, "dev001 unreachable", ""},
		{"not json", `ERROR! the playbook could not be read`, "invalid character", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ansible.json")
			if err := os.WriteFile(path, []byte(tc.json), 0o600); err != nil {
				t.Fatal(err)
			}
			err := checkAnsibleResults(path, targets, 2)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("error %v, want none", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("error %v, want one containing %q", err, tc.wantErr)
			}
			if msgs := ansibleErrors(path); tc.wantMsgs != "" && msgs != tc.wantMsgs {
				t.Errorf("ansibleErrors: %q, want %q", msgs, tc.wantMsgs)
			}
		})
	}
}
