package progress

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/oca-collector/collector/collector"
	"github.com/oca-collector/collector/devices"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// syncBuffer is a bytes.Buffer the tick goroutine and the test can share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) take() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.b.String()
	s.b.Reset()
	return out
}

func result(status string) collector.DeviceResult {
	return collector.DeviceResult{Device: &devices.Device{Name: "d"}, Status: status}
}

func TestRender(t *testing.T) {
	for _, tc := range []struct {
		done, total, failed int
		elapsed             time.Duration
		want                string
	}{
		{0, 1000, 0, 0, "devices 0/1000 (0%) | failed 0 | elapsed 0s | ETA --"},
		{120, 1000, 3, 12 * time.Second, "devices 120/1000 (12%) | failed 3 | 10.0/s | elapsed 12s | ETA 1m28s"},
		{1, 3, 1, 4 * time.Second, "devices 1/3 (33%) | failed 1 | 0.25/s | elapsed 4s | ETA 8s"},
		{5000, 10000, 0, 20 * time.Second, "devices 5000/10000 (50%) | failed 0 | 250/s | elapsed 20s | ETA 20s"},
		{4, 4, 0, 2500 * time.Millisecond, "devices 4/4 (100%) | failed 0 | 1.60/s | elapsed 3s"},
		{0, 0, 0, time.Second, "devices 0/0 (100%) | failed 0 | elapsed 1s"},
		{10, 100, 0, 3 * time.Hour, "devices 10/100 (10%) | failed 0 | 0.00/s | elapsed 3h0m0s | ETA 27h0m0s"},
	} {
		if got := Render(tc.done, tc.total, tc.failed, tc.elapsed); got != tc.want {
			t.Errorf("Render(%d, %d, %d, %s) =\n  %q\nwant\n  %q", tc.done, tc.total, tc.failed, tc.elapsed, got, tc.want)
		}
	}
}

// TestLineRedrawsAtMostFourTimesASecond drives the line with a fake clock: devices finishing
// within 250 ms of the last redraw do not redraw, the last device always does, a tick redraws,
// and Finish erases the line.
func TestLineRedrawsAtMostFourTimesASecond(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	var out syncBuffer
	ticks := make(chan time.Time)
	l := New(&out, WithClock(clock.now), WithTicks(ticks))

	l.Started(4)
	if got := out.take(); got != "\r\x1b[Kdevices 0/4 (0%) | failed 0 | elapsed 0s | ETA --" {
		t.Errorf("first draw %q", got)
	}
	clock.add(100 * time.Millisecond)
	l.DeviceDone(result(collector.StatusOK))
	if got := out.take(); got != "" {
		t.Errorf("redrawn 100 ms after the last draw: %q", got)
	}
	clock.add(200 * time.Millisecond)
	l.DeviceDone(result(collector.StatusFailed))
	if got := out.take(); got != "\r\x1b[Kdevices 2/4 (50%) | failed 1 | 6.67/s | elapsed 0s | ETA 0s" {
		t.Errorf("draw at 300 ms %q", got)
	}
	// A tick 100 ms later: nothing changed and the line is fresh, so nothing is drawn.
	clock.add(100 * time.Millisecond)
	ticks <- clock.now()
	// A device finishes 100 ms after that, too soon to draw; the next tick draws it.
	clock.add(100 * time.Millisecond)
	l.DeviceDone(result(collector.StatusOK))
	if got := out.take(); got != "" {
		t.Errorf("throttled draw happened: %q", got)
	}
	clock.add(200 * time.Millisecond)
	ticks <- clock.now()
	if got := waitDraw(t, &out); got != "\r\x1b[Kdevices 3/4 (75%) | failed 1 | 4.29/s | elapsed 1s | ETA 0s" {
		t.Errorf("tick drawing the throttled device %q", got)
	}
	// Ten idle seconds later a tick redraws the unchanged count with the new times.
	clock.add(10 * time.Second)
	ticks <- clock.now()
	if got := waitDraw(t, &out); got != "\r\x1b[Kdevices 3/4 (75%) | failed 1 | 0.28/s | elapsed 11s | ETA 4s" {
		t.Errorf("idle tick redraw %q", got)
	}
	l.DeviceDone(result(collector.StatusPartial)) // the last one: drawn at once
	if got := out.take(); got != "\r\x1b[Kdevices 4/4 (100%) | failed 2 | 0.37/s | elapsed 11s" {
		t.Errorf("final draw %q", got)
	}
	l.Finish()
	if got := out.take(); got != "\r\x1b[K" {
		t.Errorf("Finish wrote %q, want the line erased", got)
	}
	l.Finish() // idempotent
	if got := out.take(); got != "" {
		t.Errorf("second Finish wrote %q", got)
	}
}

// waitDraw waits (bounded) for the line's goroutine to handle a tick and returns what it
// drew. An unbuffered send has already handed the tick over; the draw follows under the lock.
func waitDraw(t *testing.T, out *syncBuffer) string {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		if got := out.take(); got != "" {
			return got
		}
		time.Sleep(time.Millisecond) // polling for the tick's redraw, bounded by the deadline
	}
	return ""
}

// TestWriterKeepsLogsAndLineApart: a log record erases the line, prints on its own, and the
// line comes back under it.
func TestWriterKeepsLogsAndLineApart(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	var out syncBuffer
	l := New(&out, WithClock(clock.now), WithTicks(nil), WithWidth(30))
	w := l.Writer()
	if _, err := w.Write([]byte("before\n")); err != nil {
		t.Fatal(err)
	}
	if got := out.take(); got != "before\n" {
		t.Errorf("no line yet: %q", got)
	}
	l.Started(2)
	out.take()
	if _, err := w.Write([]byte("level=INFO msg=\"device done\"\n")); err != nil {
		t.Fatal(err)
	}
	line := "devices 0/2 (0%) | failed 0 |" // truncated to 29 columns
	if got, want := out.take(), "\r\x1b[Klevel=INFO msg=\"device done\"\n"+line; got != want {
		t.Errorf("log write:\n%q\nwant\n%q", got, want)
	}
	l.Finish()
	if _, err := w.Write([]byte("after\n")); err != nil {
		t.Fatal(err)
	}
	if got := out.take(); got != "\r\x1b[Kafter\n" {
		t.Errorf("after Finish: %q", got)
	}
}

// TestFinishWithoutStart: the CLI finishes the line even when the run never started.
func TestFinishWithoutStart(t *testing.T) {
	var out syncBuffer
	l := New(&out)
	l.Finish()
	if got := out.take(); got != "" {
		t.Errorf("wrote %q", got)
	}
}
