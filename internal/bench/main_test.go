package bench

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
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
	if os.Getenv(envReaper) == "1" {
		os.Exit(reaperMain(os.Args[1:]))
	}
	code := m.Run()
	if binaries.dir != "" {
		_ = os.RemoveAll(binaries.dir)
	}
	if kept.root != "" {
		_ = os.RemoveAll(kept.root)
		noteDeletion()
	}
	os.Exit(code)
}

// kept is the directory under which the fleet benchmarks' working directories live until the
// test binary exits (keptDir).
var kept struct {
	once sync.Once
	root string
	err  error
}

// keptDir returns a new directory that, unlike tb.TempDir's, is not removed when tb ends but
// when the test binary does. A fleet run leaves tens of thousands of files (two per device);
// deleting them between benchmarks would make the next measured run pay for it on a file system
// without a journal, where the inode allocator skips and looks up every inode freed in the last
// 60 s (see settleDisk). A 10,000-device run started a minute after the previous one's files
// were deleted spent 25-30% of its CPU there for its first 20 s (perf: __ext4_new_inode).
func keptDir(tb testing.TB) string {
	tb.Helper()
	kept.once.Do(func() { kept.root, kept.err = os.MkdirTemp("", "oca-bench-runs-") })
	if kept.err != nil {
		tb.Fatalf("bench: %v", kept.err)
	}
	dir, err := os.MkdirTemp(kept.root, "run-")
	if err != nil {
		tb.Fatalf("bench: %v", err)
	}
	return dir
}

// deletionMark is the file, in the temporary directory, where a bench binary records when it
// last deleted its runs' files, so that the next one (make bench run twice in a row) waits
// those inodes out before it measures (settleDisk).
func deletionMark() string { return filepath.Join(os.TempDir(), "oca-bench-deleted-at") }

// noteDeletion records that many files were deleted just now.
func noteDeletion() {
	_ = os.WriteFile(deletionMark(), []byte(strconv.FormatInt(time.Now().UnixNano(), 10)+"\n"), 0o600)
}

// lastDeletion is when a bench binary last noted a deletion; zero when none is on record.
func lastDeletion() time.Time {
	b, err := os.ReadFile(deletionMark())
	if err != nil {
		return time.Time{}
	}
	ns, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.Unix(0, ns)
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
