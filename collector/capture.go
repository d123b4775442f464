package collector

import (
	"io"
	"sync"
	"sync/atomic"
)

// capture collects one command's stdout and stderr into one buffer in arrival order, up to
// limit bytes for the command and whatever is left of the device's budget. Once a limit is hit
// it keeps nothing more and closes full, so the driver can stop the command at once instead of
// letting a flood fill memory or stall the channel.
type capture struct {
	mu        sync.Mutex
	buf       []byte
	stderr    int
	limit     int64
	budget    *atomic.Int64 // bytes the device may still produce; nil = unlimited
	truncated bool
	frozen    bool
	full      chan struct{}
}

func newCapture(limit int64, budget *atomic.Int64) *capture {
	return &capture{limit: limit, budget: budget, full: make(chan struct{})}
}

func (c *capture) write(p []byte, stderr bool) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.frozen || c.truncated {
		return 0, io.ErrShortWrite
	}
	n := int64(len(p))
	if c.limit > 0 && int64(len(c.buf))+n > c.limit {
		n = c.limit - int64(len(c.buf))
		c.truncated = true
	}
	if c.budget != nil {
		if left := c.budget.Add(-n); left < 0 {
			c.budget.Add(-left) // give back what we cannot keep
			n += left
			if n < 0 {
				n = 0
			}
			c.truncated = true
		}
	}
	c.buf = append(c.buf, p[:n]...)
	if stderr {
		c.stderr += int(n)
	}
	if c.truncated {
		close(c.full)
		return int(n), io.ErrShortWrite
	}
	return len(p), nil
}

// snapshot stops the capture and returns what it holds. Writes after it are dropped, so a copier
// goroutine still running after a timeout cannot race with the record being built.
func (c *capture) snapshot() (out []byte, stderr int, truncated bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.frozen = true
	return c.buf, c.stderr, c.truncated
}

type captureWriter struct {
	c      *capture
	stderr bool
}

func (w captureWriter) Write(p []byte) (int, error) { return w.c.write(p, w.stderr) }

// Read sizes of ReadFrom: it starts small and doubles while reads fill the buffer.
const (
	captureReadMin = 512
	captureReadMax = 32 << 10
)

// ReadFrom copies r into the capture until EOF or a limit. x/crypto's Session copies a
// channel's stdout and stderr with io.Copy, which otherwise allocates a 32 KiB buffer per stream
// per command: 64 KiB of garbage for every command, most of it for a stderr that stays empty,
// and at hundreds of devices in flight the main source of GC work. Here the buffer starts at
// 512 bytes and grows only while the stream keeps filling it.
func (w captureWriter) ReadFrom(r io.Reader) (int64, error) {
	buf := make([]byte, captureReadMin)
	var total int64
	for {
		n, rerr := r.Read(buf)
		if n > 0 {
			m, werr := w.c.write(buf[:n], w.stderr)
			total += int64(m)
			if werr != nil {
				return total, werr
			}
			if n == len(buf) && len(buf) < captureReadMax {
				buf = make([]byte, 2*len(buf))
			}
		}
		switch {
		case rerr == io.EOF:
			return total, nil
		case rerr != nil:
			return total, rerr
		}
	}
}
