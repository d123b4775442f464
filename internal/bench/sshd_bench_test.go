package bench

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/oca-collector/collector/collector"
	"github.com/oca-collector/collector/internal/sshdtest"
)

// Knobs of BenchmarkFleetSSHD (environment variables), with their defaults.
const (
	envSSHDDevices     = "BENCH_SSHD_DEVICES"     // 200
	envSSHDConcurrency = "BENCH_SSHD_CONCURRENCY" // 32
	envSSHDLatency     = "BENCH_SSHD_LATENCY"     // round trips to measure at, e.g. 0,50ms; unset: 0
	envSSHDAnsible     = "BENCH_SSHD_ANSIBLE"     // 1: also measure Ansible (about 4 s per device here)
)

// sshdPortsPerAddress: each 127.0.2.x address listens on this many ports, so 200 devices need
// 25 addresses and 13 daemons (sshd takes at most 16 listen sockets).
const sshdPortsPerAddress = 8

// baselineKex is the key exchange x/crypto negotiates with Debian 12's sshd; the second xargs
// baseline forces it so the CPU ratio is also shown handshake for handshake.
const baselineKex = "curve25519-sha256"

// BenchmarkFleetSSHD collects N devices (addresses x ports of real OpenSSH sshd on loopback)
// with the shipped 44-command Linux set, and in the same run the baselines people use: xargs -P
// running one ssh per device with the joined script (with OpenSSH's default key exchange, and
// with the one the collector negotiates), and parallel-ssh, pdsh and ClusterShell's clush when
// installed (apt-get install pssh pdsh clustershell), and with BENCH_SSHD_ANSIBLE=1 an Ansible
// playbook of one task per command (apt-get install ansible-core). Each is one process
// tree measured by wait4: wall time, and CPU including every ssh child. The devices' own work
// (sshd, the commands) runs on the same two cores and is in every wall time, not in any CPU
// figure.
//
// With BENCH_SSHD_LATENCY (e.g. 0,50ms), the fleet is also measured behind a WAN: every
// device is reached through a forwarder in this test process that delays each byte by half the
// round trip each way, for the collector and every baseline alike.
func BenchmarkFleetSSHD(b *testing.B) {
	settleBeforeMeasure.Store(true)
	if _, err := sshdtest.Available(); err != nil {
		b.Skipf("sshd benchmark: %v", err)
	}
	n := envInt(b, envSSHDDevices, 200)
	conc := envInt(b, envSSHDConcurrency, 32)
	for _, lat := range envDurations(b, envSSHDLatency, []time.Duration{0}) {
		name := fmt.Sprintf("devices=%d,conc=%d", n, conc)
		if lat > 0 {
			name += ",latency=" + lat.String()
		}
		b.Run(name, func(b *testing.B) {
			res := sshdRuns(b, n, conc, lat, func(run func()) {
				for b.Loop() {
					run()
				}
			})
			for _, note := range res.notes {
				b.Log(note)
			}
			res.m.report(b)
		})
	}
}

// sshdKex is what each client negotiated with Debian's sshd.
type sshdKex struct{ OpenSSH, Collector string }

// sshdResult is what sshdRuns measured and what a reader needs to know about it.
type sshdResult struct {
	m     *metrics
	notes []string
	// tools are the optional baselines that were installed and measured.
	tools map[string]bool
}

// optionalBaseline is a parallel-ssh tool measured when it is installed (and, with optIn set,
// only when that environment variable is 1): its metric name, its program, how it is run (a
// note for the reader) and the run itself.
type optionalBaseline struct {
	name, program, how, optIn string
	run                       func(f *sshdFleet, tb testing.TB, conc int) procStats
}

// optedIn reports whether the baseline may run: always, or with its variable set to 1.
func (o optionalBaseline) optedIn() bool { return o.optIn == "" || os.Getenv(o.optIn) == "1" }

// optionalBaselines are the parallel-ssh tools beside xargs, each given the joined script, the
// concurrency and the same ssh options as xargs.
var optionalBaselines = []optionalBaseline{
	{"pssh", "parallel-ssh", "parallel-ssh -h <hosts> -p C -t 0 -o <dir> -x '<same ssh options>' '<joined script>'", "", (*sshdFleet).runPSSH},
	{"pdsh", "pdsh", "PDSH_SSH_ARGS='-F <ssh_config> <same ssh options> %h' pdsh -R ssh -f C -w ^<hosts> '<joined script>' (output prefixed with the host)", "", (*sshdFleet).runPDSH},
	{"clush", "clush", "clush -f C --hostfile <hosts> -o '-F <ssh_config> <same ssh options>' '<joined script>' (ClusterShell; output prefixed with the host)", "", (*sshdFleet).runClush},
	{"ansible", "ansible-playbook", ansibleHow, envSSHDAnsible, (*sshdFleet).runAnsible},
}

// sshdFleet is the daemons and the files every client run uses.
type sshdFleet struct {
	d       *sshdtest.Daemon
	targets []target
	dir     string
	script  string // the joined command set: cmd1; cmd2; ...; true
	sshCfg  string
	hosts   string // one Host alias per line, for xargs and parallel-ssh
	inv     string
	cmds    []string // the command set, one command each
	// knownHosts pins the host key for the addresses the clients dial (the daemons', or the
	// forwarders' in front of them).
	knownHosts string
}

// sshdRuns starts the daemons, probes the key exchanges, and calls loop with a function that
// performs one measured round: the collector, then each baseline.
func sshdRuns(tb testing.TB, n, conc int, latency time.Duration, loop func(run func())) sshdResult {
	tb.Helper()
	collectorBin, _, root := built(tb)
	if _, err := RaiseNoFile(uint64(conc)*8 + 4096); err != nil {
		tb.Logf("file descriptor limit: %v", err)
	}
	f := startSSHDFleet(tb, n, conc, latency, linuxCommandFile(root))
	kex := sshdKex{
		OpenSSH:   sshKexProbe(tb, f.d.Addrs[0], f.d.HostKey, f.d.User, f.d.ClientKeyPath),
		Collector: kexProbe(tb, collectorBin, f.d.Addrs[0], f.d.HostKey, f.d.User, f.d.ClientKeyPath, nil),
	}
	res := sshdResult{m: &metrics{}, tools: map[string]bool{}}
	for _, o := range optionalBaselines {
		if _, err := exec.LookPath(o.program); err == nil && o.optedIn() {
			res.tools[o.name] = true
		}
	}
	var channels, logins float64
	runs := 0
	loop(func() {
		runs++
		off := fileSize(tb, f.d.LogPath)
		r := runCollector(tb, collectorBin, f.inv, nil, 15*time.Minute)
		checkComplete(tb, r.Report, n, len(f.cmds), false)
		checkTranscripts(tb, r.Report, len(f.cmds), func(string, collector.CommandRecord) string { return "" })
		channels += float64(countIn(tb, f.d.LogPath, off, "Starting session: "))
		logins += float64(countIn(tb, f.d.LogPath, off, "Accepted publickey for "))
		res.m.addCollector("", r, n)
		res.m.addDeviceSide("", r.Proc, n)
		if latency > 0 {
			// Real commands take time of their own here, so this is an upper bound on the
			// round trips a device paid.
			ds := deviceDurations(r.Report)
			res.m.add("device_round_trips_p50", ms(ds[len(ds)/2])/ms(latency))
			res.m.add("device_round_trips_max", ms(ds[len(ds)-1])/ms(latency))
		}

		x := f.runXargs(tb, conc, "")
		res.m.addBaseline("xargs", x, n)
		x25519 := f.runXargs(tb, conc, baselineKex)
		res.m.addBaseline("xargs_c25519", x25519, n)
		res.m.addRatios("xargs", r, x)
		res.m.addRatios("xargs_c25519", r, x25519)
		for _, o := range optionalBaselines {
			if res.tools[o.name] {
				p := o.run(f, tb, conc)
				res.m.addBaseline(o.name, p, n)
				res.m.addRatios(o.name, r, p)
			}
		}
	})
	if runs == 0 {
		return res
	}
	perDevice := channels / float64(n*runs)
	res.m.add("channels_per_device", perDevice)
	res.m.add("logins_per_device", logins/float64(n*runs))

	mode := "per-command exec channels (batch mode not active)"
	if perDevice < 1.5 {
		mode = "batch mode: the command set as one framed script in one exec channel"
	}
	res.notes = append(res.notes,
		fmt.Sprintf("sshd: %d devices = %d loopback addresses x %d ports of Debian's OpenSSH sshd (MaxStartups raised to 500:30:1000, PerSourceMaxStartups none; UsePAM no), %d commands each, collector concurrency %d, other settings default",
			n, (n+sshdPortsPerAddress-1)/sshdPortsPerAddress, sshdPortsPerAddress, len(f.cmds), conc),
		wanNote(latency),
		fmt.Sprintf("collector: %.1f exec channels and %.2f logins per device as sshd logged them: %s; every device ok with all %d commands' outputs and exit statuses recorded",
			perDevice, logins/float64(n*runs), mode, len(f.cmds)),
		fmt.Sprintf("kex negotiated with sshd: OpenSSH client (xargs and the other tools) %s; collector (x/crypto) %s; xargs_c25519 forces %s on the OpenSSH client",
			kex.OpenSSH, kex.Collector, baselineKex),
		fmt.Sprintf("baselines: xargs -P %d -I{} ssh -F <ssh_config> -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=<kh> -i <key> {} '<cmd1; cmd2; ...; true>' (one ssh per device, output to one file, no per-command framing or exit codes); CPU from wait4 includes every ssh child", conc),
	)
	for _, o := range optionalBaselines {
		if res.tools[o.name] {
			res.notes = append(res.notes, o.name+": "+strings.ReplaceAll(o.how, " C ", " "+strconv.Itoa(conc)+" "))
		} else if !o.optedIn() {
			res.notes = append(res.notes, "the "+o.name+" baseline runs only with "+o.optIn+"=1")
		} else {
			res.notes = append(res.notes, o.program+" not installed (apt-get install pssh pdsh clustershell ansible-core): the "+o.name+" baseline was skipped")
		}
	}
	wall, cpu := res.m.value("wall_ratio_xargs"), res.m.value("cpu_ratio_xargs")
	res.notes = append(res.notes,
		fmt.Sprintf("target wall <= xargs baseline: %s (ratio %.2f; the devices' CPU per device, which shares these cores: collector %.0f ms, xargs %.0f ms)",
			met(wall <= 1), wall, res.m.value("device_side_cpu_ms_per_device"), res.m.value("xargs_device_side_cpu_ms_per_device")),
		fmt.Sprintf("target collector CPU <= 1/4 of xargs client CPU: %s (ratio %.3f; %.3f against curve25519 ssh)", met(cpu <= 0.25), cpu, res.m.value("cpu_ratio_xargs_c25519")))
	return res
}

// addDeviceSide records the machine's CPU outside the measured client and this test process
// while the client ran, per device: the daemons, the commands and the kernel's own threads, so
// work a client makes the devices do (a wrapper per command, a costlier key exchange) shows.
// Nothing is recorded when the machine's CPU could not be read.
func (m *metrics) addDeviceSide(prefix string, p procStats, n int) {
	if p.Machine <= 0 {
		return
	}
	m.add(prefix+"device_side_cpu_ms_per_device", max(ms(p.Machine-p.CPU()-p.Self), 0)/float64(n))
}

// wanNote says how the clients reached the daemons.
func wanNote(latency time.Duration) string {
	if latency <= 0 {
		return "network: loopback, no added latency"
	}
	return fmt.Sprintf("network: a %s round trip on the wire for every client (a forwarder per device delays each byte %s each way; TCP's own handshake excepted); device_round_trips_* are the collector's device durations over the round trip, the commands' own time included", latency, latency/2)
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

// startSSHDFleet starts daemons for n devices and writes the collector's inventory and the
// baselines' ssh_config, hosts file and joined script. With a latency, each device is reached
// through a forwarder on its address that delays every byte by half of it each way, and the
// known_hosts file pins the daemons' host key for the forwarders' addresses.
func startSSHDFleet(tb testing.TB, n, conc int, latency time.Duration, cmdFile string) *sshdFleet {
	tb.Helper()
	commands, err := ReadCommandFile(cmdFile)
	if err != nil {
		tb.Fatal(err)
	}
	addrs := (n + sshdPortsPerAddress - 1) / sshdPortsPerAddress
	listen := make([]string, addrs)
	for i := range listen {
		listen[i] = fmt.Sprintf("127.0.2.%d", i+1)
	}
	ports := min(n, sshdPortsPerAddress)
	d := sshdtest.Start(tb, sshdtest.Options{Listen: listen, Ports: ports})
	f := &sshdFleet{d: d, dir: keptDir(tb), cmds: commands}
	knownHosts := d.KnownHostsPath
	var pinned strings.Builder
	for i, addr := range d.Addrs[:n] {
		if latency > 0 {
			fw := startWAN(tb, addr, latency/2)
			addr = fw.addr().String()
			pinned.WriteString(knownhosts.Line([]string{knownhosts.Normalize(addr)}, d.HostKey) + "\n")
		}
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			tb.Fatal(err)
		}
		f.targets = append(f.targets, target{Name: fmt.Sprintf("dev%03d", i), Host: host, Port: atoi(tb, port)})
	}
	if latency > 0 {
		knownHosts = filepath.Join(f.dir, "known_hosts")
		if err := os.WriteFile(knownHosts, []byte(pinned.String()), 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	f.knownHosts = knownHosts
	f.script = strings.Join(commands, "; ") + "; true"
	f.sshCfg = filepath.Join(f.dir, "ssh_config")
	f.hosts = filepath.Join(f.dir, "hosts")
	var hosts strings.Builder
	for _, t := range f.targets {
		hosts.WriteString(t.Name + "\n")
	}
	if err := os.WriteFile(f.sshCfg, sshConfig(f.targets, d.User), 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(f.hosts, []byte(hosts.String()), 0o600); err != nil {
		tb.Fatal(err)
	}
	invDir := filepath.Join(f.dir, "collector")
	if err := os.Mkdir(invDir, 0o700); err != nil {
		tb.Fatal(err)
	}
	f.inv = writeInventory(tb, invDir, inventorySpec{
		Targets: f.targets, User: d.User, Key: d.ClientKeyPath, KnownHosts: knownHosts,
		CommandFile: cmdFile, Concurrency: conc,
	})
	return f
}

// sshConfig gives every device a Host alias, since xargs cannot vary ssh's -p per device.
func sshConfig(targets []target, user string) []byte {
	var b strings.Builder
	for _, t := range targets {
		fmt.Fprintf(&b, "Host %s\n  HostName %s\n  Port %d\n  User %s\n", t.Name, t.Host, t.Port, user)
	}
	return []byte(b.String())
}

// sshOptions are the baseline ssh options: no prompts, strict host keys against the harness's
// known_hosts, the harness's key only; kex forces a key exchange when set.
func sshOptions(knownHosts, key, kex string) []string {
	opts := []string{"-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + knownHosts,
		"-o", "IdentitiesOnly=yes", "-i", key, "-T"}
	if kex != "" {
		opts = append(opts, "-o", "KexAlgorithms="+kex)
	}
	return opts
}

// sshArgs are the arguments every baseline gives ssh: the fleet's ssh_config and sshOptions.
func (f *sshdFleet) sshArgs(kex string) []string {
	return append([]string{"-F", f.sshCfg}, sshOptions(f.knownHosts, f.d.ClientKeyPath, kex)...)
}

// runXargs runs the xargs baseline once and fails unless it exited 0.
func (f *sshdFleet) runXargs(tb testing.TB, conc int, kex string) procStats {
	tb.Helper()
	dir := keptDir(tb)
	errPath := filepath.Join(dir, "xargs.stderr")
	out, errf := createOutputs(tb, filepath.Join(dir, "xargs.out"), errPath)
	defer out.Close()
	defer errf.Close()
	in, err := os.Open(f.hosts)
	if err != nil {
		tb.Fatal(err)
	}
	defer in.Close()
	args := append([]string{"-P", strconv.Itoa(conc), "-I{}", "ssh"}, f.sshArgs(kex)...)
	args = append(args, "{}", f.script)
	cmd := exec.Command("xargs", args...)
	cmd.Env, cmd.Dir = baseEnv(dir), dir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = in, out, errf
	st, err := measure(cmd, 15*time.Minute)
	if err != nil || st.ExitCode != 0 {
		tb.Fatalf("xargs baseline: exit %d %v\n%s", st.ExitCode, err, tail(errPath, 20))
	}
	if size := fileSize(tb, out.Name()); size < int64(len(f.targets)) {
		tb.Fatalf("xargs baseline: %d bytes of output for %d devices", size, len(f.targets))
	}
	return st
}

// runPSSH runs the parallel-ssh baseline once; it must exit 0 with an output file per device.
func (f *sshdFleet) runPSSH(tb testing.TB, conc int) procStats {
	tb.Helper()
	dir := keptDir(tb)
	outDir := filepath.Join(dir, "out")
	errPath := filepath.Join(dir, "pssh.stderr")
	errf, err := os.Create(errPath)
	if err != nil {
		tb.Fatal(err)
	}
	defer errf.Close()
	extra := strings.Join(f.sshArgs(""), " ")
	cmd := exec.Command("parallel-ssh", "-h", f.hosts, "-p", strconv.Itoa(conc), "-t", "0", "-o", outDir, "-x", extra, f.script)
	cmd.Env, cmd.Dir = baseEnv(dir), dir
	cmd.Stdout, cmd.Stderr = errf, errf
	st, err := measure(cmd, 15*time.Minute)
	if err != nil || st.ExitCode != 0 {
		tb.Fatalf("parallel-ssh baseline: exit %d %v\n%s", st.ExitCode, err, tail(errPath, 20))
	}
	entries, err := os.ReadDir(outDir)
	if err != nil || len(entries) != len(f.targets) {
		tb.Fatalf("parallel-ssh baseline: %d output files for %d devices (%v)", len(entries), len(f.targets), err)
	}
	return st
}

// runPDSH runs the pdsh baseline once (its ssh module, the same ssh options through
// PDSH_SSH_ARGS); it must exit 0 with every device's output.
func (f *sshdFleet) runPDSH(tb testing.TB, conc int) procStats {
	tb.Helper()
	sshArgs := strings.Join(f.sshArgs(""), " ") + " %h"
	return f.runPrefixed(tb, "pdsh", []string{"PDSH_SSH_ARGS=" + sshArgs},
		"pdsh", "-R", "ssh", "-f", strconv.Itoa(conc), "-w", "^"+f.hosts, f.script)
}

// runClush runs ClusterShell's clush once with the same ssh options; it must exit 0 with every
// device's output.
func (f *sshdFleet) runClush(tb testing.TB, conc int) procStats {
	tb.Helper()
	opts := strings.Join(f.sshArgs(""), " ")
	return f.runPrefixed(tb, "clush", nil,
		"clush", "-f", strconv.Itoa(conc), "--hostfile", f.hosts, "-o", opts, f.script)
}

// runPrefixed runs a tool that prints every device's output on its stdout, each line prefixed
// with "host: ", and checks that it exited 0 and that every device answered.
func (f *sshdFleet) runPrefixed(tb testing.TB, name string, env []string, argv ...string) procStats {
	tb.Helper()
	dir := keptDir(tb)
	outPath, errPath := filepath.Join(dir, name+".out"), filepath.Join(dir, name+".stderr")
	out, errf := createOutputs(tb, outPath, errPath)
	defer out.Close()
	defer errf.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env, cmd.Dir = append(baseEnv(dir), env...), dir
	cmd.Stdout, cmd.Stderr = out, errf
	st, err := measure(cmd, 15*time.Minute)
	if err != nil || st.ExitCode != 0 {
		tb.Fatalf("%s baseline: exit %d %v\n%s", name, st.ExitCode, err, tail(errPath, 20))
	}
	b, err := os.ReadFile(outPath)
	if err != nil {
		tb.Fatal(err)
	}
	for _, t := range f.targets {
		if !bytes.Contains(b, []byte("\n"+t.Name+": ")) && !bytes.HasPrefix(b, []byte(t.Name+": ")) {
			tb.Fatalf("%s baseline: no output from %s\n%s", name, t.Name, tail(errPath, 20))
		}
	}
	return st
}

// createOutputs creates the files a measured tool's stdout and stderr go to; the caller closes
// them.
func createOutputs(tb testing.TB, outPath, errPath string) (out, errf *os.File) {
	tb.Helper()
	out, err := os.Create(outPath)
	if err != nil {
		tb.Fatal(err)
	}
	if errf, err = os.Create(errPath); err != nil {
		_ = out.Close()
		tb.Fatal(err)
	}
	return out, errf
}

// startWAN puts a forwarder that delays every byte by oneWay in front of addr, on the same
// loopback address, stopped when the test ends.
func startWAN(tb testing.TB, addr string, oneWay time.Duration) *forwarder {
	tb.Helper()
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		tb.Fatal(err)
	}
	fw, err := startForwarder(host, addr, oneWay)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := fw.close(); err != nil {
			tb.Errorf("forwarder %s: %v", addr, err)
		}
	})
	return fw
}

func atoi(tb testing.TB, s string) int {
	tb.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}
