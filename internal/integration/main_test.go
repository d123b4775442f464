package integration

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/oca-collector/collector/internal/sshdtest"
)

// buildTimeout bounds the one `go build` of the collector; a warm cache needs a few seconds,
// a cold one on a loaded 2-core box well under a minute.
const buildTimeout = 3 * time.Minute

// collectorBin is the collector binary built once by TestMain ("" when sshd is unavailable and
// every test skips anyway). Written before any test runs, read-only afterwards.
var collectorBin string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

// runTests builds the binary into a temporary directory that outlives every test, then runs them.
// The build is skipped where sshdtest cannot run: each test then skips in sshdtest.Start with
// the harness's reason, and nothing is compiled for nothing.
func runTests(m *testing.M) int {
	if _, err := sshdtest.Available(); err != nil {
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "oca-integration-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "integration: temp dir: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "collector")
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = "/usr/local/go/bin/go"
	}
	out, err := exec.CommandContext(ctx, goTool, "build", "-o", bin, "github.com/oca-collector/collector/cmd/collector").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "integration: build collector: %v\n%s", err, out)
		return 1
	}
	collectorBin = bin
	return m.Run()
}
