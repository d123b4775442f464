package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/oca-collector/collector/internal/runlock"
)

// stringList is a repeatable string flag (--device a --device b, or --device a,b).
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }

func (s *stringList) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*s = append(*s, part)
		}
	}
	return nil
}

// parseInterspersed parses flags that may come before or after positional arguments
// ("render RUN_DIR -i inv.yaml" as well as "render -i inv.yaml RUN_DIR") and returns the
// positionals. It returns flag.ErrHelp for -h.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// newFlagSet returns a FlagSet that reports errors instead of exiting.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// flagExit maps a flag parsing error to an exit code: 0 for -h, 2 otherwise.
func flagExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}

// newLogger builds the stderr logger for --log-format text|json.
func newLogger(w io.Writer, format string, verbose bool) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if verbose {
		opts.Level = slog.LevelDebug
	}
	switch format {
	case "", "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return nil, fmt.Errorf("--log-format must be text or json, not %q", format)
	}
}

// acquireLock takes the output directory's lock for a command that writes there. When it
// cannot, it says why on stderr and returns the exit code: 3 when another run holds it.
func acquireLock(outDir, cmd string, stderr io.Writer) (*runlock.Lock, int) {
	lock, err := runlock.Acquire(outDir)
	if err == nil {
		return lock, exitOK
	}
	fmt.Fprintf(stderr, "collector %s: %v\n", cmd, err)
	if errors.Is(err, runlock.ErrHeld) {
		return nil, exitLocked
	}
	return nil, exitFailures
}
