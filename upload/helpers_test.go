package upload

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/oca-collector/collector/internal/fakegateway"
)

const (
	testUUID  = "1c0f5a2e-1111-4222-8333-444455556666"
	testUUID2 = "7d2e0000-aaaa-4bbb-8ccc-dddddddddddd"
)

// fakeClock is a settable clock; its sleep records the waits asked for and advances the clock
// instead of waiting, so retry tests take no time and can assert exact durations.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 12, 3, 16, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// env is a client wired to a fake gateway with a fake clock and a captured log.
type env struct {
	gw    *fakegateway.Gateway
	clock *fakeClock
	log   *syncBuffer
	c     *Client
}

// newEnv starts a fake gateway sharing the test clock and builds a client for it; mod adjusts
// the client config before New.
func newEnv(t *testing.T, mod func(*Config), opts ...fakegateway.Option) *env {
	t.Helper()
	clk := newFakeClock()
	gw := fakegateway.New(t, append([]fakegateway.Option{fakegateway.WithClock(clk.Now)}, opts...)...)
	e := &env{gw: gw, clock: clk, log: &syncBuffer{}}
	cfg := Config{
		Gateway:     gw.URL,
		Username:    fakegateway.DefaultUsername,
		Password:    fakegateway.DefaultPassword,
		Timeout:     5 * time.Second,
		BaseBackoff: time.Second,
		MaxBackoff:  8 * time.Second,
		Sleep:       clk.Sleep,
		Now:         clk.Now,
		Logger:      slog.New(slog.NewJSONHandler(e.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.c = c
	return e
}

// writeBulk writes content to a fresh bulk file and returns its path.
func writeBulk(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "bulk.txt")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// uploadRequests counts the requests that reached the upload path.
func uploadRequests(gw *fakegateway.Gateway) int {
	n := 0
	for _, r := range gw.Requests() {
		if r.Path != "/auth" {
			n++
		}
	}
	return n
}
