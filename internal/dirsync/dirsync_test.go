package dirsync

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestSyncRealDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := New(dir).Sync(); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	missing := filepath.Join(dir, "missing")
	err := New(missing).Sync()
	if err == nil || !strings.Contains(err.Error(), missing) {
		t.Fatalf("Sync of a missing directory: %v, want an error naming it", err)
	}
}

// gatedFsync is an fsync that blocks until released, and counts its calls.
type gatedFsync struct {
	started chan int   // receives the call's number when one starts
	release chan error // each receive ends one call, with that error
	mu      sync.Mutex
	calls   int
}

func newGatedFsync() *gatedFsync {
	return &gatedFsync{started: make(chan int, 16), release: make(chan error)}
}

func (g *gatedFsync) fsync(string) error {
	g.mu.Lock()
	g.calls++
	n := g.calls
	g.mu.Unlock()
	g.started <- n
	return <-g.release
}

func waitFor[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// TestSyncWaitsForAnFsyncStartedAfterTheCall: a caller arriving while an fsync runs is not
// answered by it (its change may have come too late for it) but by the next, which it shares
// with every other caller that arrived meanwhile.
func TestSyncWaitsForAnFsyncStartedAfterTheCall(t *testing.T) {
	g := newGatedFsync()
	queued := make(chan struct{}, 16)
	s := &Syncer{dir: "d", fsync: g.fsync, queued: func() { queued <- struct{}{} }}
	first := make(chan error, 1)
	go func() { first <- s.Sync() }()
	waitFor(t, g.started, "the first fsync")

	const later = 8
	done := make(chan error, later)
	for range later {
		go func() { done <- s.Sync() }()
	}
	for range later {
		waitFor(t, queued, "a later caller to queue")
	}
	g.release <- nil
	if err := waitFor(t, first, "the first caller"); err != nil {
		t.Fatalf("first Sync: %v", err)
	}
	if n := waitFor(t, g.started, "the second fsync"); n != 2 {
		t.Fatalf("fsync call %d started, want 2", n)
	}
	if len(done) != 0 {
		t.Fatal("a later caller returned before the fsync that started after it finished")
	}
	boom := errors.New("disk on fire")
	g.release <- boom
	for i := range later {
		if err := waitFor(t, done, "the later callers"); !errors.Is(err, boom) {
			t.Fatalf("later caller %d: %v, want the second fsync's error", i, err)
		}
	}
	if g.calls != 2 {
		t.Errorf("%d fsyncs for %d callers, want 2", g.calls, later+1)
	}
	// Idle again: the next caller leads a round of its own.
	go func() { first <- s.Sync() }()
	waitFor(t, g.started, "the third fsync")
	g.release <- nil
	if err := waitFor(t, first, "the next caller"); err != nil {
		t.Fatalf("Sync after idle: %v", err)
	}
}

func TestSyncFS(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("data"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := SyncFS(dir); err != nil {
		t.Errorf("SyncFS(%s): %v", dir, err)
	}
	missing := filepath.Join(dir, "missing")
	if err := SyncFS(missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("SyncFS of a missing directory: %v, want an error naming it", err)
	}
}
