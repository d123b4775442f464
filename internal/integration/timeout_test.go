package integration

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oca-collector/collector/collector"
	"github.com/oca-collector/collector/internal/sshdtest"
)

// TestCommandTimeout runs a command that outlives command_timeout among quick ones: the device
// is partial, only that command failed (with a timeout, status unknown), the run ends within
// seconds, and no sleep survives the test (sshd leaves a command running when its channel is
// closed; the harness's cleanup must end it).
func TestCommandTimeout(t *testing.T) {
	// The tag goes into the sleep's environment, so the check below finds this test's sleep
	// and nobody else's.
	tag := make([]byte, 8)
	if _, err := rand.Read(tag); err != nil {
		t.Fatal(err)
	}
	envTag := "OCA_IT_SLEEP_TAG=" + hex.EncodeToString(tag)
	// Registered before sshdtest.Start, so it runs after the harness's cleanup (LIFO).
	t.Cleanup(func() {
		if pids := processesWithEnv(envTag); len(pids) > 0 {
			t.Errorf("sleep still running after the harness's cleanup: pids %v", pids)
		}
	})
	d := sshdtest.Start(t, sshdtest.Options{})
	targets := targetsFor(t, d)
	sleepCmd := envTag + " sleep 30"
	cmds := []string{"echo before", sleepCmd, "uname -s", "echo after"}
	f := writeInventory(t, inventorySpec{
		Targets:        targets,
		Credential:     map[string]any{"private_key": d.ClientKeyPath},
		Commands:       cmds,
		KnownHosts:     d.KnownHostsPath,
		CommandTimeout: "1s",
	})

	res := runCollector(t, f, nil)
	if res.Elapsed > 10*time.Second {
		t.Errorf("run took %s; a 1s command timeout should end it in a few seconds", res.Elapsed)
	}
	if res.Code != 1 {
		t.Errorf("exit %d, want 1 (a partial device is not a success); stderr:\n%s", res.Code, res.Stderr)
	}
	dr := res.device(t, targets[0].Name)
	if dr.Status != collector.StatusPartial || dr.ErrorClass != "timeout" {
		t.Errorf("status %s, error_class %q (%s); want partial, timeout", dr.Status, dr.ErrorClass, dr.Error)
	}
	if dr.Commands.Total != len(cmds) || dr.Commands.Failed != 1 {
		t.Errorf("commands %+v, want %d total, 1 failed", dr.Commands, len(cmds))
	}
	tr := readTranscript(t, dr)
	for _, r := range tr.Commands {
		if r.Command == sleepCmd {
			if !strings.Contains(r.Error, "command timeout") || r.ExitStatus != -1 {
				t.Errorf("%q: error %q, exit %d; want a command timeout with exit status -1 (unknown)", r.Command, r.Error, r.ExitStatus)
			}
			if r.Duration < time.Second || r.Duration > 5*time.Second {
				t.Errorf("%q: recorded duration %s, want about the 1s timeout", r.Command, r.Duration)
			}
			continue
		}
		if r.Error != "" || r.ExitStatus != 0 || len(r.Output) == 0 {
			t.Errorf("%q: error %q, exit %d, output %q; want completed with output", r.Command, r.Error, r.ExitStatus, r.Output)
		}
	}
	if r := record(t, tr, "echo after"); string(r.Output) != "after\n" {
		t.Errorf("echo after = %q", r.Output)
	}
	// The bulk file holds the completed commands only: a cut-off output must not pass for
	// the real one.
	bulk, err := os.ReadFile(dr.BulkFile)
	if err != nil {
		t.Fatalf("bulk file: %v", err)
	}
	if bytes.Contains(bulk, []byte(sleepCmd)) || bytes.Count(bulk, []byte("### BEGIN COMMAND: ")) != len(cmds)-1 {
		t.Errorf("bulk file should frame the 3 completed commands and not the timed-out one:\n%s", bulk)
	}
	// Observation, not a requirement: in batch mode timeout(1) on the device ends the sleep
	// itself; with one channel per command sshd does not end a command whose channel was
	// closed, and the cleanup check above has something to do.
	t.Logf("sleep processes alive before cleanup: %v", processesWithEnv(envTag))
}

// processesWithEnv lists the live processes whose environment holds entry ("NAME=value").
// Zombies have an empty environ and are not listed: they are gone, only not yet reaped.
func processesWithEnv(entry string) []int {
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range dirs {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil {
			continue
		}
		for _, kv := range bytes.Split(b, []byte{0}) {
			if string(kv) == entry {
				out = append(out, pid)
				break
			}
		}
	}
	return out
}
