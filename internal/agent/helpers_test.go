package agent

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/oca-collector/collector/collector"
	"github.com/oca-collector/collector/devices"
	"github.com/oca-collector/collector/internal/fakegateway"
	"github.com/oca-collector/collector/internal/sshsim"
)

const (
	simUser    = "oca"
	qualysUser = "oca-agent-test"
	command    = "uname -a"
	waitLimit  = 20 * time.Second // what any poll in these tests waits at most
)

// world is one test's surroundings: simulated devices, a fake gateway, and the inventory,
// key, known_hosts, token and password files in a temporary directory.
type world struct {
	t          *testing.T
	dir        string
	inv        string
	out        string
	tokenFile  string
	token      string
	keyPath    string
	knownHosts string
	signer     ssh.Signer
	gw         *fakegateway.Gateway
	devs       []*simDevice
	logs       *syncBuffer
}

type simDevice struct {
	name, uuid string
	groups     []string
	srv        *sshsim.Server
}

func newWorld(t *testing.T) *world {
	t.Helper()
	dir := t.TempDir()
	signer, pem, err := sshsim.GenerateUserKey()
	if err != nil {
		t.Fatal(err)
	}
	qualysPW := "qualys-" + rand.Text()
	w := &world{
		t: t, dir: dir, inv: filepath.Join(dir, "inventory.yaml"), out: filepath.Join(dir, "out"),
		tokenFile: filepath.Join(dir, "token"), token: "tok-" + rand.Text(),
		keyPath: filepath.Join(dir, "id_ed25519"), knownHosts: filepath.Join(dir, "known_hosts"),
		signer: signer, logs: &syncBuffer{},
	}
	writeFile(t, w.keyPath, pem)
	writeFile(t, w.tokenFile, []byte(w.token+"\n"))
	writeFile(t, filepath.Join(dir, "qualys-password"), []byte(qualysPW))
	w.gw = fakegateway.New(t, fakegateway.WithCredentials(qualysUser, qualysPW))
	return w
}

// addDevice starts a device answering the command with "Linux <name>"; a hanging device
// never answers it (until the collector gives up or the test ends).
func (w *world) addDevice(name string, hang bool, groups ...string) *simDevice {
	w.t.Helper()
	resp := sshsim.Stdout("Linux " + name + "\n")
	if hang {
		resp = sshsim.Response{Hang: true}
	}
	srv := sshsim.New(w.t, sshsim.Config{
		Users:    map[string]sshsim.User{simUser: {AuthorizedKeys: []ssh.PublicKey{w.signer.PublicKey()}}},
		Commands: map[string]sshsim.Response{command: resp},
	})
	d := &simDevice{name: name, uuid: fmt.Sprintf("0a9e0000-4a5b-4c6d-8e7f-%012x", len(w.devs)+1), groups: groups, srv: srv}
	w.devs = append(w.devs, d)
	return d
}

// invOpts vary the inventory.
type invOpts struct {
	agent          string // the agent section's lines (indented two spaces); "" means a socket
	commandTimeout string // default 30s
	outputDir      string // default w.out
	extraTop       string // raw top-level YAML appended
}

// writeInventory writes the inventory and known_hosts for the world's devices.
func (w *world) writeInventory(o invOpts) {
	w.t.Helper()
	if o.commandTimeout == "" {
		o.commandTimeout = "30s"
	}
	if o.outputDir == "" {
		o.outputDir = w.out
	}
	if o.agent == "" {
		o.agent = fmt.Sprintf("  socket: %s\n", w.socket())
	}
	var b strings.Builder
	fmt.Fprintf(&b, "version: 1\noutput_dir: %s\n", o.outputDir)
	fmt.Fprintf(&b, "collection:\n  concurrency: 4\n  connect_timeout: 5s\n  command_timeout: %s\n  retries: 0\n", o.commandTimeout)
	fmt.Fprintf(&b, "upload:\n  gateway: %s\n  username: %s\n  password_file: %s\n  timeout: 10s\n",
		w.gw.URL, qualysUser, filepath.Join(w.dir, "qualys-password"))
	fmt.Fprintf(&b, "ssh:\n  known_hosts: %s\n", w.knownHosts)
	fmt.Fprintf(&b, "credentials:\n  key:\n    username: %s\n    private_key: %s\n", simUser, w.keyPath)
	fmt.Fprintf(&b, "command_sets:\n  base:\n    commands: [%q]\n", command)
	// The simulator has no shell: one channel per command.
	b.WriteString("defaults: { credential: key, command_set: base, batch: false }\n")
	b.WriteString("groups:\n  core: {}\n  edge: {}\n")
	fmt.Fprintf(&b, "agent:\n  token_file: %s\n%s", w.tokenFile, o.agent)
	b.WriteString("devices:\n")
	var known strings.Builder
	for _, d := range w.devs {
		fmt.Fprintf(&b, "  - name: %s\n    host: %s\n    port: %d\n    asset_uuid: %s\n", d.name, d.srv.Host(), d.srv.Port(), d.uuid)
		if len(d.groups) > 0 {
			fmt.Fprintf(&b, "    groups: [%s]\n", strings.Join(d.groups, ", "))
		}
		known.WriteString(d.srv.KnownHostsLine() + "\n")
	}
	b.WriteString(o.extraTop)
	writeFile(w.t, w.inv, []byte(b.String()))
	writeFile(w.t, w.knownHosts, []byte(known.String()))
}

// socket is the API socket's path: short, because sun_path holds 108 bytes.
func (w *world) socket() string { return filepath.Join(w.dir, "agent.sock") }

func (w *world) load() *devices.Inventory {
	w.t.Helper()
	inv, err := devices.Load(w.inv)
	if err != nil {
		w.t.Fatalf("inventory: %v", err)
	}
	return inv
}

// testAgent is a running agent and a client for its API.
type testAgent struct {
	*Agent
	w      *world
	client *http.Client
	base   string
	cancel context.CancelFunc
	done   chan error
}

// start creates the agent for the world's inventory and runs it until the test ends (or
// stop); the cleanup checks that Run returned nil promptly.
func (w *world) start() *testAgent {
	w.t.Helper()
	a, err := New(w.load(), Config{Log: slog.New(slog.NewTextHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		ShutdownTimeout: 10 * time.Second})
	if err != nil {
		w.t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ta := &testAgent{Agent: a, w: w, cancel: cancel, done: make(chan error, 1)}
	go func() { ta.done <- a.Run(ctx) }()
	ta.client, ta.base = clientFor(a.Addr())
	w.t.Cleanup(func() {
		if err := ta.stop(); err != nil {
			w.t.Errorf("Run: %v", err)
		}
		if strings.Contains(w.logs.String(), w.token) {
			w.t.Errorf("the API token is in the agent's log")
		}
	})
	return ta
}

// stop cancels the agent and waits for Run (at most waitLimit).
func (ta *testAgent) stop() error {
	ta.cancel()
	select {
	case err := <-ta.done:
		ta.done <- err // a second stop gets the same answer
		return err
	case <-time.After(waitLimit):
		return fmt.Errorf("Run did not return within %s of the cancel", waitLimit)
	}
}

// clientFor returns an HTTP client and base URL for the agent's address.
func clientFor(addr net.Addr) (*http.Client, string) {
	if addr.Network() == "unix" {
		path := addr.String()
		tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		}}
		return &http.Client{Transport: tr, Timeout: waitLimit}, "http://agent"
	}
	return &http.Client{Transport: &http.Transport{}, Timeout: waitLimit}, "http://" + addr.String()
}

// call makes a request with the world's token and decodes a JSON answer into out (if not nil).
func (ta *testAgent) call(method, path, body string, out any) int {
	ta.w.t.Helper()
	return ta.callWith(ta.w.token, method, path, body, out)
}

func (ta *testAgent) callWith(token, method, path, body string, out any) int {
	ta.w.t.Helper()
	code, data := ta.raw(token, method, path, body)
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			ta.w.t.Fatalf("%s %s: %d %v\n%s", method, path, code, err, data)
		}
	}
	return code
}

func (ta *testAgent) raw(token, method, path, body string) (int, []byte) {
	ta.w.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, ta.base+path, rd)
	if err != nil {
		ta.w.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := ta.client.Do(req)
	if err != nil {
		ta.w.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		ta.w.t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp.StatusCode, data
}

// waitRun polls GET /v1/runs/{id} until the run is no longer running.
func (ta *testAgent) waitRun(id string) RunView {
	ta.w.t.Helper()
	var v RunView
	poll(ta.w.t, "run "+id+" to finish", func() bool {
		if code := ta.call("GET", "/v1/runs/"+id, "", &v); code != http.StatusOK {
			ta.w.t.Fatalf("GET /v1/runs/%s: %d", id, code)
		}
		return v.Status != StatusRunning
	})
	return v
}

// poll calls cond until it is true, failing the test after waitLimit.
func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s after %s", what, waitLimit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// deviceOf returns the report entry of name.
func deviceOf(t *testing.T, v RunView, name string) collector.DeviceReport {
	t.Helper()
	if v.Report == nil {
		t.Fatalf("run %s has no report: %+v", v.RunID, v)
	}
	for _, d := range v.Report.Devices {
		if d.Name == name {
			return d
		}
	}
	t.Fatalf("run %s has no device %s", v.RunID, name)
	return collector.DeviceReport{}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o600); err != nil { // WriteFile keeps an existing file's mode
		t.Fatal(err)
	}
}

// syncBuffer is a log sink the agent's goroutines share with the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
