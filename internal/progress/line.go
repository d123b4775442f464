package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/oca-collector/collector/collector"
)

// minRedraw caps redraws at 4 a second: a terminal over a slow SSH session to the jump host
// should not spend its bandwidth on a status line.
const minRedraw = 250 * time.Millisecond

// tickEvery is how often the timer looks at the line: it draws what a throttled DeviceDone
// could not (so the line is never more than 250 ms behind), and redraws an unchanged line once
// a second so elapsed time and ETA keep moving during a slow stretch.
const (
	tickEvery  = minRedraw
	idleRedraw = time.Second
)

// clearLine returns the cursor to the start of the line and erases it (ANSI EL).
const clearLine = "\r\x1b[K"

// Line is a status line on a terminal. It is safe for concurrent use: the runner's workers
// report devices while the logger writes records.
type Line struct {
	w     io.Writer
	now   func() time.Time
	width int
	// ticks drives the redraw timer; nil until Started makes a ticker, unless WithTicks set it.
	ticks    <-chan time.Time
	setTicks bool
	ticker   *time.Ticker

	mu       sync.Mutex
	total    int
	done     int
	failed   int
	start    time.Time
	lastDraw time.Time
	text     string // what is on screen; "" when nothing is
	dirty    bool   // a device finished since the last draw
	running  bool
	stop     chan struct{}
	stopped  chan struct{}
}

var _ collector.Progress = (*Line)(nil)

// Option configures a Line.
type Option func(*Line)

// WithClock replaces time.Now (tests).
func WithClock(now func() time.Time) Option { return func(l *Line) { l.now = now } }

// WithWidth truncates the line to the terminal's width, since a line that wraps can no longer
// be redrawn in place. 0 means unknown: no truncation.
func WithWidth(columns int) Option { return func(l *Line) { l.width = columns } }

// WithTicks replaces the redraw timer by ticks (tests; nil means never).
func WithTicks(ticks <-chan time.Time) Option {
	return func(l *Line) { l.ticks, l.setTicks = ticks, true }
}

// New returns a Line drawing on w, normally the terminal's stderr.
func New(w io.Writer, opts ...Option) *Line {
	l := &Line{w: w, now: time.Now}
	for _, o := range opts {
		o(l)
	}
	return l
}

// Started draws the first line and starts the redraw timer; Finish stops it.
func (l *Line) Started(total int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total, l.done, l.failed = total, 0, 0
	l.start = l.now()
	l.draw(true)
	if !l.running {
		l.running = true
		if !l.setTicks {
			l.ticker = time.NewTicker(tickEvery)
			l.ticks = l.ticker.C
		}
		l.stop, l.stopped = make(chan struct{}), make(chan struct{})
		go l.tick(l.ticks, l.stop, l.stopped)
	}
}

// DeviceDone counts a device (failed and partial ones as failures) and redraws, at most 4
// times a second, and always for the last device.
func (l *Line) DeviceDone(res collector.DeviceResult) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.done++
	if res.Status == collector.StatusFailed || res.Status == collector.StatusPartial {
		l.failed++
	}
	l.dirty = true
	l.draw(l.done >= l.total)
}

// Finish stops the timer and erases the line, leaving the terminal clean for the summary.
func (l *Line) Finish() {
	l.mu.Lock()
	stop, stopped := l.stop, l.stopped
	running := l.running
	l.running = false
	l.mu.Unlock()
	if running {
		close(stop)
		<-stopped
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ticker != nil {
		l.ticker.Stop()
		l.ticker = nil
	}
	if l.text != "" {
		_, _ = io.WriteString(l.w, clearLine)
		l.text = ""
	}
}

// Writer is where the logger writes: each record erases the line, is printed, and the line is
// drawn again below it.
func (l *Line) Writer() io.Writer { return lineWriter{l} }

type lineWriter struct{ l *Line }

func (w lineWriter) Write(p []byte) (int, error) {
	l := w.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.text != "" {
		if _, err := io.WriteString(l.w, clearLine); err != nil {
			return 0, err
		}
	}
	n, err := l.w.Write(p)
	if err != nil {
		return n, err
	}
	if l.text != "" {
		_, _ = io.WriteString(l.w, l.text)
	}
	return n, nil
}

func (l *Line) tick(ticks <-chan time.Time, stop, stopped chan struct{}) {
	defer close(stopped)
	for {
		select {
		case <-stop:
			return
		case <-ticks:
			l.mu.Lock()
			if l.dirty || l.now().Sub(l.lastDraw) >= idleRedraw {
				l.draw(false)
			}
			l.mu.Unlock()
		}
	}
}

// draw redraws the line unless the last redraw was under minRedraw ago (force skips that
// check); the caller holds l.mu. A failed write is ignored: the line is decoration, and the
// logger writing to the same terminal reports nothing better.
func (l *Line) draw(force bool) {
	now := l.now()
	if !force && !l.lastDraw.IsZero() && now.Sub(l.lastDraw) < minRedraw {
		return
	}
	text := Render(l.done, l.total, l.failed, now.Sub(l.start))
	if l.width > 1 && len(text) > l.width-1 {
		text = text[:l.width-1] // the text is ASCII; the last column stays free so nothing wraps
	}
	l.lastDraw = now
	l.text = text
	l.dirty = false
	_, _ = io.WriteString(l.w, clearLine+text)
}

// Render is the status text for done of total devices with failed failures after elapsed:
// "devices 120/1000 (12%) | failed 3 | 9.8/s | elapsed 12s | ETA 1m30s".
func Render(done, total, failed int, elapsed time.Duration) string {
	var b strings.Builder
	pct := 100
	if total > 0 {
		pct = done * 100 / total
	}
	fmt.Fprintf(&b, "devices %d/%d (%d%%) | failed %d", done, total, pct, failed)
	secs := elapsed.Seconds()
	if done > 0 && secs > 0 {
		rate := float64(done) / secs
		fmt.Fprintf(&b, " | %s/s", formatRate(rate))
		fmt.Fprintf(&b, " | elapsed %s", round(elapsed))
		if done < total {
			eta := time.Duration(float64(total-done) / rate * float64(time.Second))
			fmt.Fprintf(&b, " | ETA %s", round(eta))
		}
		return b.String()
	}
	fmt.Fprintf(&b, " | elapsed %s", round(elapsed))
	if done < total {
		b.WriteString(" | ETA --")
	}
	return b.String()
}

// formatRate gives 3 significant digits at most, without a useless ".0" for big rates.
func formatRate(r float64) string {
	switch {
	case r >= 100:
		return fmt.Sprintf("%.0f", r)
	case r >= 10:
		return fmt.Sprintf("%.1f", r)
	default:
		return fmt.Sprintf("%.2f", r)
	}
}

// round is d to the whole second; tenths would only flicker.
func round(d time.Duration) time.Duration {
	if d < 0 {
		return 0
	}
	return d.Round(time.Second)
}
