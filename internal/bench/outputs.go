package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"hash/fnv"
	"os"
	"strings"

	"github.com/oca-collector/collector/internal/sshsim"
)

// kib is a kibibyte, the unit command output sizes are chosen in.
const kib = 1 << 10

// ReadCommandFile reads a command set file with the loader's rules (one command per line;
// blank lines and '#' comments skipped), so the simulator scripts, and the baselines run,
// exactly the commands the collector is given.
func ReadCommandFile(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("command file: %w", err)
	}
	var cmds []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			cmds = append(cmds, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("command file %s: %w", path, err)
	}
	if len(cmds) == 0 {
		return nil, fmt.Errorf("command file %s: no commands", path)
	}
	return cmds, nil
}

// largeOutputs are the commands whose output on a real server is tens of KiB rather than a
// few: the package list, the kernel parameters, the unit files. Matched by prefix.
var largeOutputs = []struct {
	prefix string
	size   int
}{
	{"dpkg-query", 32 * kib},
	{"sysctl -a", 16 * kib},
	{"systemctl list-unit-files", 12 * kib},
}

// smallSizes is the spread of ordinary outputs (a config file, a listing): mostly 1-4 KiB,
// some up to 8 KiB, picked per command by a hash so every run and every device agree.
var smallSizes = []int{1 * kib, 1 * kib, 2 * kib, 2 * kib, 3 * kib, 4 * kib, 6 * kib, 8 * kib}

// LinuxOutputs scripts what a simulated Linux host answers to each of commands: text of the
// size a real host prints, deterministic, and without per-device copies so ten thousand devices
// share one set of strings. A few commands end as they do on a typical host: an absent file
// (exit 1, no output) and a missing tool (exit 127), because non-zero exits are evidence the
// collector must record too.
func LinuxOutputs(commands []string) map[string]sshsim.Response {
	out := make(map[string]sshsim.Response, len(commands))
	for i, c := range commands {
		switch {
		case strings.Contains(c, "/etc/securetty"):
			out[c] = sshsim.Response{ExitStatus: 1}
		case strings.HasPrefix(c, "sestatus"):
			out[c] = sshsim.Response{ExitStatus: 127}
		case c == "umask":
			out[c] = sshsim.Stdout("0022\n")
		default:
			out[c] = sshsim.Stdout(fakeOutput(i, c, outputSize(c)))
		}
	}
	return out
}

// DeviceOutputs is LinuxOutputs for one named device: the identity commands print the device's
// own name, everything else is shared with base.
func DeviceOutputs(base map[string]sshsim.Response, name string) map[string]sshsim.Response {
	out := make(map[string]sshsim.Response, len(base))
	for c, r := range base {
		out[c] = r
	}
	if _, ok := out["hostname"]; ok {
		out["hostname"] = sshsim.Stdout(name + "\n")
	}
	if _, ok := out["uname -a"]; ok {
		out["uname -a"] = sshsim.Stdout("Linux " + name + " 6.1.0-28-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22) x86_64 GNU/Linux\n")
	}
	return out
}

// outputSize picks a command's output size: a known large one, else one of smallSizes.
func outputSize(cmd string) int {
	for _, l := range largeOutputs {
		if strings.HasPrefix(cmd, l.prefix) {
			return l.size
		}
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(cmd)) // hash writes never fail
	return smallSizes[h.Sum32()%uint32(len(smallSizes))]
}

// fakeOutput builds about size bytes of configuration-like lines (key = value, a path, a
// number), ending with a newline; line lengths vary the way real files' do.
func fakeOutput(idx int, cmd string, size int) string {
	words := []string{"net.ipv4.conf.all", "kernel", "root", "/etc/ssh", "enabled", "UsePAM", "x86_64", "systemd"}
	var b strings.Builder
	b.Grow(size + 128)
	for n := 0; b.Len() < size; n++ {
		w := words[(idx+n)%len(words)]
		fmt.Fprintf(&b, "%s.%s_%d = %d  # %s\n", w, strings.Repeat("opt", 1+n%4), n, (idx*31+n*7)%1000, firstWord(cmd))
	}
	return b.String()
}

func firstWord(s string) string {
	if i := strings.IndexByte(s, ' '); i > 0 {
		return s[:i]
	}
	return s
}
