package integration

import (
	"fmt"
	"testing"

	"github.com/oca-collector/collector/collector"
	"github.com/oca-collector/collector/internal/sshdtest"
)

// TestMaxSessions runs 30 commands with four exec channels in flight on one connection: within
// sshd's default MaxSessions (10), and against a daemon that allows only 2, where sshd refuses
// the extra channels and the collector must wait for one to free up rather than fail commands.
func TestMaxSessions(t *testing.T) {
	const n = 30
	cmds := make([]string, n)
	for i := range cmds {
		// A short sleep keeps several channels open at once, so the limit is really reached.
		cmds[i] = fmt.Sprintf("sleep 0.05; echo cmd-%02d", i)
	}
	for _, tc := range []struct {
		name  string
		extra []string
	}{
		{"sshd default MaxSessions 10", nil},
		{"sshd MaxSessions 2", []string{"MaxSessions 2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := sshdtest.Start(t, sshdtest.Options{ExtraConfig: tc.extra})
			targets := targetsFor(t, d)
			f := writeInventory(t, inventorySpec{
				NoBatch:     true, // channel limits concern one channel per command
				Targets:     targets,
				Credential:  map[string]any{"private_key": d.ClientKeyPath},
				Commands:    cmds,
				KnownHosts:  d.KnownHostsPath,
				MaxSessions: 4,
			})
			res := runCollector(t, f, nil)
			dr := res.device(t, targets[0].Name)
			if res.Code != 0 || dr.Status != collector.StatusOK {
				t.Errorf("exit %d, status %s (%s); want 0 and ok; stderr:\n%s", res.Code, dr.Status, dr.Error, res.Stderr)
			}
			if dr.Commands.Total != n || dr.Commands.Failed != 0 || dr.Attempts != 1 {
				t.Errorf("commands %+v, attempts %d; want %d total, 0 failed, one connection", dr.Commands, dr.Attempts, n)
			}
			tr := readTranscript(t, dr)
			if len(tr.Commands) != n {
				t.Fatalf("transcript has %d commands, want %d", len(tr.Commands), n)
			}
			bad := 0
			for i, r := range tr.Commands {
				want := fmt.Sprintf("cmd-%02d\n", i)
				if r.Command == cmds[i] && string(r.Output) == want && r.ExitStatus == 0 && r.Error == "" {
					continue
				}
				if bad++; bad <= 3 {
					t.Errorf("record %d: %q -> %q, exit %d, error %q; want %q, exit 0", i, r.Command, r.Output, r.ExitStatus, r.Error, want)
				}
			}
			if bad > 3 {
				t.Errorf("... %d records wrong in all", bad)
			}
			// sshd logs "no more sessions" for each channel it refuses at its limit: never
			// within the default, at least once with MaxSessions 2 (else nothing was tested).
			refused := sshdLogCount(t, d, "no more sessions")
			switch {
			case tc.extra == nil && refused != 0:
				t.Errorf("sshd refused %d channels although max_sessions 4 is within its MaxSessions 10", refused)
			case tc.extra != nil && refused == 0:
				t.Errorf("sshd never refused a channel: the MaxSessions 2 limit was not exercised")
			}
		})
	}
}
