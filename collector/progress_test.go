package collector

import (
	"context"
	"sort"
	"sync"
	"testing"

	"github.com/oca-collector/collector/internal/sshsim"
)

// recordingProgress keeps what the runner told it; the runner calls it from its workers.
type recordingProgress struct {
	mu      sync.Mutex
	started []int
	done    []string // device name + ":" + status
}

func (p *recordingProgress) Started(total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.started = append(p.started, total)
}

func (p *recordingProgress) DeviceDone(res DeviceResult) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.started) == 0 {
		p.done = append(p.done, "before Started")
	}
	p.done = append(p.done, res.Device.Name+":"+res.Status)
}

// TestProgressHook: Started once with the target count, DeviceDone once per target with its
// status (skipped ones included), and WithProgress(nil) keeps the silent default.
func TestProgressHook(t *testing.T) {
	f := newFleet(t)
	f.device("ok", sshsim.Config{Commands: map[string]sshsim.Response{"id": sshsim.Stdout("x\n")}}, "id")
	f.addr("refused", sshsim.ClosedPort(t), "id")
	f.inv.Collection.Retries = 0
	p := &recordingProgress{}
	f.run(context.Background(), WithProgress(p))
	sort.Strings(p.done)
	if len(p.started) != 1 || p.started[0] != 2 || len(p.done) != 2 || p.done[0] != "ok:ok" || p.done[1] != "refused:failed" {
		t.Errorf("started %v, done %v", p.started, p.done)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p = &recordingProgress{}
	f.run(ctx, WithProgress(p))
	sort.Strings(p.done)
	if len(p.done) != 2 || p.done[0] != "ok:skipped" || p.done[1] != "refused:skipped" {
		t.Errorf("interrupted run: done %v", p.done)
	}

	f.run(context.Background(), WithProgress(nil)) // must not panic on a nil Progress
}
