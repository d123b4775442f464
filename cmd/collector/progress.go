package main

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/oca-collector/collector/internal/progress"
)

// Values of --progress.
const (
	progressAuto   = "auto"   // a terminal on stderr and text logs
	progressAlways = "always" // even into a pipe or a file (a terminal multiplexer's log, tests)
	progressNever  = "never"
)

func checkProgressFlag(v string) error {
	switch v {
	case progressAuto, progressAlways, progressNever:
		return nil
	}
	return fmt.Errorf("--progress must be auto, always or never, not %q", v)
}

// newProgressLine returns the live line for --progress, or nil when none is drawn: "auto"
// draws only when stderr is a terminal and logs are text, so cron mail, the journal and a
// JSON log pipeline never receive carriage returns and escape codes.
func newProgressLine(mode, logFormat string, stderr io.Writer) *progress.Line {
	width, tty := terminalWidth(stderr)
	switch {
	case mode == progressNever:
		return nil
	case mode == progressAuto && (!tty || logFormat == "json"):
		return nil
	}
	return progress.New(stderr, progress.WithWidth(width))
}

// terminalWidth reports whether w is a terminal and, when it can tell, how wide.
func terminalWidth(w io.Writer) (int, bool) {
	f, ok := w.(*os.File)
	if !ok {
		return 0, false
	}
	fd := int(f.Fd())
	if !term.IsTerminal(fd) {
		return 0, false
	}
	width, _, err := term.GetSize(fd)
	if err != nil {
		return 0, true
	}
	return width, true
}
