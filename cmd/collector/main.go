// Command collector collects configuration evidence from network devices and servers over SSH
// and uploads it to the Qualys OCA API. This package only parses flags, wires the packages
// together and picks the exit code (see DESIGN.md "CLI contract").
package main

import (
	"fmt"
	"io"
	"os"
)

// Exit codes (DESIGN.md).
const (
	exitOK          = 0   // every selected device collected and, when uploading, uploaded
	exitFailures    = 1   // the run finished but a device or an upload failed
	exitUsage       = 2   // usage or inventory error; nothing was contacted
	exitLocked      = 3   // another run holds the lock
	exitInterrupted = 130 // SIGINT/SIGTERM
)

// version is set at build time: -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `collector: collect device configurations over SSH and upload them to Qualys OCA.

Usage:
  collector run      -i INVENTORY [--device NAME]... [--group NAME]... [--no-upload]
                     [--concurrency N] [--output-dir DIR] [--report FILE] [--log-format text|json]
                     [--shard I/N] [--metrics-file FILE] [--progress auto|always|never]
  collector validate -i INVENTORY
  collector upload   -i INVENTORY --pending
  collector upload   -i INVENTORY --asset UUID FILE.txt
  collector render   -i INVENTORY RUN_DIR_OR_TRANSCRIPT
  collector assets   provision|status -i INVENTORY [--device NAME]... [--group NAME]...
  collector serve    -i INVENTORY [--log-format text|json]   # agent: schedule + HTTP API
  collector demo     [--dir DIR] [--devices N]
  collector version

Exit codes: 0 success, 1 some device or upload failed, 2 usage or inventory error,
3 another run holds the lock, 130 interrupted.
Run 'collector COMMAND -h' for a command's flags.
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	defer startProfiles(stderr)()
	switch cmd {
	case "run":
		return runCmd(rest, stdout, stderr)
	case "validate":
		return validateCmd(rest, stdout, stderr)
	case "upload":
		return uploadCmd(rest, stdout, stderr)
	case "render":
		return renderCmd(rest, stdout, stderr)
	case "assets":
		return assetsCmd(rest, stdout, stderr)
	case "serve":
		return serveCmd(rest, stdout, stderr)
	case "demo":
		return demoCmd(rest, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "collector %s\n", version)
		return exitOK
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "collector: unknown command %q\n\n%s", cmd, usage)
		return exitUsage
	}
}
