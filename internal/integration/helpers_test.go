package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/oca-collector/collector/collector"
	"github.com/oca-collector/collector/internal/fakegateway"
	"github.com/oca-collector/collector/internal/sshdtest"
)

const (
	// runTimeout bounds one collector run. Every run here finishes in a few seconds; reaching
	// it means the collector hung, and the test says so instead of hanging the package.
	runTimeout = 60 * time.Second
	// sshPasswordEnv is the variable the password credentials read.
	sshPasswordEnv = "OCA_IT_SSH_PASSWORD"
	// gatewayUserEnv and gatewayPassEnv carry the fake gateway's credentials to the collector.
	gatewayUserEnv = "OCA_IT_QUALYS_USERNAME"
	gatewayPassEnv = "OCA_IT_QUALYS_PASSWORD"
)

// target is one device of an inventory: a daemon address under a name and an asset UUID.
type target struct {
	Name      string
	Host      string
	Port      int
	AssetUUID string
}

// targetsFor turns every address of d into a device, named dev-0, dev-1... in d.Addrs order.
func targetsFor(t *testing.T, d *sshdtest.Daemon) []target {
	t.Helper()
	out := make([]target, 0, len(d.Addrs))
	for i, addr := range d.Addrs {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			t.Fatalf("daemon address %q: %v", addr, err)
		}
		p, err := strconv.Atoi(port)
		if err != nil {
			t.Fatalf("daemon address %q: %v", addr, err)
		}
		out = append(out, target{
			Name:      "dev-" + strconv.Itoa(i),
			Host:      host,
			Port:      p,
			AssetUUID: fmt.Sprintf("6f1c2b3a-4d5e-4f60-8a7b-%012d", i+1),
		})
	}
	return out
}

// inventorySpec is what a test varies in an inventory; writeInventory fills in the rest.
type inventorySpec struct {
	Targets    []target
	Credential map[string]any // username is added; give private_key or password_env
	Commands   []string       // written to a command file next to the inventory, one per line
	KnownHosts string
	Policy     string // host_key_policy; "" means strict
	// MaxSessions, CommandTimeout: collection settings; zero values keep the inventory
	// defaults of this package (4 and 20s).
	MaxSessions    int
	CommandTimeout string
	Gateway        string // fake gateway URL; "" means no upload section
	// NoBatch turns batch mode off (one exec channel per command); by default Linux devices
	// run their command set as one framed script.
	NoBatch bool
	// Platform is the devices' platform; "" means linux.
	Platform string
}

// fleetRun is one prepared inventory in its own directory, with its own output directory, so
// runs never share a lock, a spool or a known_hosts file by accident.
type fleetRun struct {
	Inventory string
	OutputDir string
	Dir       string
}

// writeInventory writes the inventory and its command file into a fresh t.TempDir. The YAML is
// marshalled from data, so commands with quotes and '$' reach the loader exactly as written.
func writeInventory(t *testing.T, s inventorySpec) fleetRun {
	t.Helper()
	dir := t.TempDir()
	cmdFile := filepath.Join(dir, "commands.txt")
	var cmds strings.Builder
	cmds.WriteString("# written by an integration test\n")
	for _, c := range s.Commands {
		cmds.WriteString(c + "\n")
	}
	if err := os.WriteFile(cmdFile, []byte(cmds.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	policy := s.Policy
	if policy == "" {
		policy = "strict"
	}
	maxSessions := s.MaxSessions
	if maxSessions == 0 {
		maxSessions = 4
	}
	cmdTimeout := s.CommandTimeout
	if cmdTimeout == "" {
		cmdTimeout = "20s"
	}
	cred := map[string]any{"username": sshdtest.UserName}
	for k, v := range s.Credential {
		cred[k] = v
	}
	var devs []map[string]any
	for _, tg := range s.Targets {
		devs = append(devs, map[string]any{
			"name": tg.Name, "host": tg.Host, "port": tg.Port, "asset_uuid": tg.AssetUUID,
		})
	}
	defaults := map[string]any{"credential": "it", "platform": "linux", "command_set": "it", "batch": !s.NoBatch}
	if s.Platform != "" && s.Platform != "linux" {
		defaults["platform"] = s.Platform
		delete(defaults, "batch") // batch is for POSIX shells only
	}
	out := filepath.Join(dir, "out")
	inv := map[string]any{
		"version":    1,
		"output_dir": out,
		"collection": map[string]any{
			"concurrency":     8,
			"connect_timeout": "10s",
			"command_timeout": cmdTimeout,
			"max_sessions":    maxSessions,
			"device_timeout":  "60s",
			"retries":         1,
		},
		"ssh":          map[string]any{"known_hosts": s.KnownHosts, "host_key_policy": policy},
		"credentials":  map[string]any{"it": cred},
		"command_sets": map[string]any{"it": map[string]any{"file": "commands.txt"}},
		"defaults":     defaults,
		"devices":      devs,
	}
	if s.Gateway != "" {
		inv["upload"] = map[string]any{
			"gateway":      s.Gateway,
			"username_env": gatewayUserEnv,
			"password_env": gatewayPassEnv,
			"concurrency":  2,
			"timeout":      "10s",
		}
	}
	b, err := yaml.Marshal(inv)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "inventory.yaml")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return fleetRun{Inventory: path, OutputDir: out, Dir: dir}
}

// runResult is what one `collector run` left behind.
type runResult struct {
	Code    int
	Stderr  string
	Report  *collector.Report
	Elapsed time.Duration
}

// device returns the report entry of the named device, failing the test when it is missing.
func (r runResult) device(t *testing.T, name string) collector.DeviceReport {
	t.Helper()
	for _, d := range r.Report.Devices {
		if d.Name == name {
			return d
		}
	}
	t.Fatalf("report has no device %q; stderr:\n%s", name, r.Stderr)
	return collector.DeviceReport{}
}

// runCollector runs `collector run -i INVENTORY --report FILE` with a controlled environment:
// a fixed PATH, HOME in a temporary directory, no SSH agent, and only the variables given.
// The run is bounded by runTimeout; its report is decoded with the collector's own type.
func runCollector(t *testing.T, f fleetRun, env map[string]string) runResult {
	t.Helper()
	if collectorBin == "" {
		t.Fatal("collector binary was not built (TestMain)")
	}
	reportPath := filepath.Join(f.Dir, fmt.Sprintf("report-%d.json", time.Now().UnixNano()))
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, collectorBin, "run", "-i", f.Inventory, "--report", reportPath)
	cmd.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + t.TempDir(), "LC_ALL=C"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Dir = f.Dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	res := runResult{Stderr: stderr.String(), Elapsed: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("collector run did not finish within %s; stderr:\n%s", runTimeout, res.Stderr)
	case errors.As(err, &ee):
		res.Code = ee.ExitCode()
	case err != nil:
		t.Fatalf("collector run: %v", err)
	}
	if stdout.Len() > 0 {
		t.Errorf("collector run wrote to stdout (logs and the summary belong on stderr): %q", stdout.String())
	}
	b, err := os.ReadFile(reportPath)
	if err != nil {
		t.Fatalf("report: %v (exit %d); stderr:\n%s", err, res.Code, res.Stderr)
	}
	rep := new(collector.Report)
	if err := json.Unmarshal(b, rep); err != nil {
		t.Fatalf("report %s: %v", reportPath, err)
	}
	res.Report = rep
	if rep.ExitCode != res.Code {
		t.Errorf("report exit_code %d, process exit %d", rep.ExitCode, res.Code)
	}
	return res
}

// gatewayEnv starts a fake gateway and returns it with the variables that point the collector's
// upload credentials at it.
func gatewayEnv(t *testing.T) (*fakegateway.Gateway, map[string]string) {
	t.Helper()
	g := fakegateway.New(t)
	return g, map[string]string{
		gatewayUserEnv: fakegateway.DefaultUsername,
		gatewayPassEnv: fakegateway.DefaultPassword,
	}
}

// mergeEnv returns one map with every entry of ms (later maps win).
func mergeEnv(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// assertNoSecret fails the test when secret appears in the run's stderr or report.
func assertNoSecret(t *testing.T, r runResult, secret, what string) {
	t.Helper()
	if secret == "" {
		t.Fatalf("assertNoSecret(%s): empty secret proves nothing", what)
	}
	if strings.Contains(r.Stderr, secret) {
		t.Errorf("%s appears in the collector's stderr", what)
	}
	var rep bytes.Buffer
	if err := r.Report.WriteJSON(&rep); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(rep.String(), secret) {
		t.Errorf("%s appears in the report", what)
	}
}

// readTranscript reads a device's transcript through the collector's own reader.
func readTranscript(t *testing.T, d collector.DeviceReport) *collector.Transcript {
	t.Helper()
	if d.Transcript == "" {
		t.Fatalf("device %s: report names no transcript", d.Name)
	}
	tr, err := collector.ReadTranscript(d.Transcript)
	if err != nil {
		t.Fatalf("device %s: %v", d.Name, err)
	}
	return tr
}

// record returns the transcript record of cmd, failing the test when there is none.
func record(t *testing.T, tr *collector.Transcript, cmd string) collector.CommandRecord {
	t.Helper()
	for _, r := range tr.Commands {
		if r.Command == cmd {
			return r
		}
	}
	t.Fatalf("device %s: transcript has no command %q", tr.Device, cmd)
	return collector.CommandRecord{}
}

// sshdLogCount counts the lines of the daemon's log that contain substr.
func sshdLogCount(t *testing.T, d *sshdtest.Daemon, substr string) int {
	t.Helper()
	b, err := os.ReadFile(d.LogPath)
	if err != nil {
		t.Fatalf("sshd log: %v", err)
	}
	return strings.Count(string(b), substr)
}
