package main

// End-to-end tests of the built collector binary: TestMain builds it once, each test starts
// simulated devices (internal/sshsim) and a fake OCA gateway (internal/fakegateway) in this
// process on loopback, writes an inventory, known_hosts and key into a temporary HOME, runs the
// binary with a controlled environment and checks exit codes, output, report.json, the files on
// disk and what the gateway received. E2E_DEBUG=1 logs every run's exit code and output.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/oca-collector/collector/internal/fakegateway"
	"github.com/oca-collector/collector/internal/runlock"
	"github.com/oca-collector/collector/internal/sshsim"
)

// binary is the collector under test, built on first use (so `go test -list` or a benchmark
// run does not pay for it) and removed by TestMain.
var binary struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binary.dir != "" {
		_ = os.RemoveAll(binary.dir)
	}
	os.Exit(code)
}

// collectorBin builds the binary once, with the version stamped in and, when this test binary
// has the race detector, with it too: the packages are already in the build cache, and the
// binary's own data races then fail the tests (see finish).
func collectorBin(t *testing.T) string {
	t.Helper()
	binary.once.Do(func() {
		binary.dir, binary.err = os.MkdirTemp("", "collector-e2e-")
		if binary.err != nil {
			return
		}
		binary.path = filepath.Join(binary.dir, "collector")
		args := []string{"build", "-o", binary.path, "-ldflags", "-X main.version=e2e-test"}
		if raceEnabled() {
			args = append(args, "-race")
		}
		out, err := exec.Command("go", append(args, ".")...).CombinedOutput()
		if err != nil {
			binary.err = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if binary.err != nil {
		t.Fatalf("e2e: %v", binary.err)
	}
	return binary.path
}

func raceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// Names shared by every fixture.
const (
	simUser     = "oca"
	qualysUser  = "oca-e2e-api"
	envDevicePW = "OCA_E2E_DEVICE_PASSWORD"
	envQualysPW = "OCA_E2E_QUALYS_PASSWORD"
	hangCommand = "sleep 3600"
	binTimeout  = 60 * time.Second
)

// baseCommands is the "base" command set; simOutputs scripts what each device answers.
var baseCommands = []string{"uname -a", "cat /etc/os-release", "grep -i permitrootlogin /etc/ssh/sshd_config"}

// simOutputs returns the raw outputs of the base commands on a device (os-release with CRLF
// line endings, which the bulk file must normalise), and normalised returns them as they must
// appear in the bulk file.
func simOutputs(name string) map[string]string {
	return map[string]string{
		baseCommands[0]: "Linux " + name + " 6.1.0-e2e #1 SMP PREEMPT_DYNAMIC x86_64 GNU/Linux\n",
		baseCommands[1]: "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\r\nID=debian\r\n",
		baseCommands[2]: "PermitRootLogin no\n",
	}
}

func normalised(name string) map[string]string {
	out := simOutputs(name)
	for k, v := range out {
		out[k] = strings.ReplaceAll(v, "\r\n", "\n")
	}
	return out
}

// fixture is one test's world: a HOME directory holding the inventory, key and known_hosts,
// simulated devices and a gateway.
type fixture struct {
	t          *testing.T
	home       string
	inv        string
	out        string
	knownHosts string
	keyPath    string
	devicePW   string
	qualysPW   string
	signer     ssh.Signer
	gw         *fakegateway.Gateway
	devs       []*device
	env        []string // extra "NAME=value" entries for the binary's environment
}

// device is one inventory entry and, unless it is a closed port, its simulator.
type device struct {
	name       string
	uuid       string
	host       string
	port       int
	srv        *sshsim.Server
	known      string // known_hosts line; "" for none
	groups     []string
	credential string   // "" means the default (key)
	commandSet string   // "" means the default (base)
	platform   string   // "" means the default (linux)
	commands   []string // when set, the device's own command set (named dev-<name>)
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	home := t.TempDir()
	signer, pem, err := sshsim.GenerateUserKey()
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{
		t: t, home: home,
		inv:        filepath.Join(home, "inventory.yaml"),
		out:        filepath.Join(home, "out"),
		knownHosts: filepath.Join(home, "known_hosts"),
		keyPath:    filepath.Join(home, "id_ed25519"),
		devicePW:   "dev-pw-" + rand.Text(),
		qualysPW:   "qualys-pw-" + rand.Text(),
		signer:     signer,
	}
	writeFile(t, f.keyPath, pem)
	f.gw = fakegateway.New(t, fakegateway.WithCredentials(qualysUser, f.qualysPW))
	return f
}

// addDevice starts a simulated Linux device answering the base commands; edit may change its
// script before it starts.
func (f *fixture) addDevice(name string, edit func(*sshsim.Config)) *device {
	f.t.Helper()
	cmds := map[string]sshsim.Response{}
	for c, out := range simOutputs(name) {
		cmds[c] = sshsim.Stdout(out)
	}
	cmds[hangCommand] = sshsim.Response{Hang: true}
	cfg := sshsim.Config{
		Users:    map[string]sshsim.User{simUser: {Password: f.devicePW, AuthorizedKeys: []ssh.PublicKey{f.signer.PublicKey()}}},
		Commands: cmds,
	}
	if edit != nil {
		edit(&cfg)
	}
	srv := sshsim.New(f.t, cfg)
	d := &device{name: name, uuid: assetUUID(len(f.devs)), host: srv.Host(), port: srv.Port(), srv: srv, known: srv.KnownHostsLine()}
	f.devs = append(f.devs, d)
	return d
}

// addClosedPort adds a device whose port refuses connections.
func (f *fixture) addClosedPort(name string) *device {
	f.t.Helper()
	addr := sshsim.ClosedPort(f.t)
	host, port := splitAddr(f.t, addr)
	d := &device{name: name, uuid: assetUUID(len(f.devs)), host: host, port: port}
	f.devs = append(f.devs, d)
	return d
}

func assetUUID(i int) string { return fmt.Sprintf("0e2e0000-4a5b-4c6d-8e7f-%012x", 0xa0+i) }

// invOptions are the inventory settings tests vary.
type invOptions struct {
	framing           string // default markers
	concurrency       int    // default 4
	commandTimeout    string // default 5s
	uploadConcurrency int    // default 2
	noUploadSection   bool
	outputDir         string // default the fixture's out
	collectionExtra   string // raw "  key: value\n" lines added to collection
	uploadExtra       string // raw lines added to upload (may override timeout)
	gateway           string // default the fixture's gateway URL
	credentialsExtra  string // raw "  name:\n    key: value\n" credentials added to the defaults
}

// writeInventory writes the inventory and known_hosts for the fixture's devices.
func (f *fixture) writeInventory(o invOptions) {
	f.t.Helper()
	if o.framing == "" {
		o.framing = "markers"
	}
	if o.concurrency == 0 {
		o.concurrency = 4
	}
	if o.commandTimeout == "" {
		o.commandTimeout = "5s"
	}
	if o.uploadConcurrency == 0 {
		o.uploadConcurrency = 2
	}
	if o.outputDir == "" {
		o.outputDir = f.out
	}
	if o.gateway == "" {
		o.gateway = f.gw.URL
	}
	var b strings.Builder
	fmt.Fprintf(&b, "version: 1\noutput_dir: %s\n", o.outputDir)
	fmt.Fprintf(&b, "collection:\n  concurrency: %d\n  connect_timeout: 2s\n  command_timeout: %s\n"+
		"  device_timeout: 40s\n  retries: 0\n  max_sessions: 4\n  framing: %s\n%s",
		o.concurrency, o.commandTimeout, o.framing, o.collectionExtra)
	if !o.noUploadSection {
		timeout := "  timeout: 10s\n"
		if strings.Contains(o.uploadExtra, "timeout:") {
			timeout = ""
		}
		fmt.Fprintf(&b, "upload:\n  gateway: %s\n  username: %s\n  password_env: %s\n  concurrency: %d\n%s%s",
			o.gateway, qualysUser, envQualysPW, o.uploadConcurrency, timeout, o.uploadExtra)
	}
	fmt.Fprintf(&b, "ssh:\n  known_hosts: %s\n  host_key_policy: strict\n", f.knownHosts)
	fmt.Fprintf(&b, "credentials:\n  key:\n    username: %s\n    private_key: %s\n  pw:\n    username: %s\n    password_env: %s\n",
		simUser, f.keyPath, simUser, envDevicePW)
	b.WriteString(o.credentialsExtra)
	b.WriteString("command_sets:\n  base:\n    commands:\n")
	for _, c := range baseCommands {
		fmt.Fprintf(&b, "      - %q\n", c)
	}
	fmt.Fprintf(&b, "  hang:\n    commands: [%q]\n", hangCommand)
	for _, d := range f.devs {
		if len(d.commands) > 0 {
			fmt.Fprintf(&b, "  dev-%s:\n    commands:\n", d.name)
			for _, c := range d.commands {
				fmt.Fprintf(&b, "      - %q\n", c)
			}
		}
	}
	// The simulator runs no shell, so per-command channels (batch mode is tested against real
	// sshd and a test POSIX host in the collector package).
	b.WriteString("defaults: { platform: linux, credential: key, command_set: base, batch: false }\n")
	b.WriteString("groups:\n  core: {}\n  edge: {}\n")
	b.WriteString("devices:\n")
	var known strings.Builder
	for _, d := range f.devs {
		fmt.Fprintf(&b, "  - name: %s\n    host: %s\n    port: %d\n", d.name, d.host, d.port)
		if d.uuid != "" { // "": not provisioned yet (assets_test.go)
			fmt.Fprintf(&b, "    asset_uuid: %s\n", d.uuid)
		}
		if len(d.groups) > 0 {
			fmt.Fprintf(&b, "    groups: [%s]\n", strings.Join(d.groups, ", "))
		}
		if d.credential != "" {
			fmt.Fprintf(&b, "    credential: %s\n", d.credential)
		}
		switch {
		case d.commandSet != "":
			fmt.Fprintf(&b, "    command_set: %s\n", d.commandSet)
		case len(d.commands) > 0:
			fmt.Fprintf(&b, "    command_set: dev-%s\n", d.name)
		}
		if d.platform != "" {
			fmt.Fprintf(&b, "    platform: %s\n", d.platform)
		}
		if d.known != "" {
			known.WriteString(d.known + "\n")
		}
	}
	writeFile(f.t, f.inv, []byte(b.String()))
	writeFile(f.t, f.knownHosts, []byte(known.String()))
}

// result is one run of the binary.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout:\n%s--- stderr:\n%s", r.code, r.stdout, r.stderr)
}

// command prepares the binary with HOME set to the fixture's home, the secrets in the
// environment and nothing else but PATH.
func (f *fixture) command(ctx context.Context, stdout, stderr *bytes.Buffer, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, collectorBin(f.t), args...)
	cmd.Dir = f.home
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + f.home,
		envDevicePW + "=" + f.devicePW,
		envQualysPW + "=" + f.qualysPW,
	}
	cmd.Env = append(cmd.Env, f.env...)
	if raceEnabled() {
		// The race runtime otherwise sleeps a second before every successful exit.
		cmd.Env = append(cmd.Env, "GORACE=atexit_sleep_ms=0")
	}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// run runs the binary to completion (at most binTimeout).
func (f *fixture) run(args ...string) result {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), binTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err := f.command(ctx, &stdout, &stderr, args...).Run()
	return f.finish(err, &stdout, &stderr)
}

func (f *fixture) finish(err error, stdout, stderr *bytes.Buffer) result {
	f.t.Helper()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		f.t.Fatalf("collector %v", err)
	}
	if os.Getenv("E2E_DEBUG") != "" {
		f.t.Log(r)
	}
	if strings.Contains(r.stderr, "WARNING: DATA RACE") {
		f.t.Errorf("the collector binary has a data race:\n%s", r.stderr)
	}
	return r
}

func wantExit(t *testing.T, r result, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("want exit %d, got %s", code, r)
	}
}

// report mirrors the parts of report.json the tests check.
type report struct {
	RunID       string `json:"run_id"`
	Interrupted bool   `json:"interrupted"`
	Upload      bool   `json:"upload"`
	ExitCode    int    `json:"exit_code"`
	Totals      struct {
		Devices       int   `json:"devices"`
		OK            int   `json:"ok"`
		Partial       int   `json:"partial"`
		Failed        int   `json:"failed"`
		Skipped       int   `json:"skipped"`
		Uploaded      int   `json:"uploaded"`
		UploadPending int   `json:"upload_pending"`
		UploadFailed  int   `json:"upload_failed"`
		UploadSkipped int   `json:"upload_skipped"`
		Commands      int   `json:"commands"`
		CommandsFail  int   `json:"commands_failed"`
		Bytes         int64 `json:"bytes"`
	} `json:"totals"`
	Devices []deviceReport `json:"devices"`
}

type deviceReport struct {
	Name       string `json:"name"`
	AssetUUID  string `json:"asset_uuid"`
	Status     string `json:"status"`
	Error      string `json:"error"`
	ErrorClass string `json:"error_class"`
	Commands   struct {
		Total       int `json:"total"`
		Failed      int `json:"failed"`
		NonzeroExit int `json:"nonzero_exit"`
	} `json:"commands"`
	Bytes      int64  `json:"bytes"`
	BulkFile   string `json:"bulk_file"`
	Transcript string `json:"transcript"`
	Upload     struct {
		Status     string `json:"status"`
		Attempts   int    `json:"attempts"`
		Error      string `json:"error"`
		ErrorClass string `json:"error_class"`
	} `json:"upload"`
}

func (r *report) device(t *testing.T, name string) deviceReport {
	t.Helper()
	for _, d := range r.Devices {
		if d.Name == name {
			return d
		}
	}
	t.Fatalf("report has no device %q: %+v", name, r.Devices)
	return deviceReport{}
}

func (r *report) names() []string {
	var out []string
	for _, d := range r.Devices {
		out = append(out, d.Name)
	}
	return out
}

// latest follows runs/latest and returns the run directory and its parsed report.json.
func (f *fixture) latest() (string, *report) {
	f.t.Helper()
	link := filepath.Join(f.out, "runs", "latest")
	target, err := os.Readlink(link)
	if err != nil {
		f.t.Fatalf("runs/latest: %v", err)
	}
	if filepath.IsAbs(target) || strings.Contains(target, "/") {
		f.t.Errorf("runs/latest -> %q, want a run id relative to runs/", target)
	}
	dir := filepath.Join(f.out, "runs", target)
	rep := readReport(f.t, filepath.Join(dir, "report.json"))
	if rep.RunID != target {
		f.t.Errorf("runs/latest -> %q, but its report says run_id %q", target, rep.RunID)
	}
	return dir, rep
}

func readReport(t *testing.T, path string) *report {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("report: %v", err)
	}
	var r report
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("report %s: %v\n%s", path, err, data)
	}
	return &r
}

// checkTree asserts the output directory's modes (directories 0700, files 0600, runs/latest
// the only symlink) and that no temporary file was left behind.
func checkTree(t *testing.T, root string) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := os.Lstat(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			if rel != filepath.Join("runs", "latest") {
				t.Errorf("unexpected symlink %s", rel)
			}
		case info.IsDir():
			if info.Mode().Perm() != 0o700 {
				t.Errorf("directory %s has mode %04o, want 0700", rel, info.Mode().Perm())
			}
		case info.Mode().IsRegular():
			if info.Mode().Perm() != 0o600 {
				t.Errorf("file %s has mode %04o, want 0600", rel, info.Mode().Perm())
			}
			if name := d.Name(); strings.HasPrefix(name, ".") || strings.Contains(name, ".tmp") {
				t.Errorf("temporary file left behind: %s", rel)
			}
		default:
			t.Errorf("unexpected file type %s: %v", rel, info.Mode())
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", root, err)
	}
}

// spoolEntries lists the spool's file names: nil when the spool does not exist, empty when it
// exists and is empty.
func (f *fixture) spoolEntries() []string {
	f.t.Helper()
	des, err := os.ReadDir(filepath.Join(f.out, "spool"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		f.t.Fatal(err)
	}
	out := []string{}
	for _, de := range des {
		out = append(out, de.Name())
	}
	return out
}

// checkUploaded asserts the gateway accepted exactly one upload for each device, whose body is
// the bulk file in dir, under the name the API wants.
func (f *fixture) checkUploaded(dir string, devs ...*device) {
	f.t.Helper()
	for _, d := range devs {
		ups := f.gw.UploadsFor(d.uuid)
		if len(ups) != 1 {
			f.t.Errorf("%s: gateway accepted %d uploads, want 1", d.name, len(ups))
			continue
		}
		want := readFile(f.t, filepath.Join(dir, d.uuid+".txt"))
		if !bytes.Equal(ups[0].Body, want) {
			f.t.Errorf("%s: uploaded body differs from the bulk file:\n got %q\nwant %q", d.name, ups[0].Body, want)
		}
		if ups[0].Filename != d.uuid+".txt" || ups[0].FlowType != "DEFAULT" {
			f.t.Errorf("%s: uploaded as %q flow %q, want %s.txt flow DEFAULT", d.name, ups[0].Filename, ups[0].FlowType, d.uuid)
		}
	}
}

// markersBulk is the markers-framed bulk file of a device that answered the base commands.
func markersBulk(name string) string {
	var b strings.Builder
	outs := normalised(name)
	for _, c := range baseCommands {
		fmt.Fprintf(&b, "### BEGIN COMMAND: %s\n%s### END COMMAND: %s\n", c, outs[c], c)
	}
	return b.String()
}

// sessionBulk is the same in the session framing, with the linux prompt.
func sessionBulk(name string) string {
	var b strings.Builder
	outs := normalised(name)
	for _, c := range baseCommands {
		fmt.Fprintf(&b, "%s$ %s\n%s", name, c, outs[c])
	}
	return b.String()
}

// summaryLine matches a device's line in the summary on stderr.
func summaryLine(status string, d *device) *regexp.Regexp {
	return regexp.MustCompile(`(?m)^` + status + `\s+` + regexp.QuoteMeta(d.name) + `\s+` + d.uuid + `\s.*$`)
}

var anySummaryLine = regexp.MustCompile(`(?m)^(ok|partial|failed|skipped)\s+\S+\s+[0-9a-f-]{36}\s`)

func TestE2EHealthyFleetUploads(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	devs := []*device{f.addDevice("web01", nil), f.addDevice("web02", nil), f.addDevice("web03", nil)}
	f.writeInventory(invOptions{})
	extra := filepath.Join(f.home, "extra-report.json")

	r := f.run("run", "-i", f.inv, "--report", extra)
	wantExit(t, r, exitOK)
	dir, rep := f.latest()

	if got := f.gw.Uploads(); len(got) != 3 {
		t.Fatalf("gateway accepted %d uploads, want 3", len(got))
	}
	f.checkUploaded(dir, devs...)
	if sp := f.spoolEntries(); sp == nil || len(sp) != 0 {
		t.Errorf("spool after a fully uploaded run: %q (want an existing, empty directory)", sp)
	}
	if f.gw.AuthCount() != 1 {
		t.Errorf("gateway saw %d /auth requests, want 1 (the token is cached)", f.gw.AuthCount())
	}

	tot := rep.Totals
	if tot.Devices != 3 || tot.OK != 3 || tot.Uploaded != 3 || tot.Commands != 9 || tot.CommandsFail != 0 ||
		tot.Failed+tot.Partial+tot.Skipped+tot.UploadPending+tot.UploadFailed+tot.UploadSkipped != 0 {
		t.Errorf("totals: %+v", tot)
	}
	if rep.ExitCode != 0 || rep.Interrupted || !rep.Upload {
		t.Errorf("report: exit_code %d interrupted %v upload %v", rep.ExitCode, rep.Interrupted, rep.Upload)
	}
	var bytesSum int64
	for _, d := range devs {
		dr := rep.device(t, d.name)
		bulk := filepath.Join(dir, d.uuid+".txt")
		if dr.Status != "ok" || dr.AssetUUID != d.uuid || dr.Upload.Status != "uploaded" || dr.Upload.Attempts != 1 ||
			dr.BulkFile != bulk || dr.Transcript != filepath.Join(dir, d.uuid+".json") {
			t.Errorf("%s: %+v", d.name, dr)
		}
		if got := string(readFile(t, bulk)); got != markersBulk(d.name) {
			t.Errorf("%s bulk file:\n%s\nwant:\n%s", d.name, got, markersBulk(d.name))
		}
		if dr.Bytes != int64(len(markersBulk(d.name))) {
			t.Errorf("%s: report bytes %d, want %d", d.name, dr.Bytes, len(markersBulk(d.name)))
		}
		bytesSum += dr.Bytes
		var tr struct {
			Device    string `json:"device"`
			AssetUUID string `json:"asset_uuid"`
			Status    string `json:"status"`
			Commands  []struct {
				Command    string `json:"command"`
				ExitStatus int    `json:"exit_status"`
			} `json:"commands"`
		}
		if err := json.Unmarshal(readFile(t, dr.Transcript), &tr); err != nil {
			t.Fatalf("%s transcript: %v", d.name, err)
		}
		if tr.Device != d.name || tr.AssetUUID != d.uuid || tr.Status != "ok" || len(tr.Commands) != len(baseCommands) {
			t.Errorf("%s transcript: %+v", d.name, tr)
		}
		if st := d.srv.Stats(); st.Logins != 1 || st.Execs != len(baseCommands) || st.MaxConcurrentChannels > 4 {
			t.Errorf("%s saw %+v, want 1 login and %d execs on at most 4 channels", d.name, st, len(baseCommands))
		}
		if !summaryLine("ok", d).MatchString(r.stderr) {
			t.Errorf("no summary line for %s on stderr:\n%s", d.name, r.stderr)
		} else if l := summaryLine("ok", d).FindString(r.stderr); !strings.Contains(l, "3/3 cmds") || !strings.Contains(l, "upload uploaded") {
			t.Errorf("summary line of %s: %q", d.name, l)
		}
	}
	if tot.Bytes != bytesSum {
		t.Errorf("totals bytes %d, want %d", tot.Bytes, bytesSum)
	}
	if n := len(anySummaryLine.FindAllString(r.stderr, -1)); n != 3 {
		t.Errorf("%d device summary lines on stderr, want 3:\n%s", n, r.stderr)
	}
	if !strings.Contains(r.stderr, fmt.Sprintf("run %s: 3 devices: 3 ok, 0 partial, 0 failed, 0 skipped; uploads: 3 uploaded", rep.RunID)) {
		t.Errorf("no totals line on stderr:\n%s", r.stderr)
	}
	if !bytes.Equal(readFile(t, extra), readFile(t, filepath.Join(dir, "report.json"))) {
		t.Errorf("--report %s differs from the run's report.json", extra)
	}
	if st, err := os.Stat(extra); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("--report file: %v, %v", st, err)
	}
	checkTree(t, f.out)
}

func TestE2EMixedFleet(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	good := f.addDevice("good", nil)
	badKey := f.addDevice("badkey", nil)
	otherKey := sshsim.NewHostKey().PublicKey()
	badKey.known = knownhosts.Line([]string{knownhosts.Normalize(badKey.srv.Addr())}, otherKey)
	down := f.addClosedPort("down")
	grep := f.addDevice("grep1", func(c *sshsim.Config) {
		c.Commands[baseCommands[2]] = sshsim.Response{ExitStatus: 1} // grep found nothing
	})
	f.writeInventory(invOptions{})

	r := f.run("run", "-i", f.inv)
	wantExit(t, r, exitFailures)
	dir, rep := f.latest()
	if rep.ExitCode != exitFailures {
		t.Errorf("report exit_code %d, want 1", rep.ExitCode)
	}
	if tot := rep.Totals; tot.Devices != 4 || tot.OK != 2 || tot.Failed != 2 || tot.Uploaded != 2 || tot.UploadSkipped != 2 {
		t.Errorf("totals: %+v", tot)
	}

	bk := rep.device(t, "badkey")
	if bk.Status != "failed" || bk.ErrorClass != "hostkey" || bk.Upload.Status != "skipped" {
		t.Errorf("badkey: %+v", bk)
	}
	for _, want := range []string{badKey.srv.Addr(), ssh.FingerprintSHA256(badKey.srv.HostKey()), ssh.FingerprintSHA256(otherKey)} {
		if !strings.Contains(bk.Error, want) {
			t.Errorf("badkey error %q does not name %s", bk.Error, want)
		}
	}
	if st := badKey.srv.Stats(); st.Logins != 0 || st.AuthFailures != 0 || st.Execs != 0 {
		t.Errorf("badkey: the collector authenticated to a device with the wrong host key: %+v", st)
	}

	dn := rep.device(t, "down")
	if dn.Status != "failed" || dn.ErrorClass != "connect" || dn.Upload.Status != "skipped" ||
		!strings.Contains(dn.Error, fmt.Sprintf("%s:%d", down.host, down.port)) {
		t.Errorf("down: %+v", dn)
	}
	for _, d := range []*device{badKey, down} {
		if _, err := os.Stat(filepath.Join(dir, d.uuid+".txt")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s failed but has a bulk file (%v)", d.name, err)
		}
		if _, err := os.Stat(filepath.Join(dir, d.uuid+".json")); err != nil {
			t.Errorf("%s: the transcript with the error must be written: %v", d.name, err)
		}
		if n := len(f.gw.UploadsFor(d.uuid)); n != 0 {
			t.Errorf("%s failed but %d uploads reached the gateway", d.name, n)
		}
		if !summaryLine("failed", d).MatchString(r.stderr) {
			t.Errorf("no failed summary line for %s:\n%s", d.name, r.stderr)
		}
	}

	gr := rep.device(t, "grep1")
	if gr.Status != "ok" || gr.Commands.NonzeroExit != 1 || gr.Commands.Failed != 0 || gr.Upload.Status != "uploaded" {
		t.Errorf("grep1 (a command exiting 1 is evidence, not failure): %+v", gr)
	}
	if gd := rep.device(t, "good"); gd.Status != "ok" || gd.Upload.Status != "uploaded" || gd.Error != "" {
		t.Errorf("good: %+v", gd)
	}
	f.checkUploaded(dir, good, grep)
	if n := len(f.gw.Uploads()); n != 2 {
		t.Errorf("gateway accepted %d uploads, want 2", n)
	}
	if sp := f.spoolEntries(); len(sp) != 0 {
		t.Errorf("spool: %q, want empty", sp)
	}
	checkTree(t, f.out)
}

// errEnvelope is the gateway's documented error body.
func errEnvelope(code int, message string) string {
	b, _ := json.Marshal(map[string]any{"_error": map[string]any{"code": code, "message": message}})
	return string(b)
}

// spoolMeta reads a spool entry's metadata.
func (f *fixture) spoolMeta(uuid string) (attempts int, lastError string) {
	f.t.Helper()
	var m struct {
		Attempts  int    `json:"attempts"`
		LastError string `json:"last_error"`
	}
	if err := json.Unmarshal(readFile(f.t, filepath.Join(f.out, "spool", uuid+".json")), &m); err != nil {
		f.t.Fatalf("spool metadata of %s: %v", uuid, err)
	}
	return m.Attempts, m.LastError
}

func TestE2EGatewayFaults(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name         string
		fault        fakegateway.Fault
		status       string // the refused asset's upload status
		attempts     int
		class        string
		errContains  string
		faultyStatus int // the status of the faulty answers the gateway sent
	}{
		{
			name:  "400 ERR-2070 is final",
			fault: fakegateway.Status(400, errEnvelope(400, fakegateway.InvalidFileMessage)),
			// Not retried: the file waits in the spool for a person.
			status: "failed", attempts: 1, class: "ERR-2070", errContains: fakegateway.InvalidFileMessage, faultyStatus: 400,
		},
		{
			// Retry-After: 0 keeps the client's five attempts fast (its own backoff would
			// take seconds).
			name:   "persistent 503 is pending",
			fault:  fakegateway.Times(5, fakegateway.Status(503, "").WithHeader("Retry-After", "0")),
			status: "pending", attempts: 5, class: "http_503", errContains: "503", faultyStatus: 503,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ok := f.addDevice("web01", nil)
			bad := f.addDevice("web02", nil)
			f.writeInventory(invOptions{})
			f.gw.Script(bad.uuid, tc.fault)

			r := f.run("run", "-i", f.inv)
			wantExit(t, r, exitFailures)
			dir, rep := f.latest()
			br := rep.device(t, bad.name)
			if br.Status != "ok" || br.Upload.Status != tc.status || br.Upload.Attempts != tc.attempts ||
				br.Upload.ErrorClass != tc.class || !strings.Contains(br.Upload.Error, tc.errContains) {
				t.Errorf("%s: %+v", bad.name, br)
			}
			if or := rep.device(t, ok.name); or.Upload.Status != "uploaded" {
				t.Errorf("%s: %+v", ok.name, or)
			}
			f.checkUploaded(dir, ok)
			if n := len(f.gw.UploadsFor(bad.uuid)); n != 0 {
				t.Fatalf("the gateway accepted %d uploads of the refused asset", n)
			}
			refused := 0
			for _, req := range f.gw.Requests() {
				if strings.Contains(req.Path, bad.uuid) && req.Status == tc.faultyStatus {
					refused++
				}
			}
			if refused != tc.attempts {
				t.Errorf("gateway answered %d %d times, want %d", tc.faultyStatus, refused, tc.attempts)
			}
			if sp := f.spoolEntries(); !slices.Equal(sp, []string{bad.uuid + ".json", bad.uuid + ".txt"}) {
				t.Fatalf("spool: %q, want the refused asset's file and metadata", sp)
			}
			if !bytes.Equal(readFile(t, filepath.Join(f.out, "spool", bad.uuid+".txt")), readFile(t, filepath.Join(dir, bad.uuid+".txt"))) {
				t.Errorf("spooled file differs from the bulk file")
			}
			if n, last := f.spoolMeta(bad.uuid); n != 1 || !strings.Contains(last, tc.errContains) {
				t.Errorf("spool metadata: attempts %d last_error %q", n, last)
			}
			checkTree(t, f.out)

			// The gateway behaves now: the drain sends the file and empties the spool.
			r = f.run("upload", "-i", f.inv, "--pending")
			wantExit(t, r, exitOK)
			if !regexp.MustCompile(`(?m)^uploaded\s+` + bad.uuid + `\s+attempts 1$`).MatchString(r.stdout) {
				t.Errorf("upload --pending stdout:\n%s", r)
			}
			f.checkUploaded(dir, ok, bad)
			if sp := f.spoolEntries(); len(sp) != 0 {
				t.Errorf("spool after the drain: %q", sp)
			}
			checkTree(t, f.out)
		})
	}

	t.Run("expired token mid-run", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		devs := []*device{f.addDevice("web01", nil), f.addDevice("web02", nil), f.addDevice("web03", nil)}
		// One upload at a time, so "the second upload" is well defined: the first goes
		// through, the second finds its token expired.
		f.writeInventory(invOptions{uploadConcurrency: 1})
		f.gw.Script("", fakegateway.OK(), fakegateway.ExpireToken())

		r := f.run("run", "-i", f.inv)
		wantExit(t, r, exitOK)
		dir, rep := f.latest()
		f.checkUploaded(dir, devs...)
		if n := f.gw.AuthCount(); n != 2 {
			t.Errorf("gateway saw %d /auth requests, want 2 (one re-authentication)", n)
		}
		var attempts []int
		for _, d := range rep.Devices {
			if d.Upload.Status != "uploaded" {
				t.Errorf("%s: %+v", d.Name, d)
			}
			attempts = append(attempts, d.Upload.Attempts)
		}
		slices.Sort(attempts)
		if !slices.Equal(attempts, []int{1, 1, 2}) {
			t.Errorf("upload attempts %v, want one device with 2 (the 401 and its retry)", attempts)
		}
		if sp := f.spoolEntries(); len(sp) != 0 {
			t.Errorf("spool: %q", sp)
		}
	})
}

func TestE2EUploadAsset(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	d := f.addDevice("web01", nil)
	f.writeInventory(invOptions{})

	t.Run("not a uuid", func(t *testing.T) {
		file := filepath.Join(f.home, "not-a-uuid.txt")
		writeFile(t, file, []byte("x\n"))
		r := f.run("upload", "-i", f.inv, "--asset", "not-a-uuid", file)
		wantExit(t, r, exitUsage)
		if !strings.Contains(r.stderr, `--asset "not-a-uuid" is not a UUID`) {
			t.Errorf("stderr:\n%s", r.stderr)
		}
		if n := len(f.gw.Requests()); n != 0 {
			t.Errorf("gateway got %d requests", n)
		}
		if _, err := os.Stat(f.out); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("a usage error created the output directory (%v)", err)
		}
	})

	t.Run("empty spool", func(t *testing.T) {
		r := f.run("upload", "-i", f.inv, "--pending")
		wantExit(t, r, exitOK)
		if !strings.Contains(r.stdout, "spool is empty") || len(f.gw.Requests()) != 0 {
			t.Errorf("%s\ngateway requests: %d", r, len(f.gw.Requests()))
		}
	})

	t.Run("happy path", func(t *testing.T) {
		// Any file name: it is sent as <uuid>.txt.
		file := filepath.Join(f.home, "hand-made bulk.txt")
		body := []byte(markersBulk("web01"))
		writeFile(t, file, body)
		r := f.run("upload", "-i", f.inv, "--asset", d.uuid, file)
		wantExit(t, r, exitOK)
		if !regexp.MustCompile(`(?m)^uploaded\s+` + d.uuid + `\s+attempts 1$`).MatchString(r.stdout) {
			t.Errorf("stdout:\n%s", r)
		}
		ups := f.gw.UploadsFor(d.uuid)
		if len(ups) != 1 || !bytes.Equal(ups[0].Body, body) || ups[0].Filename != d.uuid+".txt" {
			t.Fatalf("gateway uploads: %+v", ups)
		}
		if sp := f.spoolEntries(); len(sp) != 0 {
			t.Errorf("spool: %q", sp)
		}
		if st := d.srv.Stats(); st.Connections != 0 {
			t.Errorf("upload contacted the device: %+v", st)
		}
		checkTree(t, f.out)
	})
}

// brokenInventory has three problems: an unknown key, a duplicate device name and an unknown
// credential. The "# dup" comment makes the second web01 findable.
const brokenInventory = `version: 1
output_dir: {{OUT}}
collection:
  connect_timeout: 2s
  retries: 0
ssh:
  known_hosts: {{KH}}
credentials:
  key:
    username: oca
    private_key: {{KEY}}
command_sets:
  base:
    commands: ["uname -a"]
defaults: { platform: linux, credential: key, command_set: base }
devices:
  - name: web01
    host: 127.0.0.1
    port: {{PORT}}
    asset_uuid: 0e2e0000-4a5b-4c6d-8e7f-000000000001
    hots: typo.example
  - name: web01 # dup
    host: 127.0.0.1
    port: {{PORT}}
    asset_uuid: 0e2e0000-4a5b-4c6d-8e7f-000000000002
  - name: web03
    host: 127.0.0.1
    port: {{PORT}}
    asset_uuid: 0e2e0000-4a5b-4c6d-8e7f-000000000003
    credential: nosuch
`

// position returns the 1-based line and column where needle starts in text.
func position(t *testing.T, text, needle string) (int, int) {
	t.Helper()
	i := strings.Index(text, needle)
	if i < 0 {
		t.Fatalf("%q not in the text", needle)
	}
	line := strings.Count(text[:i], "\n") + 1
	col := i - strings.LastIndex(text[:i], "\n")
	return line, col
}

func TestE2EValidate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	d := f.addDevice("web01", nil)
	f.writeInventory(invOptions{})

	r := f.run("validate", "-i", f.inv)
	wantExit(t, r, exitOK)
	if want := f.inv + ": ok: 1 devices, 2 credentials, 2 command sets, 2 groups\n"; r.stdout != want {
		t.Errorf("validate stdout %q, want %q", r.stdout, want)
	}

	broken := filepath.Join(f.home, "broken.yaml")
	text := strings.NewReplacer("{{OUT}}", f.out, "{{KH}}", f.knownHosts, "{{KEY}}", f.keyPath,
		"{{PORT}}", fmt.Sprint(d.port)).Replace(brokenInventory)
	writeFile(t, broken, []byte(text))
	firstLine, _ := position(t, text, "web01\n")
	problems := []struct{ needle, path, message string }{
		{"hots", "devices[0].hots", `unknown key "hots"`},
		{"web01 # dup", "devices[1].name", fmt.Sprintf(`duplicate device name "web01" (first at line %d)`, firstLine)},
		{"nosuch", "devices[2].credential", `unknown credential "nosuch"`},
	}
	for _, args := range [][]string{{"validate", "-i", broken}, {"run", "-i", broken}} {
		r := f.run(args...)
		wantExit(t, r, exitUsage)
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		for _, p := range problems {
			line, col := position(t, text, p.needle)
			prefix := fmt.Sprintf("%s:%d:%d: %s: %s", broken, line, col, p.path, p.message)
			if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, prefix) }) {
				t.Errorf("%s: stderr has no line %q:\n%s", args[0], prefix, r.stderr)
			}
		}
		if want := broken + ": 3 problem(s); nothing was contacted"; lines[len(lines)-1] != want || len(lines) != 4 {
			t.Errorf("%s: stderr should be the 3 problems and %q:\n%s", args[0], want, r.stderr)
		}
	}
	if st := d.srv.Stats(); st.Connections != 0 {
		t.Errorf("an invalid inventory contacted the device: %+v", st)
	}
	if _, err := os.Stat(f.out); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("run with an invalid inventory created the output directory (%v)", err)
	}
}

func TestE2ESelection(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"one device", []string{"--device", "web02"}, []string{"web02"}},
		{"group", []string{"--group", "edge"}, []string{"web02", "web03"}},
		{"device and group", []string{"--device", "web01,web03", "--group", "edge"}, []string{"web01", "web02", "web03"}},
		{"group core", []string{"--group", "core"}, []string{"web01"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.addDevice("web01", nil).groups = []string{"core"}
			f.addDevice("web02", nil).groups = []string{"edge"}
			f.addDevice("web03", nil).groups = []string{"edge"}
			f.addDevice("web04", nil)
			f.writeInventory(invOptions{})
			r := f.run(append([]string{"run", "-i", f.inv, "--no-upload"}, tc.args...)...)
			wantExit(t, r, exitOK)
			_, rep := f.latest()
			if got := rep.names(); !slices.Equal(got, tc.want) {
				t.Errorf("report devices %v, want %v", got, tc.want)
			}
			for _, d := range f.devs {
				st := d.srv.Stats()
				if selected := slices.Contains(tc.want, d.name); selected && st.Logins != 1 {
					t.Errorf("%s selected but saw %+v", d.name, st)
				} else if !selected && st.Connections != 0 {
					t.Errorf("%s not selected but was contacted: %+v", d.name, st)
				}
			}
		})
	}

	t.Run("unknown names", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		d := f.addDevice("web01", nil)
		f.writeInventory(invOptions{})
		for _, args := range [][]string{{"--device", "nosuch", "--device", "web01"}, {"--group", "nosuch"}} {
			r := f.run(append([]string{"run", "-i", f.inv}, args...)...)
			wantExit(t, r, exitUsage)
			if !strings.Contains(r.stderr, `"nosuch"`) {
				t.Errorf("stderr does not name the unknown selection:\n%s", r.stderr)
			}
		}
		if st := d.srv.Stats(); st.Connections != 0 {
			t.Errorf("a bad selection contacted a device: %+v", st)
		}
		if _, err := os.Stat(f.out); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("a bad selection created the output directory (%v)", err)
		}
		if n := len(f.gw.Requests()); n != 0 {
			t.Errorf("a bad selection reached the gateway (%d requests)", n)
		}
	})
}

func TestE2ENoUpload(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	devs := []*device{f.addDevice("web01", nil), f.addDevice("web02", nil)}
	f.writeInventory(invOptions{})

	r := f.run("run", "-i", f.inv, "--no-upload")
	wantExit(t, r, exitOK)
	dir, rep := f.latest()
	if n := len(f.gw.Requests()); n != 0 {
		t.Errorf("--no-upload sent %d requests to the gateway", n)
	}
	if sp := f.spoolEntries(); len(sp) != 0 {
		t.Errorf("--no-upload spooled %q", sp)
	}
	if rep.Upload || rep.Totals.OK != 2 || rep.Totals.UploadSkipped != 2 {
		t.Errorf("report: upload %v totals %+v", rep.Upload, rep.Totals)
	}
	for _, d := range devs {
		dr := rep.device(t, d.name)
		if dr.Status != "ok" || dr.Upload.Status != "skipped" || dr.Upload.Attempts != 0 {
			t.Errorf("%s: %+v", d.name, dr)
		}
		if got := string(readFile(t, filepath.Join(dir, d.uuid+".txt"))); got != markersBulk(d.name) {
			t.Errorf("%s bulk file:\n%s", d.name, got)
		}
		if l := summaryLine("ok", d).FindString(r.stderr); l == "" || strings.Contains(l, "upload") {
			t.Errorf("summary line of %s without upload: %q", d.name, l)
		}
	}
	checkTree(t, f.out)
}

func TestE2ELock(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	d := f.addDevice("web01", nil)
	f.writeInventory(invOptions{})

	lock, err := runlock.Acquire(f.out)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lock.Release() })
	r := f.run("run", "-i", f.inv)
	wantExit(t, r, exitLocked)
	for _, want := range []string{"holds the lock", filepath.Join(f.out, "lock"), fmt.Sprintf("pid %d ", os.Getpid())} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, r.stderr)
		}
	}
	if st := d.srv.Stats(); st.Connections != 0 {
		t.Errorf("a locked-out run contacted the device: %+v", st)
	}
	if _, err := os.Stat(filepath.Join(f.out, "runs")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a locked-out run created runs/ (%v)", err)
	}
	r = f.run("upload", "-i", f.inv, "--pending")
	wantExit(t, r, exitLocked)

	if err := lock.Release(); err != nil {
		t.Fatal(err)
	}
	r = f.run("run", "-i", f.inv)
	wantExit(t, r, exitOK)
	if st := d.srv.Stats(); st.Logins != 1 {
		t.Errorf("device after the lock was released: %+v", st)
	}
	checkTree(t, f.out)
}

func TestE2ESigterm(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hang := f.addDevice("a-hang", nil)
	hang.commandSet = "hang"
	queued := f.addDevice("b-queued", nil)
	f.writeInventory(invOptions{concurrency: 1, commandTimeout: "30s"})

	ctx, cancel := context.WithTimeout(context.Background(), binTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := f.command(ctx, &stdout, &stderr, "run", "-i", f.inv)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cancel()
		<-done
	})

	deadline := time.After(20 * time.Second)
	for hang.srv.Stats().Execs == 0 {
		select {
		case err := <-done:
			done <- err
			t.Fatalf("collector exited before the hanging command started: %s", f.finish(err, &stdout, &stderr))
		case <-deadline:
			t.Fatal("the hanging command never started")
		case <-time.After(10 * time.Millisecond):
		}
	}
	signalled := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var err error
	select {
	case err = <-done:
		done <- err
	case <-time.After(15 * time.Second):
		t.Fatal("collector did not exit within 15s of SIGTERM")
	}
	r := f.finish(err, &stdout, &stderr)
	wantExit(t, r, exitInterrupted)
	if took := time.Since(signalled); took > 5*time.Second {
		t.Errorf("collector took %s to exit after SIGTERM", took)
	}

	_, rep := f.latest()
	if !rep.Interrupted || rep.ExitCode != exitInterrupted {
		t.Errorf("report: interrupted %v exit_code %d", rep.Interrupted, rep.ExitCode)
	}
	if h := rep.device(t, hang.name); h.Status != "failed" || h.ErrorClass != "interrupted" || h.Upload.Status != "skipped" {
		t.Errorf("hanging device: %+v", h)
	}
	// A skipped device ran none of its commands, and the summary must not say otherwise.
	if q := rep.device(t, queued.name); q.Status != "skipped" || q.ErrorClass != "interrupted" || q.Upload.Status != "skipped" ||
		q.Commands.Total != 3 || q.Commands.Failed != 3 {
		t.Errorf("queued device: %+v", q)
	}
	if l := summaryLine("skipped", queued).FindString(r.stderr); !strings.Contains(l, " 0/3 cmds") {
		t.Errorf("summary line of the queued device: %q", l)
	}
	if l := summaryLine("failed", hang).FindString(r.stderr); !strings.Contains(l, " 0/1 cmds") {
		t.Errorf("summary line of the hanging device: %q", l)
	}
	if st := queued.srv.Stats(); st.Connections != 0 {
		t.Errorf("the queued device was contacted after SIGTERM: %+v", st)
	}
	if n := len(f.gw.Uploads()); n != 0 {
		t.Errorf("an interrupted run uploaded %d files", n)
	}
	if sp := f.spoolEntries(); len(sp) != 0 {
		t.Errorf("spool: %q", sp)
	}
	if !strings.Contains(r.stderr, "interrupted") {
		t.Errorf("stderr does not mention the interruption:\n%s", r.stderr)
	}
	checkTree(t, f.out)
}

func TestE2ERender(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	devs := []*device{f.addDevice("web01", nil), f.addDevice("web02", nil)}
	f.writeInventory(invOptions{})
	r := f.run("run", "-i", f.inv, "--no-upload")
	wantExit(t, r, exitOK)
	dir, _ := f.latest()
	transcripts := map[string][]byte{}
	for _, d := range devs {
		if got := string(readFile(t, filepath.Join(dir, d.uuid+".txt"))); got != markersBulk(d.name) {
			t.Fatalf("%s markers bulk file:\n%s", d.name, got)
		}
		transcripts[d.uuid] = readFile(t, filepath.Join(dir, d.uuid+".json"))
	}

	f.writeInventory(invOptions{framing: "session"})
	r = f.run("render", "-i", f.inv, dir)
	wantExit(t, r, exitOK)
	for _, d := range devs {
		bulk := filepath.Join(dir, d.uuid+".txt")
		if got := string(readFile(t, bulk)); got != sessionBulk(d.name) {
			t.Errorf("%s re-rendered bulk file:\n%s\nwant:\n%s", d.name, got, sessionBulk(d.name))
		}
		if !bytes.Equal(readFile(t, filepath.Join(dir, d.uuid+".json")), transcripts[d.uuid]) {
			t.Errorf("%s: render changed the transcript", d.name)
		}
		if !strings.Contains(r.stdout, fmt.Sprintf("%s  %d bytes  (%s, session)", bulk, len(sessionBulk(d.name)), d.name)) {
			t.Errorf("render stdout does not list %s:\n%s", bulk, r.stdout)
		}
		if st := d.srv.Stats(); st.Logins != 1 {
			t.Errorf("render contacted %s: %+v", d.name, st)
		}
	}
	checkTree(t, f.out)
}

func TestE2ESecretsStayOut(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	pw1 := f.addDevice("pw1", nil)
	pw1.credential = "pw"
	echo := f.addDevice("echo", nil)
	echo.credential = "pw"
	wrong := f.addDevice("wrongpw", func(c *sshsim.Config) {
		c.Users = map[string]sshsim.User{simUser: {Password: "another-password"}}
	})
	wrong.credential = "pw"
	f.writeInventory(invOptions{})
	// A gateway that echoes the request, secret included, into its error message; both runs
	// get it, so the spool keeps the file and the message.
	echoed := "ERR-2070 - bad request: username=" + qualysUser + "&password=" + f.qualysPW
	f.gw.Script(echo.uuid, fakegateway.Times(2, fakegateway.Status(400, errEnvelope(400, echoed))))

	secrets := map[string]string{"device password": f.devicePW, "Qualys password": f.qualysPW}
	checkOutput := func(r result) {
		t.Helper()
		for name, s := range secrets {
			if strings.Contains(r.stdout, s) || strings.Contains(r.stderr, s) {
				t.Errorf("the %s appears in the output:\n%s", name, r)
			}
		}
	}
	checkFiles := func() int {
		t.Helper()
		return checkNoSecretsInTree(t, f.out, secrets)
	}

	for _, format := range []string{"json", "text"} {
		r := f.run("run", "-i", f.inv, "--log-format", format, "-v")
		wantExit(t, r, exitFailures)
		checkOutput(r)
		logLine := map[string]string{"json": `{"time":`, "text": "time="}[format]
		if !strings.Contains(r.stderr, logLine) {
			t.Errorf("--log-format %s not applied:\n%s", format, r.stderr)
		}
	}
	// Two runs of 3 transcripts, 2 bulk files and a report, the lock, the spooled file and its
	// metadata (which holds the gateway's message).
	if n := checkFiles(); n != 2*(3+2+1)+1+2 {
		t.Errorf("walked %d files under %s, want 15", n, f.out)
	}
	_, rep := f.latest()
	if e := rep.device(t, echo.name); e.Upload.Status != "failed" || !strings.Contains(e.Upload.Error, "ERR-2070 - bad request") {
		t.Errorf("echo: %+v", e)
	}
	if _, last := f.spoolMeta(echo.uuid); !strings.Contains(last, "ERR-2070 - bad request") {
		t.Errorf("spool metadata last_error %q", last)
	}
	if w := rep.device(t, wrong.name); w.Status != "failed" || w.ErrorClass != "auth" {
		t.Errorf("wrongpw: %+v", w)
	}

	r := f.run("upload", "-i", f.inv, "--pending", "--log-format", "json")
	wantExit(t, r, exitOK)
	checkOutput(r)
	checkFiles()

	// The secrets were really used: password logins, refused wrong ones, an accepted token.
	if st := pw1.srv.Stats(); st.Logins != 2 {
		t.Errorf("pw1 saw %+v, want 2 password logins", st)
	}
	if st := wrong.srv.Stats(); st.Logins != 0 || st.AuthFailures == 0 {
		t.Errorf("wrongpw saw %+v, want refused logins", st)
	}
	if f.gw.AuthCount() == 0 || len(f.gw.UploadsFor(pw1.uuid)) != 2 || len(f.gw.UploadsFor(echo.uuid)) != 1 {
		t.Errorf("gateway: %d auths, %d uploads", f.gw.AuthCount(), len(f.gw.Uploads()))
	}
	checkTree(t, f.out)
}

func TestE2ECommandLine(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cases := []struct {
		args   []string
		code   int
		stdout string // exact, when not ""
		stderr string // substring, when not ""
	}{
		{args: []string{"version"}, code: exitOK, stdout: "collector e2e-test\n"},
		{args: []string{"frobnicate"}, code: exitUsage, stderr: `unknown command "frobnicate"`},
		{args: nil, code: exitUsage, stderr: "Usage:"},
		{args: []string{"run"}, code: exitUsage, stderr: "-i INVENTORY is required"},
		{args: []string{"run", "-i", filepath.Join(f.home, "missing.yaml")}, code: exitUsage, stderr: "missing.yaml"},
	}
	for _, tc := range cases {
		r := f.run(tc.args...)
		if r.code != tc.code || (tc.stdout != "" && r.stdout != tc.stdout) || !strings.Contains(r.stderr, tc.stderr) {
			t.Errorf("collector %q: %s", tc.args, r)
		}
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func splitAddr(t *testing.T, addr string) (string, int) {
	t.Helper()
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return host, port
}

// A file refused by the API waits in the spool; re-rendering its run must replace the spooled
// copy, so the next "upload --pending" sends the corrected framing. The spooled file is found
// through its metadata, or without it (a crash before the failure was recorded) as a hard link
// to the run's file.
func TestE2ERenderRestagesSpooledFile(t *testing.T) {
	t.Parallel()
	for _, meta := range []bool{true, false} {
		t.Run(fmt.Sprintf("metadata=%v", meta), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			d := f.addDevice("web01", nil)
			f.writeInventory(invOptions{})
			f.gw.Script(d.uuid, fakegateway.Status(400, errEnvelope(400, fakegateway.InvalidFileMessage)))
			r := f.run("run", "-i", f.inv)
			wantExit(t, r, exitFailures)
			dir, _ := f.latest()
			spooled := filepath.Join(f.out, "spool", d.uuid+".txt")
			if got := string(readFile(t, spooled)); got != markersBulk(d.name) {
				t.Fatalf("spooled file:\n%s", got)
			}
			if !meta {
				if err := os.Remove(filepath.Join(f.out, "spool", d.uuid+".json")); err != nil {
					t.Fatal(err)
				}
			}

			f.writeInventory(invOptions{framing: "session"})
			r = f.run("render", "-i", f.inv, dir)
			wantExit(t, r, exitOK)
			if got := string(readFile(t, spooled)); got != sessionBulk(d.name) {
				t.Errorf("spooled file after render:\n%s\nwant:\n%s", got, sessionBulk(d.name))
			}
			if !strings.Contains(r.stdout, "replaced the copy waiting in the spool") {
				t.Errorf("render stdout: %s", r.stdout)
			}
			r = f.run("upload", "-i", f.inv, "--pending")
			wantExit(t, r, exitOK)
			ups := f.gw.UploadsFor(d.uuid)
			if len(ups) != 1 || string(ups[0].Body) != sessionBulk(d.name) {
				t.Errorf("the gateway got %d uploads; last body should be the session framing", len(ups))
			}
			checkTree(t, f.out)
		})
	}
}

// checkNoSecretsInTree fails for every regular file under root that holds one of the secrets
// (name -> value) and returns how many files it read, so callers can check the walk saw them all.
func checkNoSecretsInTree(t *testing.T, root string, secrets map[string]string) int {
	t.Helper()
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		files++
		data := readFile(t, path)
		for name, s := range secrets {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("the %s appears in %s", name, path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
