package collector

import (
	"bufio"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dirNames lists dir, failing the test on error.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteFileAtomicWritesAndReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "asset.txt")
	for _, content := range []string{"first\n", "second, longer content\n", ""} {
		err := WriteFileAtomic(path, func(w io.Writer) error {
			_, err := io.WriteString(w, content)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != content {
			t.Fatalf("content %q, want %q", got, content)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
		}
		if names := dirNames(t, dir); len(names) != 1 || names[0] != "asset.txt" {
			t.Fatalf("directory holds %v, want only asset.txt", names)
		}
	}
}

func TestWriteFileAtomicReplacesLooserMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(path, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v after replacing a 0644 file, want 0600", fi.Mode().Perm())
	}
}

func TestWriteFileAtomicTempFileWhileWriting(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a*b.txt") // '*' must not be taken for CreateTemp's wildcard
	var seen []string
	err := WriteFileAtomic(path, func(w io.Writer) error {
		seen = dirNames(t, dir)
		_, err := io.WriteString(w, "x")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 {
		t.Fatalf("while writing the directory held %v, want one temporary file", seen)
	}
	tmp := seen[0]
	if !strings.HasPrefix(tmp, ".a*b.txt.tmp-") || !IsTempFile(tmp) {
		t.Errorf("temporary file %q: want prefix .a*b.txt.tmp- and IsTempFile true", tmp)
	}
	if names := dirNames(t, dir); len(names) != 1 || names[0] != "a*b.txt" {
		t.Fatalf("after writing the directory holds %v, want only a*b.txt", names)
	}
}

func TestWriteFileAtomicFailureKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "asset.txt")
	if err := os.WriteFile(path, []byte("old content\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	errBoom := errors.New("boom")

	t.Run("write error", func(t *testing.T) {
		err := WriteFileAtomic(path, func(w io.Writer) error {
			// More than the buffer, so part of it really reaches the temporary file.
			if _, err := w.Write(make([]byte, 3*atomicBufferSize)); err != nil {
				return err
			}
			return errBoom
		})
		if !errors.Is(err, errBoom) {
			t.Fatalf("error %v, want the write function's error", err)
		}
	})
	t.Run("panic", func(t *testing.T) {
		func() {
			defer func() {
				if r := recover(); r != "write panicked" {
					t.Fatalf("recovered %v, want the write function's panic", r)
				}
			}()
			_ = WriteFileAtomic(path, func(w io.Writer) error {
				_, _ = io.WriteString(w, "half")
				panic("write panicked")
			})
		}()
	})

	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "old content\n" {
		t.Fatalf("old file changed to %q", got)
	}
	if names := dirNames(t, dir); len(names) != 1 || names[0] != "asset.txt" {
		t.Fatalf("directory holds %v, want only asset.txt (no temporary file left)", names)
	}
}

func TestWriteFileAtomicErrors(t *testing.T) {
	dir := t.TempDir()
	called := false
	write := func(w io.Writer) error { called = true; return nil }

	err := WriteFileAtomic(filepath.Join(dir, "missing", "asset.txt"), write)
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), filepath.Join(dir, "missing")) {
		t.Errorf("missing directory: error %v, want ErrNotExist naming the directory", err)
	}
	if called {
		t.Error("write was called although the temporary file could not be created")
	}

	// The target is a non-empty directory: rename fails, the temporary file must go.
	target := filepath.Join(dir, "taken")
	if err := os.MkdirAll(filepath.Join(target, "inside"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(target, write); err == nil {
		t.Error("writing over a directory succeeded")
	}
	if names := dirNames(t, dir); len(names) != 1 || names[0] != "taken" {
		t.Errorf("directory holds %v after a failed rename, want only taken", names)
	}

	if err := WriteFileAtomic(dir+string(filepath.Separator), write); err == nil ||
		!strings.Contains(err.Error(), "no file name") {
		t.Errorf("path without a file name: error %v", err)
	}
}

func TestIsTempFile(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{".asset.txt.tmp-123456", true},
		{".a.tmp-0", true},
		{"/var/lib/oca/runs/x/.asset.json.tmp-4294967295", true},
		{".a*b.txt.tmp-42", true},
		{"asset.txt", false},
		{"asset.txt.tmp-123", false}, // no leading dot
		{".asset.txt", false},
		{".asset.txt.tmp-", false}, // no digits
		{".asset.txt.tmp-12a", false},
		{"..tmp-123", false}, // no target name
		{".tmp-123", false},
		{"", false},
		{".", false},
	}
	for _, tc := range tests {
		if got := IsTempFile(tc.name); got != tc.want {
			t.Errorf("IsTempFile(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// A buffer reused across files must not carry a failed write's bytes into the next file.
func TestWriteFileAtomicReusedBufferDropsFailedWrite(t *testing.T) {
	dir := t.TempDir()
	bw := bufio.NewWriterSize(nil, atomicBufferSize)
	boom := errors.New("render failed")
	err := writeFileAtomic(filepath.Join(dir, "a.txt"), bw, syncAll, func(w io.Writer) error {
		_, _ = io.WriteString(w, "half of a")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want %v", err, boom)
	}
	if err := writeFileAtomic(filepath.Join(dir, "b.txt"), bw, syncNone, func(w io.Writer) error {
		_, err := io.WriteString(w, "all of b\n")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "b.txt"))
	if err != nil || string(got) != "all of b\n" {
		t.Fatalf("b.txt = %q, %v", got, err)
	}
	if names := dirNames(t, dir); len(names) != 1 || names[0] != "b.txt" {
		t.Fatalf("directory holds %v, want only b.txt", names)
	}
}
