//go:build unix

package collector

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/oca-collector/collector/devices"
)

// syncBuffer is a log destination safe for concurrent writers.
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

func newTestBatchDriver(timeout time.Duration, maxOutput int64, budget *atomic.Int64, logs *syncBuffer) *batchDriver {
	var log *slog.Logger
	if logs != nil {
		log = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	exec := execDriver{maxSessions: 4, commandTimeout: timeout, maxOutput: maxOutput, budget: budget}
	return newBatchDriver(exec, log).(*batchDriver)
}

// runDriver runs cmds through d on s, starting from the records the device runner prepares.
func runDriver(ctx context.Context, d driver, s *session, cmds []string) ([]CommandRecord, []error) {
	records := make([]CommandRecord, len(cmds))
	errs := make([]error, len(cmds))
	todo := make([]int, len(cmds))
	for i, c := range cmds {
		records[i] = CommandRecord{Index: i, Command: c, ExitStatus: -1, Error: "not run"}
		errs[i] = errNotRun
		todo[i] = i
	}
	d.run(ctx, s, records, errs, todo)
	return records, errs
}

// runLocally runs command as a one-command exec would on the host: `/bin/sh -c`, stdin from
// /dev/null, stdout and stderr on one file (so their order is the real one). A signal death
// shows as 128+n, as a shell's $? does.
func runLocally(t *testing.T, dir string, env []string, command string) ([]byte, int) {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := exec.Command("/bin/sh", "-c", command)
	c.Dir, c.Env, c.Stdout, c.Stderr = dir, env, f, f
	err = c.Run()
	status := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		status = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			status = 128 + int(ws.Signal())
		}
	case err != nil:
		t.Fatal(err)
	}
	out, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	return out, status
}

// realisticCommands are commands a POSIX compliance set holds, and the awkward ones: quotes
// of every kind, output without a final newline, binary, CRLF, frames with another nonce, a
// large multi-read output, `exit`, `cd`, a reader of stdin, a signal death.
var realisticCommands = []string{
	"uname -s",
	"echo hello",
	`printf 'a\r\nb\r\n'`,
	"echo out; echo err >&2; echo out2",
	"printf 'no newline'",
	"true",
	`printf '\n\n'`,
	"exit 3",
	"false",
	"cat",
	`echo "it's" 'a "quoted" word' $HOME "$((6*7))" ` + "`echo backticks`",
	`printf '\n0123456789abcdef0123456789abcdef E 12 0\n0123456789abcdef0123456789abcdef B 13\n'`,
	`printf '\377\000\001binary'`,
	"seq 1 30000",
	"ls /nonexistent-dir",
	"cd / && pwd",
	"pwd",
	"x=1; echo ${x}",
	"sh -c 'kill -9 $$'",
	"exit 300",
}

func TestBatchDriverMatchesOneByOne(t *testing.T) {
	for _, withTimeout := range []bool{true, false} {
		t.Run(fmt.Sprintf("timeout(1)=%v", withTimeout), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := os.Getenv("PATH")
			if !withTimeout {
				path = pathWithout(t, "uname", "cat", "seq", "ls", "sh")
			} else if _, err := exec.LookPath("timeout"); err != nil {
				t.Skip("no timeout(1) here")
			}
			env := []string{"PATH=" + path, "LC_ALL=C", "HOME=" + dir}
			h := startPosixHost(t, posixHostConfig{dir: dir, env: env})
			logs := &syncBuffer{}
			d := newTestBatchDriver(5*time.Second, 1<<20, nil, logs)
			cmds := append(slices.Clone(realisticCommands), "if then")
			start := time.Now()
			records, errs := runDriver(context.Background(), d, h.dial(t), cmds)
			elapsed := time.Since(start)

			if got := h.execLog(); !slices.Equal(got, []string{"/bin/sh -s"}) {
				t.Errorf("execs %q: want the one script, no fallback (logs: %s)", got, logs)
			}
			for i, c := range realisticCommands {
				want, status := runLocally(t, dir, env, c)
				rec := records[i]
				if errs[i] != nil || rec.Error != "" || rec.Index != i || rec.Command != c {
					t.Errorf("%q: err %v, record error %q", c, errs[i], rec.Error)
				}
				if !bytes.Equal(rec.Output, want) || rec.ExitStatus != status {
					t.Errorf("%q: got %q (%d bytes) status %d; one by one: %q (%d bytes) status %d",
						c, trimForLog(rec.Output), len(rec.Output), rec.ExitStatus, trimForLog(want), len(want), status)
				}
				if rec.Stderr != 0 || rec.Truncated || rec.Signal != "" {
					t.Errorf("%q: stderr %d truncated %v signal %q", c, rec.Stderr, rec.Truncated, rec.Signal)
				}
				if rec.Started.Before(start) || rec.Duration < 0 || rec.Duration > elapsed {
					t.Errorf("%q: started %v duration %s (run began %v, took %s)", c, rec.Started, rec.Duration, start, elapsed)
				}
				if i > 0 && rec.Started.Before(records[i-1].Started) {
					t.Errorf("%q started before the command before it", c)
				}
			}
			// A syntax error ends only its own shell; the message differs between sh -c and
			// eval, the status does not.
			last := records[len(cmds)-1]
			if last.ExitStatus != 2 || !strings.Contains(string(last.Output), "Syntax error") || errs[len(cmds)-1] != nil {
				t.Errorf("syntax error: status %d output %q err %v", last.ExitStatus, last.Output, errs[len(cmds)-1])
			}
		})
	}
}

func trimForLog(b []byte) []byte {
	if len(b) > 200 {
		return append(b[:100:100], "..."...)
	}
	return b
}

// Commands read /dev/null, never the script: the shell reads the script from its stdin in
// blocks, so a command that inherited it would swallow the commands after it (and the nonce).
func TestBatchDriverStdinIsDevNull(t *testing.T) {
	cmds := []string{"cat", "wc -c"}
	for i := range 80 { // enough script after `cat` to outgrow any read-ahead of the shell
		cmds = append(cmds, fmt.Sprintf("echo %d", i))
	}
	for _, withTimeout := range []bool{true, false} {
		t.Run(fmt.Sprintf("timeout(1)=%v", withTimeout), func(t *testing.T) {
			t.Parallel()
			cfg := posixHostConfig{}
			if !withTimeout {
				cfg.env = []string{"PATH=" + pathWithout(t, "cat", "wc"), "LC_ALL=C"}
			}
			h := startPosixHost(t, cfg)
			d := newTestBatchDriver(5*time.Second, 1<<20, nil, nil)
			records, errs := runDriver(context.Background(), d, h.dial(t), cmds)
			if errs[0] != nil || len(records[0].Output) != 0 || errs[1] != nil || strings.TrimSpace(string(records[1].Output)) != "0" {
				t.Fatalf("stdin readers: cat %v %q, wc -c %v %q", errs[0], trimForLog(records[0].Output), errs[1], records[1].Output)
			}
			for i := 2; i < len(cmds); i++ {
				if errs[i] != nil || string(records[i].Output) != fmt.Sprintf("%d\n", i-2) {
					t.Fatalf("%q: %v %q", cmds[i], errs[i], records[i].Output)
				}
			}
		})
	}
}

// Frames count only with this run's nonce, at a line start, in order: output carrying the
// nonce itself in any other way stays output.
func TestBatchDriverFramesOnlyWithExactNonce(t *testing.T) {
	h := startPosixHost(t, posixHostConfig{})
	d := newTestBatchDriver(5*time.Second, 1<<20, nil, nil)
	const nonce = "c0ffee00c0ffee00c0ffee00c0ffee00"
	d.nonce = func() string { return nonce }
	cmds := []string{
		`printf 'mid` + nonce + ` E 0 0\n'`,
		`printf '\n` + nonce + ` E 99 0\n` + nonce + ` B 2\n` + nonce + ` S 1\n'`,
		`printf '` + nonce + ` E 2 0 extra\n` + nonce + `  E 2 0\n` + nonce + `'`,
		"echo after",
	}
	records, errs := runDriver(context.Background(), d, h.dial(t), cmds)
	for i, c := range cmds {
		want, status := runLocally(t, h.cfg.dir, h.cfg.env, c)
		if errs[i] != nil || !bytes.Equal(records[i].Output, want) || records[i].ExitStatus != status {
			t.Errorf("%q: err %v output %q status %d; want %q status %d", c, errs[i], records[i].Output, records[i].ExitStatus, want, status)
		}
	}
	if got := h.execLog(); len(got) != 1 {
		t.Errorf("execs %q: the script must not have broken", got)
	}
}

func TestBatchDriverCommandTimeout(t *testing.T) {
	cmds := []string{"echo a", "echo partial; sleep 5", "echo b"}
	for _, withTimeout := range []bool{true, false} {
		t.Run(fmt.Sprintf("timeout(1)=%v", withTimeout), func(t *testing.T) {
			t.Parallel()
			cfg := posixHostConfig{}
			wantExecs := []string{"/bin/sh -s"}
			wantMsg := "command timeout after 1s (timeout(1) on the device)"
			if !withTimeout {
				dir := pathWithout(t, "sleep")
				cfg.env = []string{"PATH=" + dir, "LC_ALL=C"}
				wantExecs = append(wantExecs, "echo b") // the rest falls back to its own channel
				wantMsg = "command timeout after 1s"
			} else if _, err := exec.LookPath("timeout"); err != nil {
				t.Skip("no timeout(1) here")
			}
			h := startPosixHost(t, cfg)
			d := newTestBatchDriver(time.Second, 1<<20, nil, nil)
			start := time.Now()
			records, errs := runDriver(context.Background(), d, h.dial(t), cmds)
			if el := time.Since(start); el > 4*time.Second {
				t.Errorf("took %s: command_timeout 1s was not enforced", el)
			}
			if errs[0] != nil || string(records[0].Output) != "a\n" || errs[2] != nil || string(records[2].Output) != "b\n" {
				t.Errorf("the other commands: %v %q, %v %q", errs[0], records[0].Output, errs[2], records[2].Output)
			}
			r := records[1]
			if !errors.Is(errs[1], ErrTimeout) || r.Error != wantMsg || string(r.Output) != "partial\n" || !r.Truncated || r.ExitStatus != -1 {
				t.Errorf("timed out command: err %v, error %q output %q truncated %v status %d", errs[1], r.Error, r.Output, r.Truncated, r.ExitStatus)
			}
			if r.Duration < 900*time.Millisecond || r.Duration > 3*time.Second {
				t.Errorf("timed out command ran %s", r.Duration)
			}
			if got := h.execLog(); !slices.Equal(got, wantExecs) {
				t.Errorf("execs %q, want %q", got, wantExecs)
			}
		})
	}
}

func TestBatchDriverOutputLimits(t *testing.T) {
	t.Run("max_output_bytes", func(t *testing.T) {
		h := startPosixHost(t, posixHostConfig{})
		d := newTestBatchDriver(5*time.Second, 1000, nil, nil)
		base := runtime.NumGoroutine()
		s := h.dial(t)
		records, errs := runDriver(context.Background(), d, s, []string{"echo a", "yes", "echo b"})
		_ = s.client.Close()
		<-s.dead
		checkNoLeaks(t, base) // the flood's channel, reader and copiers are all gone
		if errs[0] != nil || errs[2] != nil || string(records[2].Output) != "b\n" {
			t.Errorf("the other commands: %v, %v %q", errs[0], errs[2], records[2].Output)
		}
		r := records[1]
		if !errors.Is(errs[1], ErrOutputLimit) || len(r.Output) != 1000 || !r.Truncated || !strings.HasPrefix(string(r.Output), "y\ny\n") {
			t.Errorf("flood: err %v, %d bytes, truncated %v", errs[1], len(r.Output), r.Truncated)
		}
		if got := h.execLog(); !slices.Equal(got, []string{"/bin/sh -s", "echo b"}) {
			t.Errorf("execs %q: the flood must stop the script and the rest fall back", got)
		}
	})
	t.Run("max_device_bytes", func(t *testing.T) {
		h := startPosixHost(t, posixHostConfig{})
		budget := new(atomic.Int64)
		budget.Store(1500)
		d := newTestBatchDriver(5*time.Second, 1000, budget, nil)
		cmds := []string{"head -c 1000 /dev/zero", "head -c 1000 /dev/zero", "echo b"}
		records, errs := runDriver(context.Background(), d, h.dial(t), cmds)
		if errs[0] != nil || len(records[0].Output) != 1000 {
			t.Errorf("first: %v, %d bytes", errs[0], len(records[0].Output))
		}
		if !errors.Is(errs[1], ErrOutputLimit) || len(records[1].Output) != 500 || !records[1].Truncated {
			t.Errorf("second: %v, %d bytes", errs[1], len(records[1].Output))
		}
		if !errors.Is(errs[2], ErrOutputLimit) || budget.Load() != 0 {
			t.Errorf("third (budget spent): %v, budget left %d", errs[2], budget.Load())
		}
	})
}

func TestBatchDriverConnectionLost(t *testing.T) {
	h := startPosixHost(t, posixHostConfig{dropOn: "DROP-NOW"})
	d := newTestBatchDriver(5*time.Second, 1<<20, nil, nil)
	cmds := []string{"echo a", "echo before; echo DROP-NOW", "echo c"}
	records, errs := runDriver(context.Background(), d, h.dial(t), cmds)
	if errs[0] != nil || string(records[0].Output) != "a\n" {
		t.Errorf("first: %v %q", errs[0], records[0].Output)
	}
	if !errors.Is(errs[1], ErrDisconnect) || string(records[1].Output) != "before\n" || !records[1].Truncated ||
		!strings.Contains(records[1].Error, "connection lost during the command") {
		t.Errorf("running: %v, record %+v", errs[1], records[1])
	}
	if !errors.Is(errs[2], ErrDisconnect) || !strings.Contains(records[2].Error, "before the command started") {
		t.Errorf("not begun: %v, %q", errs[2], records[2].Error)
	}
	if got := h.execLog(); !slices.Equal(got, []string{"/bin/sh -s"}) {
		t.Errorf("execs %q: nothing may fall back on a dead connection", got)
	}
}

func TestBatchDriverScriptKilled(t *testing.T) {
	h := startPosixHost(t, posixHostConfig{killOn: "KILL-SCRIPT"})
	d := newTestBatchDriver(5*time.Second, 1<<20, nil, nil)
	cmds := []string{"echo a", "echo KILL-SCRIPT; sleep 5", "echo c"} // killed during the sleep
	base := runtime.NumGoroutine()
	s := h.dial(t)
	records, errs := runDriver(context.Background(), d, s, cmds)
	_ = s.client.Close()
	<-s.dead
	checkNoLeaks(t, base)
	if errs[0] != nil || errs[2] != nil || string(records[2].Output) != "c\n" {
		t.Errorf("the other commands: %v, %v %q", errs[0], errs[2], records[2].Output)
	}
	r := records[1]
	want := `the batch script ended before command 1 ("echo KILL-SCRIPT; sleep 5") finished; killed by signal KILL`
	if errs[1] == nil || ErrorClass(errs[1]) != "error" || r.Error != want || string(r.Output) != "KILL-SCRIPT\n" || r.ExitStatus != -1 {
		t.Errorf("killed: err %v (%s), record %+v", errs[1], ErrorClass(errs[1]), r)
	}
	if got := h.execLog(); !slices.Equal(got, []string{"/bin/sh -s", "echo c"}) {
		t.Errorf("execs %q: the rest must fall back to their own channels", got)
	}
}

func TestBatchDriverFallsBackWhenScriptRefused(t *testing.T) {
	h := startPosixHost(t, posixHostConfig{refuseScript: true})
	logs := &syncBuffer{}
	d := newTestBatchDriver(5*time.Second, 1<<20, nil, logs)
	s := h.dial(t)
	cmds := []string{"echo out; echo err >&2", "exit 3"}
	for range 2 { // a second run (a resume) does not ask again
		records, errs := runDriver(context.Background(), d, s, cmds)
		// Per-command channels keep stderr apart (in arrival order, so either way round).
		if o := string(records[0].Output); errs[0] != nil || (o != "out\nerr\n" && o != "err\nout\n") || records[0].Stderr != 4 {
			t.Errorf("first: %v %q stderr %d", errs[0], records[0].Output, records[0].Stderr)
		}
		if errs[1] != nil || records[1].ExitStatus != 3 {
			t.Errorf("second: %v status %d", errs[1], records[1].ExitStatus)
		}
	}
	got := h.execLog()
	if slices.Index(got, "/bin/sh -s") != 0 || len(got) != 5 || slices.Contains(got[1:], "/bin/sh -s") {
		t.Errorf("execs %q: one refused script, then one channel per command", got)
	}
	if l := logs.String(); strings.Count(l, "refused the batch script") != 1 || !strings.Contains(l, "level=INFO") || !strings.Contains(l, "error=") {
		t.Errorf("the refusal must be logged once at info with its error:\n%s", l)
	}
}

func TestBatchDriverContext(t *testing.T) {
	t.Run("interrupted", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		h := startPosixHost(t, posixHostConfig{})
		d := newTestBatchDriver(time.Minute, 1<<20, nil, nil)
		d.began = func(i int) {
			if i == 0 {
				cancel() // SIGINT while the first command runs
			}
		}
		base := runtime.NumGoroutine()
		s := h.dial(t)
		start := time.Now()
		records, errs := runDriver(ctx, d, s, []string{"sleep 5", "echo b"})
		if el := time.Since(start); el > 3*time.Second {
			t.Errorf("interrupt took %s", el)
		}
		_ = s.client.Close()
		<-s.dead
		checkNoLeaks(t, base)
		for i := range errs {
			if !errors.Is(errs[i], ErrInterrupted) || records[i].ExitStatus != -1 {
				t.Errorf("command %d: %v, status %d", i, errs[i], records[i].ExitStatus)
			}
		}
		if records[0].Error != "interrupted while the command ran" || records[1].Error != "interrupted before the command started" {
			t.Errorf("errors: %q, %q", records[0].Error, records[1].Error)
		}
		if len(h.execLog()) != 1 {
			t.Errorf("execs %q: nothing falls back once interrupted", h.execLog())
		}
	})
	t.Run("device deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeoutCause(context.Background(), 500*time.Millisecond, errDeviceTimeout)
		defer cancel()
		h := startPosixHost(t, posixHostConfig{})
		d := newTestBatchDriver(time.Minute, 1<<20, nil, nil)
		start := time.Now()
		_, errs := runDriver(ctx, d, h.dial(t), []string{"sleep 5", "echo b"})
		if el := time.Since(start); el > 3*time.Second {
			t.Errorf("device deadline took %s", el)
		}
		for i := range errs {
			if !errors.Is(errs[i], ErrTimeout) || !strings.Contains(errs[i].Error(), "device timeout") {
				t.Errorf("command %d: %v", i, errs[i])
			}
		}
	})
}

// The device runner resumes the commands a lost connection cut off, on a new connection and a
// new script; the bulk file ends up complete.
func TestBatchResumeAfterConnectionLost(t *testing.T) {
	f := newFleet(t)
	h := startPosixHost(t, posixHostConfig{dropOn: "DROP-NOW"})
	line := knownhosts.Line([]string{knownhosts.Normalize(h.addr())}, h.signer.PublicKey())
	if err := os.WriteFile(f.knownHosts, []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	host, port := splitHostPort(t, h.addr())
	cmds := []string{"echo a", "echo DROP-NOW", "printf 'c\\r\\n'; exit 4"}
	f.inv.Devices = append(f.inv.Devices, devices.Device{
		Name: "posix01", Host: host, Port: port, AssetUUID: uuidFor(0), Platform: "linux", CommandSet: "test",
		Commands: cmds, MaxSessions: 4, Batch: true,
		PlatformDef: devices.Platform{Name: "linux", Mode: devices.ModeExec, POSIX: true},
		Credential:  devices.Credential{Name: "key", Username: testUser, PrivateKey: f.keyPath},
		SSH:         devices.SSH{KnownHosts: f.knownHosts, HostKeyPolicy: devices.HostKeyStrict},
	})
	base := runtime.NumGoroutine()
	_, res := f.run(context.Background())
	checkNoLeaks(t, base)
	got := res[0]
	if got.Status != StatusOK || got.Err != nil || got.Attempts != 2 || got.NonzeroExit != 1 {
		t.Fatalf("status %s err %v attempts %d nonzero %d", got.Status, got.Err, got.Attempts, got.NonzeroExit)
	}
	want := "### BEGIN COMMAND: echo a\na\n### END COMMAND: echo a\n" +
		"### BEGIN COMMAND: echo DROP-NOW\nDROP-NOW\n### END COMMAND: echo DROP-NOW\n" +
		"### BEGIN COMMAND: printf 'c\\r\\n'; exit 4\nc\n### END COMMAND: printf 'c\\r\\n'; exit 4\n"
	if bulk := readFile(t, got.BulkFile); bulk != want {
		t.Errorf("bulk file:\n%s\nwant:\n%s", bulk, want)
	}
	tr, err := ReadTranscript(got.TranscriptFile)
	if err != nil {
		t.Fatal(err)
	}
	if c := tr.Commands[2]; string(c.Output) != "c\r\n" || c.ExitStatus != 4 || c.Stderr != 0 {
		t.Errorf("transcript keeps raw output and status: %+v", c)
	}
	if execs := h.execLog(); !slices.Equal(execs, []string{"/bin/sh -s", "/bin/sh -s"}) {
		t.Errorf("execs %q: one script per connection", execs)
	}
	if filepath.Base(got.BulkFile) != uuidFor(0)+".txt" {
		t.Errorf("bulk file %s", got.BulkFile)
	}
}

// A program the host lacks, run directly by timeout(1) (a plain command): status 127 as from
// the shell, and a message that names it, though in timeout's words rather than sh's.
func TestBatchDriverMissingProgram(t *testing.T) {
	if _, err := exec.LookPath("timeout"); err != nil {
		t.Skip("no timeout(1) here")
	}
	h := startPosixHost(t, posixHostConfig{})
	d := newTestBatchDriver(5*time.Second, 1<<20, nil, &syncBuffer{})
	records, errs := runDriver(context.Background(), d, h.dial(t), []string{"no-such-program-oca --version", "uname -s"})
	// timeout's wording, not sh's "not found": the plain command ran without a shell between.
	out := string(records[0].Output)
	if errs[0] != nil || records[0].ExitStatus != 127 || !strings.Contains(out, "no-such-program-oca") ||
		!strings.Contains(out, "failed to run command") {
		t.Errorf("missing program: status %d output %q err %v; want 127 and timeout(1)'s message naming it",
			records[0].ExitStatus, records[0].Output, errs[0])
	}
	if errs[1] != nil || records[1].ExitStatus != 0 || len(records[1].Output) == 0 {
		t.Errorf("the command after it: status %d output %q err %v", records[1].ExitStatus, records[1].Output, errs[1])
	}
}
