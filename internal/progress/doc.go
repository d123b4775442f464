// Package progress draws the live status line an operator watching a run on a terminal sees:
// devices done out of total, failures, rate and time left, redrawn in place on stderr. It is
// the collector.Progress the CLI hands the runner; log records written through Line.Writer
// clear the line, print, and redraw it, so logs and progress never overprint each other.
// Whether to draw at all (a terminal, not JSON logs) is the CLI's decision, not this package's.
package progress
