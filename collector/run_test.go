package collector

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/oca-collector/collector/devices"
	"github.com/oca-collector/collector/internal/sshsim"
)

func TestRunCollectsInCommandOrderWithExitStatusAndStderr(t *testing.T) {
	f := newFleet(t)
	srv, dev := f.device("web01", sshsim.Config{Commands: map[string]sshsim.Response{
		// The first command is the slowest, so channels finish out of order.
		"uname -a":                 {Output: []sshsim.Chunk{{Data: "Linux web01 6.1.0\n", Delay: 150 * time.Millisecond}}},
		"cat /etc/os-release":      sshsim.Stdout("ID=debian\r\nVERSION_ID=\"12\"\r\n"),
		"grep -c nope /etc/passwd": {Output: []sshsim.Chunk{{Data: "0\n"}}, ExitStatus: 1},
		"ls /missing":              {Output: []sshsim.Chunk{{Stderr: true, Data: "ls: cannot access '/missing': No such file or directory\n"}}, ExitStatus: 2},
	}}, "uname -a", "cat /etc/os-release", "grep -c nope /etc/passwd", "ls /missing")
	up := &recordingUploader{}
	base := runtime.NumGoroutine()
	r, res := f.run(context.Background(), WithUploader(up, 2))
	checkNoLeaks(t, base)

	got := res[0]
	if got.Status != StatusOK || got.Err != nil {
		t.Fatalf("status %s, err %v", got.Status, got.Err)
	}
	if got.Commands != 4 || got.Failed != 0 || got.NonzeroExit != 2 {
		t.Errorf("counts: commands %d failed %d nonzero %d", got.Commands, got.Failed, got.NonzeroExit)
	}
	want := "### BEGIN COMMAND: uname -a\nLinux web01 6.1.0\n### END COMMAND: uname -a\n" +
		"### BEGIN COMMAND: cat /etc/os-release\nID=debian\nVERSION_ID=\"12\"\n### END COMMAND: cat /etc/os-release\n" +
		"### BEGIN COMMAND: grep -c nope /etc/passwd\n0\n### END COMMAND: grep -c nope /etc/passwd\n" +
		"### BEGIN COMMAND: ls /missing\nls: cannot access '/missing': No such file or directory\n### END COMMAND: ls /missing\n"
	bulk := readFile(t, got.BulkFile)
	if bulk != want {
		t.Errorf("bulk file:\n%s\nwant:\n%s", bulk, want)
	}
	if got.BulkFile != filepath.Join(r.RunDir(), dev.AssetUUID+".txt") || got.Bytes != int64(len(want)) {
		t.Errorf("bulk file %s (%d bytes)", got.BulkFile, got.Bytes)
	}
	tr, err := ReadTranscript(got.TranscriptFile)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Commands[1].ExitStatus != 0 || tr.Commands[2].ExitStatus != 1 || tr.Commands[3].ExitStatus != 2 {
		t.Errorf("exit statuses: %+v", tr.Commands)
	}
	if string(tr.Commands[1].Output) != "ID=debian\r\nVERSION_ID=\"12\"\r\n" {
		t.Errorf("transcript must keep raw output, got %q", tr.Commands[1].Output)
	}
	if tr.Commands[3].Stderr == 0 {
		t.Errorf("stderr bytes not counted")
	}
	if up.staged[dev.AssetUUID] != want || len(up.sent) != 1 || got.Upload.Status != UploadUploaded {
		t.Errorf("upload: staged %q sent %v result %+v", up.staged[dev.AssetUUID], up.sent, got.Upload)
	}
	if st := srv.Stats(); st.Logins != 1 || st.Execs != 4 {
		t.Errorf("one login and one exec per command expected, got %+v", st)
	}
	link, err := os.Readlink(filepath.Join(f.inv.OutputDir, "runs", "latest"))
	if err != nil || link != r.RunID() {
		t.Errorf("runs/latest -> %q (%v), want %q", link, err, r.RunID())
	}
	for _, p := range []string{r.RunDir(), got.BulkFile, got.TranscriptFile} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %o; want no group/other access", p, st.Mode().Perm())
		}
	}
}

func TestMaxSessionsPipelinesChannels(t *testing.T) {
	f := newFleet(t)
	cmds := map[string]sshsim.Response{}
	var names []string
	for i := range 12 {
		c := "cmd" + string(rune('a'+i))
		cmds[c] = sshsim.Response{Output: []sshsim.Chunk{{Data: c + "\n", Delay: 40 * time.Millisecond}}}
		names = append(names, c)
	}
	srv, dev := f.device("sw", sshsim.Config{Commands: cmds}, names...)
	dev.MaxSessions = 3
	_, res := f.run(context.Background())
	if res[0].Status != StatusOK {
		t.Fatalf("status %s: %v", res[0].Status, res[0].Err)
	}
	// With at most 3 of the 12 40 ms commands in flight, the device needs at least 4 rounds:
	// finishing sooner would mean more than max_sessions channels ran at once. (The simulator's
	// own channel count trails the client's closes, so it can only show that several ran.)
	if res[0].Duration < 4*40*time.Millisecond {
		t.Errorf("12 commands of 40 ms took %s with max_sessions 3: more than 3 ran at once", res[0].Duration)
	}
	if st := srv.Stats(); st.MaxConcurrentChannels < 2 || st.Logins != 1 {
		t.Errorf("channels were not pipelined on one connection: %+v", st)
	}
	bulk := readFile(t, res[0].BulkFile)
	for i, c := range names {
		if !strings.Contains(bulk, "### BEGIN COMMAND: "+c+"\n"+c+"\n") {
			t.Errorf("command %d (%s) missing from bulk file", i, c)
		}
		if i > 0 && strings.Index(bulk, "BEGIN COMMAND: "+c+"\n") < strings.Index(bulk, "BEGIN COMMAND: "+names[i-1]+"\n") {
			t.Errorf("command %s out of order", c)
		}
	}
}

func TestAuthMethods(t *testing.T) {
	sock := startAgent(t)
	for _, tc := range []struct {
		name   string
		cred   func(f *fleet) devices.Credential
		status string
		class  string
	}{
		{"key", func(f *fleet) devices.Credential {
			return devices.Credential{Name: "k", Username: testUser, PrivateKey: f.keyPath}
		}, StatusOK, ""},
		{"password", func(*fleet) devices.Credential {
			return devices.Credential{Name: "p", Username: testUser, PasswordEnv: "OCA_TEST_PASSWORD"}
		}, StatusOK, ""},
		{"agent", func(f *fleet) devices.Credential {
			addToAgent(t, sock, f)
			return devices.Credential{Name: "a", Username: testUser, Agent: true}
		}, StatusOK, ""},
		{"wrong password", func(*fleet) devices.Credential {
			t.Setenv("OCA_WRONG", "nope")
			return devices.Credential{Name: "w", Username: testUser, PasswordEnv: "OCA_WRONG"}
		}, StatusFailed, "auth"},
		{"unset variable", func(*fleet) devices.Credential {
			return devices.Credential{Name: "u", Username: testUser, PasswordEnv: "OCA_DEFINITELY_UNSET_VAR"}
		}, StatusFailed, "credential"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFleet(t)
			t.Setenv("SSH_AUTH_SOCK", sock)
			srv, dev := f.device("d", sshsim.Config{Commands: map[string]sshsim.Response{"id": sshsim.Stdout("uid=1000(oca)\n")}}, "id")
			dev.Credential = tc.cred(f)
			_, res := f.run(context.Background())
			if res[0].Status != tc.status || ErrorClass(res[0].Err) != tc.class {
				t.Fatalf("status %s class %q err %v; want %s %q", res[0].Status, ErrorClass(res[0].Err), res[0].Err, tc.status, tc.class)
			}
			if tc.status == StatusFailed {
				if res[0].BulkFile != "" {
					t.Errorf("failed device has a bulk file")
				}
				if strings.Contains(res[0].Err.Error(), "nope") {
					t.Errorf("error leaks the password: %v", res[0].Err)
				}
			}
			if tc.class == "credential" {
				if !strings.Contains(res[0].Err.Error(), "OCA_DEFINITELY_UNSET_VAR") {
					t.Errorf("error does not name the variable: %v", res[0].Err)
				}
				if srv.Stats().Connections != 0 {
					t.Errorf("device contacted although the credential was unusable")
				}
			}
			if tc.class == "auth" && res[0].Attempts != 1 {
				t.Errorf("auth failure retried: %d attempts", res[0].Attempts)
			}
		})
	}
}

func startAgent(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "agent")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	sock := filepath.Join(dir, "s")
	l, err := netListenUnix(sock)
	if err != nil {
		t.Fatal(err)
	}
	kr := agent.NewKeyring()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { _ = agent.ServeAgent(kr, c); _ = c.Close() }()
		}
	}()
	t.Cleanup(func() { _ = l.Close(); <-done })
	agents[sock] = kr
	return sock
}

var agents = map[string]agent.Agent{}

func addToAgent(t *testing.T, sock string, f *fleet) {
	t.Helper()
	pem, err := os.ReadFile(f.keyPath)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := ssh.ParseRawPrivateKey(pem)
	if err != nil {
		t.Fatal(err)
	}
	if err := agents[sock].Add(agent.AddedKey{PrivateKey: raw}); err != nil {
		t.Fatal(err)
	}
}

func TestHostKeyPolicies(t *testing.T) {
	t.Run("changed key fails naming host and fingerprint", func(t *testing.T) {
		f := newFleet(t)
		srv, _ := f.device("d", sshsim.Config{Commands: map[string]sshsim.Response{"id": sshsim.Stdout("x\n")}}, "id")
		// Replace the recorded key with another one for the same address.
		other := sshsim.NewHostKey()
		line := strings.Replace(srv.KnownHostsLine(), strings.Fields(srv.KnownHostsLine())[2],
			strings.Fields(string(ssh.MarshalAuthorizedKey(other.PublicKey())))[1], 1)
		if err := os.WriteFile(f.knownHosts, []byte(line+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		up := &recordingUploader{}
		_, res := f.run(context.Background(), WithUploader(up, 1))
		if res[0].Status != StatusFailed || !errors.Is(res[0].Err, ErrHostKey) {
			t.Fatalf("status %s err %v", res[0].Status, res[0].Err)
		}
		msg := res[0].Err.Error()
		for _, want := range []string{srv.Addr(), ssh.FingerprintSHA256(srv.HostKey()), "CHANGED"} {
			if !strings.Contains(msg, want) {
				t.Errorf("error %q does not contain %q", msg, want)
			}
		}
		if len(up.staged) != 0 || res[0].BulkFile != "" || res[0].Attempts != 1 {
			t.Errorf("a host key failure must produce nothing to upload and no retry: %+v", res[0])
		}
	})
	t.Run("unknown key under strict", func(t *testing.T) {
		f := newFleet(t)
		f.device("d", sshsim.Config{}, "id")
		_ = os.WriteFile(f.knownHosts, nil, 0o600)
		_, res := f.run(context.Background())
		if !errors.Is(res[0].Err, ErrHostKey) || !strings.Contains(res[0].Err.Error(), "not known") {
			t.Fatalf("err %v", res[0].Err)
		}
	})
	t.Run("accept-new records many new devices at once", func(t *testing.T) {
		f := newFleet(t)
		var srvs []*sshsim.Server
		for i := range 12 {
			srv, dev := f.device("d"+string(rune('a'+i)), sshsim.Config{Commands: map[string]sshsim.Response{"id": sshsim.Stdout("x\n")}}, "id")
			dev.SSH = devices.SSH{KnownHosts: filepath.Join(f.dir, "new", "known_hosts"), HostKeyPolicy: devices.HostKeyAcceptNew}
			srvs = append(srvs, srv)
		}
		_, res := f.run(context.Background())
		for _, r := range res {
			if r.Status != StatusOK {
				t.Fatalf("%s: %s %v", r.Device.Name, r.Status, r.Err)
			}
		}
		data := readFile(t, filepath.Join(f.dir, "new", "known_hosts"))
		lines := strings.Split(strings.TrimSpace(data), "\n")
		if len(lines) != len(srvs) {
			t.Fatalf("known_hosts has %d lines, want %d:\n%s", len(lines), len(srvs), data)
		}
		for _, srv := range srvs {
			if !strings.Contains(data, srv.KnownHostsLine()) {
				t.Errorf("known_hosts lacks %s", srv.KnownHostsLine())
			}
		}
		// A second run now verifies against the recorded keys, strictly.
		for i := range f.inv.Devices {
			f.inv.Devices[i].SSH.HostKeyPolicy = devices.HostKeyStrict
		}
		_, res = f.run(context.Background())
		for _, r := range res {
			if r.Status != StatusOK {
				t.Fatalf("second run %s: %s %v", r.Device.Name, r.Status, r.Err)
			}
		}
	})
	t.Run("insecure is allowed when named", func(t *testing.T) {
		f := newFleet(t)
		_, dev := f.device("d", sshsim.Config{Commands: map[string]sshsim.Response{"id": sshsim.Stdout("x\n")}}, "id")
		_ = os.WriteFile(f.knownHosts, nil, 0o600)
		dev.SSH.HostKeyPolicy = devices.HostKeyInsecure
		_, res := f.run(context.Background())
		if res[0].Status != StatusOK {
			t.Fatalf("%s %v", res[0].Status, res[0].Err)
		}
	})
}

func TestConnectionFailures(t *testing.T) {
	f := newFleet(t)
	f.inv.Collection.ConnectTimeout = 300 * time.Millisecond
	f.inv.Collection.Retries = 2
	f.addr("tarpit", sshsim.Tarpit(t), "id")
	f.addr("refused", sshsim.ClosedPort(t), "id")
	_, ok := f.device("ok", sshsim.Config{Commands: map[string]sshsim.Response{"id": sshsim.Stdout("x\n")}}, "id")
	_ = ok
	start := time.Now()
	_, res := f.run(context.Background())
	elapsed := time.Since(start)
	if res[0].Status != StatusFailed || !errors.Is(res[0].Err, ErrTimeout) || res[0].Attempts != 3 {
		t.Errorf("tarpit: %s attempts %d err %v", res[0].Status, res[0].Attempts, res[0].Err)
	}
	if res[1].Status != StatusFailed || !errors.Is(res[1].Err, ErrConnect) || res[1].Attempts != 3 {
		t.Errorf("refused: %s attempts %d err %v", res[1].Status, res[1].Attempts, res[1].Err)
	}
	if res[2].Status != StatusOK {
		t.Errorf("healthy device: %s %v", res[2].Status, res[2].Err)
	}
	// 3 attempts x 300ms connect timeout + retry pauses (<= 0.5+1+1 s... capped): well under 10 s.
	if elapsed > 8*time.Second {
		t.Errorf("run took %s: a tarpit must not hold the run", elapsed)
	}
}

func TestCommandFaults(t *testing.T) {
	f := newFleet(t)
	f.inv.Collection.CommandTimeout = 300 * time.Millisecond
	f.inv.Collection.MaxOutputBytes = 1000
	_, hang := f.device("hang", sshsim.Config{Commands: map[string]sshsim.Response{
		"ok":   sshsim.Stdout("fine\n"),
		"hang": {Output: []sshsim.Chunk{{Data: "partial line"}}, Hang: true},
	}}, "ok", "hang")
	_, flood := f.device("flood", sshsim.Config{Commands: map[string]sshsim.Response{
		"ok":    sshsim.Stdout("fine\n"),
		"flood": {Output: []sshsim.Chunk{{Data: strings.Repeat("x", 5000)}}, Hang: true},
	}}, "ok", "flood")
	_, drop := f.device("drop", sshsim.Config{MaxSessions: 1, Commands: map[string]sshsim.Response{
		"ok":   sshsim.Stdout("fine\n"),
		"drop": {Output: []sshsim.Chunk{{Data: strings.Repeat("y", 100)}}, DisconnectAfter: 50},
	}}, "ok", "drop")
	drop.MaxSessions = 1
	up := &recordingUploader{}
	_, res := f.run(context.Background(), WithUploader(up, 1))

	check := func(r DeviceResult, dev *devices.Device, class error, text string) {
		t.Helper()
		if r.Status != StatusPartial || r.Failed != 1 || !errors.Is(r.Err, class) || !strings.Contains(r.Err.Error(), text) {
			t.Errorf("%s: status %s failed %d err %v", dev.Name, r.Status, r.Failed, r.Err)
		}
		if _, staged := up.staged[dev.AssetUUID]; staged {
			t.Errorf("%s: partial device uploaded without upload_partial", dev.Name)
		}
		bulk := readFile(t, r.BulkFile)
		if !strings.Contains(bulk, "### BEGIN COMMAND: ok\nfine\n") || strings.Count(bulk, "BEGIN COMMAND") != 1 {
			t.Errorf("%s: bulk file must hold only the completed command:\n%s", dev.Name, bulk)
		}
	}
	check(res[0], hang, ErrTimeout, "command timeout after 300ms")
	check(res[1], flood, ErrOutputLimit, "output exceeds")
	check(res[2], drop, ErrDisconnect, "connection lost")
	if res[2].Attempts != 2 {
		t.Errorf("drop: a lost connection is resumed once (retries=1): %d attempts", res[2].Attempts)
	}
	tr, err := ReadTranscript(res[1].TranscriptFile)
	if err != nil {
		t.Fatal(err)
	}
	if c := tr.Commands[1]; !c.Truncated || len(c.Output) != 1000 || c.Error == "" {
		t.Errorf("flood record: truncated %v, %d bytes, error %q", c.Truncated, len(c.Output), c.Error)
	}
}

func TestUploadPartialAndDeviceTimeout(t *testing.T) {
	f := newFleet(t)
	f.inv.Collection.UploadPartial = true
	f.inv.Collection.CommandTimeout = 5 * time.Second
	f.inv.Collection.DeviceTimeout = 400 * time.Millisecond
	_, dev := f.device("slow", sshsim.Config{MaxSessions: 1, Commands: map[string]sshsim.Response{
		"ok":   sshsim.Stdout("fine\n"),
		"hang": {Hang: true},
	}}, "ok", "hang", "never")
	dev.MaxSessions = 1
	up := &recordingUploader{}
	start := time.Now()
	_, res := f.run(context.Background(), WithUploader(up, 1))
	if time.Since(start) > 3*time.Second {
		t.Errorf("device_timeout did not bound the device: %s", time.Since(start))
	}
	if res[0].Status != StatusPartial || !errors.Is(res[0].Err, ErrTimeout) || res[0].Failed != 2 {
		t.Fatalf("status %s failed %d err %v", res[0].Status, res[0].Failed, res[0].Err)
	}
	if _, ok := up.staged[dev.AssetUUID]; !ok || res[0].Upload.Status != UploadUploaded {
		t.Errorf("upload_partial: partial device not uploaded: %+v", res[0].Upload)
	}
}

func TestInterruptSkipsQueuedAndStopsRunning(t *testing.T) {
	f := newFleet(t)
	f.inv.Collection.Concurrency = 1
	f.inv.Collection.CommandTimeout = time.Minute
	srv, _ := f.device("hanging", sshsim.Config{Commands: map[string]sshsim.Response{"hang": {Hang: true}}}, "hang")
	f.device("queued", sshsim.Config{}, "id")
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		deadline := time.Now().Add(10 * time.Second)
		for srv.Stats().Execs == 0 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond) // polling for the command to start, bounded
		}
		cancel()
	}()
	base := runtime.NumGoroutine()
	start := time.Now()
	_, res := f.run(ctx)
	if time.Since(start) > 5*time.Second {
		t.Fatalf("interrupt took %s", time.Since(start))
	}
	if res[0].Status != StatusFailed || !errors.Is(res[0].Err, ErrInterrupted) {
		t.Errorf("running device: %s %v", res[0].Status, res[0].Err)
	}
	if res[1].Status != StatusSkipped || !errors.Is(res[1].Err, ErrInterrupted) {
		t.Errorf("queued device: %s %v", res[1].Status, res[1].Err)
	}
	checkNoLeaks(t, base)
}

func TestJumpHostDeviceIsNotDialledDirectly(t *testing.T) {
	f := newFleet(t)
	srv, dev := f.device("behind-bastion", sshsim.Config{}, "id")
	dev.Jump = []string{"bastion01"}
	_, res := f.run(context.Background())
	if res[0].Status != StatusFailed || !strings.Contains(res[0].Err.Error(), "jump hosts") {
		t.Fatalf("status %s err %v", res[0].Status, res[0].Err)
	}
	if srv.Stats().Connections != 0 {
		t.Errorf("device behind a jump host was dialled directly")
	}
}

// A device whose channel limit is below max_sessions refuses the extra opens; the collector
// adapts to the device's limit instead of failing commands.
func TestDeviceChannelLimitBelowMaxSessions(t *testing.T) {
	f := newFleet(t)
	cmds := map[string]sshsim.Response{}
	var names []string
	// Commands outlast the simulator's grace for closing channels, so it really refuses.
	for i := range 6 {
		c := fmt.Sprintf("cmd%d", i)
		cmds[c] = sshsim.Response{Output: []sshsim.Chunk{{Data: c + "\n", Delay: 300 * time.Millisecond}}}
		names = append(names, c)
	}
	srv, dev := f.device("small-vty", sshsim.Config{MaxSessions: 2, Commands: cmds}, names...)
	dev.MaxSessions = 4
	_, res := f.run(context.Background())
	if res[0].Status != StatusOK || res[0].Failed != 0 {
		t.Fatalf("status %s failed %d err %v", res[0].Status, res[0].Failed, res[0].Err)
	}
	if st := srv.Stats(); st.MaxConcurrentChannels > 2 || st.Execs != 6 {
		t.Errorf("stats %+v", st)
	}
}

// blockingUploader's Send holds until released or until its context ends.
type blockingUploader struct {
	started chan string
	release chan struct{}
}

func (u *blockingUploader) Stage(string, string, string) error { return nil }

func (u *blockingUploader) Send(ctx context.Context, asset string) UploadResult {
	u.started <- asset
	<-u.release
	if ctx.Err() != nil { // a real request would have been aborted by now
		return UploadResult{Status: UploadPending, Err: ctx.Err()}
	}
	return UploadResult{Status: UploadUploaded, Attempts: 1}
}

// An interruption leaves queued uploads in the spool but lets the one in flight finish.
func TestInterruptDrainsUploadInFlight(t *testing.T) {
	f := newFleet(t)
	f.inv.Collection.Concurrency = 4
	for _, name := range []string{"a", "b"} {
		f.device(name, sshsim.Config{Commands: map[string]sshsim.Response{"id": sshsim.Stdout(name + "\n")}}, "id")
	}
	up := &blockingUploader{started: make(chan string, 2), release: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, err := NewRunner(f.inv, WithUploader(up, 1), WithUploadGrace(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan []DeviceResult)
	go func() {
		res, err := r.Run(ctx, f.inv.Devices)
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	first := <-up.started // one upload in flight; with concurrency 1 the other is queued
	cancel()
	close(up.release)
	res := <-done
	for _, d := range res {
		switch {
		case d.Device.AssetUUID == first && d.Upload.Status != UploadUploaded:
			t.Errorf("%s: the upload in flight was cut short: %+v", d.Device.Name, d.Upload)
		case d.Device.AssetUUID != first && d.Upload.Status == UploadUploaded:
			// Queued (pending) or still collecting when interrupted (skipped): never sent.
			t.Errorf("%s: an upload started after the interruption: %+v", d.Device.Name, d.Upload)
		}
	}
}

// countingGate refuses the devices in busy and counts acquisitions and releases.
type countingGate struct {
	mu       sync.Mutex
	busy     map[string]bool
	held     map[string]int
	released map[string]int
}

func (g *countingGate) Acquire(dev devices.Device) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.busy[dev.Name] {
		return false
	}
	g.held[dev.Name]++
	return true
}

func (g *countingGate) Release(dev devices.Device) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.released[dev.Name]++
}

func TestDeviceGate(t *testing.T) {
	f := newFleet(t)
	for _, name := range []string{"free", "busy", "broken"} {
		f.device(name, sshsim.Config{Commands: map[string]sshsim.Response{"id": sshsim.Stdout(name + "\n")}}, "id")
	}
	f.inv.Devices[2].Credential.PasswordEnv = "OCA_UNSET_FOR_GATE_TEST" // fails before upload
	f.inv.Devices[2].Credential.PrivateKey = ""
	g := &countingGate{busy: map[string]bool{"busy": true}, held: map[string]int{}, released: map[string]int{}}
	up := &recordingUploader{}
	srvBusy := f.inv.Devices[1]
	_, res := f.run(context.Background(), WithUploader(up, 1), WithDeviceGate(g))
	if res[0].Status != StatusOK || res[0].Upload.Status != UploadUploaded {
		t.Errorf("free device: %+v", res[0])
	}
	if res[1].Status != StatusSkipped || ErrorClass(res[1].Err) != "busy" {
		t.Errorf("busy device: %s %v", res[1].Status, res[1].Err)
	}
	if res[2].Status != StatusFailed {
		t.Errorf("broken device: %s %v", res[2].Status, res[2].Err)
	}
	for _, name := range []string{"free", "broken"} {
		if g.held[name] != 1 || g.released[name] != 1 {
			t.Errorf("%s: acquired %d, released %d; want 1 and 1", name, g.held[name], g.released[name])
		}
	}
	if g.released["busy"] != 0 {
		t.Errorf("a refused device was released")
	}
	if _, ok := up.staged[srvBusy.AssetUUID]; ok {
		t.Errorf("busy device was uploaded")
	}
}

func TestRampUpSpreadsTheFirstWave(t *testing.T) {
	f := newFleet(t)
	for i := range 3 {
		f.device(fmt.Sprintf("d%d", i), sshsim.Config{Commands: map[string]sshsim.Response{"true": sshsim.Stdout("")}}, "true")
	}
	f.inv.Collection.Concurrency = 3
	f.inv.Collection.RampUp = 400 * time.Millisecond
	_, res := f.run(context.Background())
	for _, r := range res {
		if r.Status != StatusOK {
			t.Fatalf("%s: %s %v", r.Device.Name, r.Status, r.Err)
		}
	}
	// Lower bounds only: the ramp waits at least this long, whatever the machine's speed.
	if gap := res[1].Started.Sub(res[0].Started); gap < 200*time.Millisecond {
		t.Errorf("second device started %s after the first, want >= 200ms", gap)
	}
	if gap := res[2].Started.Sub(res[0].Started); gap < 400*time.Millisecond {
		t.Errorf("third device started %s after the first, want >= 400ms (ramp_up)", gap)
	}
}

func TestRampSpacing(t *testing.T) {
	for _, c := range []struct {
		rampUp time.Duration
		n      int
		want   time.Duration
	}{
		{devices.RampUpAuto, 1, 0},                   // one device: nothing to spread
		{devices.RampUpAuto, 64, rampStep},           // the default step...
		{devices.RampUpAuto, 501, time.Second / 500}, // ...with the whole wave within a second
		{0, 64, 0}, // ramp_up: 0 starts the wave at once
		{630 * time.Millisecond, 64, 10 * time.Millisecond},
	} {
		if got := rampSpacing(c.rampUp, c.n); got != c.want {
			t.Errorf("rampSpacing(%s, %d) = %s, want %s", c.rampUp, c.n, got, c.want)
		}
	}
}
