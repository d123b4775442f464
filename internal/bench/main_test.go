package bench

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// binaries are the collector and simfleet, built once per test binary (without the race
// detector: the benchmarks measure the code users run) and removed by TestMain.
var binaries struct {
	once      sync.Once
	dir       string
	collector string
	simfleet  string
	root      string
	err       error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binaries.dir != "" {
		_ = os.RemoveAll(binaries.dir)
	}
	os.Exit(code)
}

// built returns the paths of the built collector and simfleet, and the module root.
func built(tb testing.TB) (collectorBin, simfleetBin, root string) {
	tb.Helper()
	binaries.once.Do(func() {
		if binaries.root, binaries.err = moduleRoot(); binaries.err != nil {
			return
		}
		if binaries.dir, binaries.err = os.MkdirTemp("", "oca-bench-bin-"); binaries.err != nil {
			return
		}
		binaries.collector = filepath.Join(binaries.dir, "collector")
		binaries.simfleet = filepath.Join(binaries.dir, "simfleet")
		for out, pkg := range map[string]string{binaries.collector: "./cmd/collector", binaries.simfleet: "./internal/cmd/simfleet"} {
			cmd := exec.Command("go", "build", "-trimpath", "-o", out, pkg)
			cmd.Dir = binaries.root
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			if b, err := cmd.CombinedOutput(); err != nil {
				binaries.err = fmt.Errorf("go build %s: %w\n%s", pkg, err, b)
				return
			}
		}
	})
	if binaries.err != nil {
		tb.Fatalf("bench: %v", binaries.err)
	}
	return binaries.collector, binaries.simfleet, binaries.root
}

// moduleRoot finds go.mod above the working directory (the package directory under go test).
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for range 16 {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return "", errors.New("go.mod not found above the working directory")
}

// linuxCommandFile is the shipped Linux command set every fleet benchmark runs.
func linuxCommandFile(root string) string {
	return filepath.Join(root, "configs", "commands", "linux.txt")
}
