package fleet

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
	"time"
)

// runsTree makes outputDir/runs with finished runs (report.json inside), plus whatever else the
// test adds, and returns outputDir.
func runsTree(t *testing.T, finished ...string) string {
	t.Helper()
	out := t.TempDir()
	for _, id := range finished {
		dir := filepath.Join(out, "runs", id)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"report.json", "1c0f5a2e-1111-4222-8333-444455556666.txt"} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	return out
}

func remaining(t *testing.T, out string) []string {
	t.Helper()
	des, err := os.ReadDir(filepath.Join(out, "runs"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	sort.Strings(names)
	return names
}

func TestPruneKeepsTheNewest(t *testing.T) {
	now := time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC)
	out := runsTree(t, "20261201T020000Z", "20261202T020000Z", "20261202T020000Z-1", "20261202T020000Z-2",
		"20261202T020000Z-10", "20261203T020000Z", "20261204T020000Z")
	// Strangers under runs/ and the spool beside it are never touched.
	for _, p := range []string{"runs/notes", "runs/.latest.tmp-1", "spool/1c0f5a2e-1111-4222-8333-444455556666.txt"} {
		if err := os.MkdirAll(filepath.Join(out, filepath.Dir(p)), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, p), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(out, "runs", "20250101T000000Z.bak"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("20261204T020000Z", filepath.Join(out, "runs", "latest")); err != nil {
		t.Fatal(err)
	}

	deleted, err := Prune(out, 3, "20261204T020000Z", now)
	if err != nil {
		t.Fatal(err)
	}
	// Numeric suffix order: -2 is older than -10.
	wantDeleted := []string{"20261201T020000Z", "20261202T020000Z", "20261202T020000Z-1", "20261202T020000Z-2"}
	if !reflect.DeepEqual(deleted, wantDeleted) {
		t.Errorf("deleted %v, want %v", deleted, wantDeleted)
	}
	want := []string{".latest.tmp-1", "20250101T000000Z.bak", "20261202T020000Z-10", "20261203T020000Z", "20261204T020000Z", "latest", "notes"}
	if got := remaining(t, out); !reflect.DeepEqual(got, want) {
		t.Errorf("runs/ holds %v, want %v", got, want)
	}
	if _, err := os.Stat(filepath.Join(out, "spool", "1c0f5a2e-1111-4222-8333-444455556666.txt")); err != nil {
		t.Errorf("spool: %v", err)
	}

	// Nothing more to do: idempotent.
	if deleted, err := Prune(out, 3, "20261204T020000Z", now); err != nil || len(deleted) != 0 {
		t.Errorf("second prune: %v, %v", deleted, err)
	}
}

// TestPruneNeverDeletes: keep 0, the current run, latest's target, and a run in progress
// survive even when they are the oldest; an abandoned run (no report, a day old) does not.
func TestPruneNeverDeletes(t *testing.T) {
	now := time.Now()
	out := runsTree(t, "20261201T000000Z", "20261202T000000Z", "20261203T000000Z", "20261209T000000Z")
	for _, id := range []string{"20261101T000000Z", "20261102T000000Z"} { // no report.json
		if err := os.MkdirAll(filepath.Join(out, "runs", id), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	old := now.Add(-25 * time.Hour)
	if err := os.Chtimes(filepath.Join(out, "runs", "20261101T000000Z"), old, old); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("20261202T000000Z", filepath.Join(out, "runs", "latest")); err != nil {
		t.Fatal(err)
	}
	if deleted, err := Prune(out, 0, "", now); err != nil || len(deleted) != 0 {
		t.Fatalf("keep 0 deleted %v, %v", deleted, err)
	}
	deleted, err := Prune(out, 1, "20261201T000000Z", now)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"20261101T000000Z", "20261203T000000Z"}; !reflect.DeepEqual(deleted, want) {
		t.Errorf("deleted %v, want %v", deleted, want)
	}
	want := []string{"20261102T000000Z", "20261201T000000Z", "20261202T000000Z", "20261209T000000Z", "latest"}
	if got := remaining(t, out); !reflect.DeepEqual(got, want) {
		t.Errorf("runs/ holds %v, want %v", got, want)
	}
	if _, err := Prune(filepath.Join(out, "missing"), 3, "", now); err == nil {
		t.Error("no runs directory: no error")
	}
}
