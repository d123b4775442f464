package upload

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func openTestSpool(t *testing.T) *Spool {
	t.Helper()
	s, err := OpenSpool(filepath.Join(t.TempDir(), "spool"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func writeFileMode(t *testing.T, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "src.txt")
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil { // umask-proof
		t.Fatal(err)
	}
	return p
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Mode().Perm(); got != want {
		t.Errorf("%s: mode %o, want %o", filepath.Base(path), got, want)
	}
}

func TestSpoolPutGetListRemove(t *testing.T) {
	s := openTestSpool(t)
	assertMode(t, s.Dir(), 0o700)
	for _, mode := range []os.FileMode{0o600, 0o644} { // hard link, copy
		src := writeFileMode(t, "bulk for "+mode.String(), mode)
		before := time.Now().Add(-time.Second)
		e, err := s.Put(testUUID, src, "20261203T160000Z")
		if err != nil {
			t.Fatalf("Put (src %o): %v", mode, err)
		}
		if e.AssetUUID != testUUID || e.RunID != "20261203T160000Z" || e.Source != src || e.Attempts != 0 ||
			e.Path != filepath.Join(s.Dir(), testUUID+".txt") || e.Added.Before(before) {
			t.Errorf("Put entry = %+v", e)
		}
		data, err := os.ReadFile(e.Path)
		if err != nil || string(data) != "bulk for "+mode.String() {
			t.Errorf("spooled content = %q, %v", data, err)
		}
		assertMode(t, e.Path, 0o600)
		if _, err := os.Stat(filepath.Join(s.Dir(), testUUID+".json")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Put wrote metadata before any failure: %v", err)
		}
		assertMode(t, src, mode) // the source is left alone
		srcSt, _ := os.Stat(src)
		dstSt, _ := os.Stat(e.Path)
		if linked := os.SameFile(srcSt, dstSt); linked != (mode == 0o600) {
			t.Errorf("src mode %o: hard linked = %v, want a link only for a 0600 source", mode, linked)
		}
		got, ok, err := s.Get(testUUID)
		if err != nil || !ok || !got.Added.Equal(e.Added) || got.RunID != e.RunID || got.Source != e.Source || got.Path != e.Path {
			t.Errorf("Get = %+v, %v, %v; want %+v", got, ok, err, e)
		}
	}

	if _, err := s.Put(testUUID2, writeFileMode(t, "other", 0o600), "r1"); err != nil {
		t.Fatal(err)
	}
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].AssetUUID != testUUID || list[1].AssetUUID != testUUID2 {
		t.Fatalf("List = %+v", list)
	}

	if err := s.Remove(testUUID); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Get(testUUID); ok || err != nil {
		t.Errorf("Get after Remove = %v, %v", ok, err)
	}
	for _, name := range []string{testUUID + ".txt", testUUID + ".json"} {
		if _, err := os.Stat(filepath.Join(s.Dir(), name)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s still there after Remove: %v", name, err)
		}
	}
	if err := s.Remove(testUUID); err != nil {
		t.Errorf("second Remove: %v", err)
	}
	if list, _ := s.List(); len(list) != 1 || list[0].AssetUUID != testUUID2 {
		t.Errorf("List after Remove = %+v", list)
	}
}

func TestSpoolReplacesOlderEntry(t *testing.T) {
	s := openTestSpool(t)
	if _, err := s.Put(testUUID, writeFileMode(t, "old", 0o600), "run1"); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordFailure(testUUID, errors.New("OCA API 503: Service Unavailable")); err != nil {
		t.Fatal(err)
	}
	e, err := s.Put(testUUID, writeFileMode(t, "new", 0o644), "run2")
	if err != nil {
		t.Fatal(err)
	}
	got, _, _ := s.Get(testUUID)
	data, _ := os.ReadFile(e.Path)
	if got.RunID != "run2" || got.Attempts != 0 || got.LastError != "" || string(data) != "new" {
		t.Errorf("after replacing: %+v, content %q", got, data)
	}
	if list, _ := s.List(); len(list) != 1 {
		t.Errorf("List = %+v, want one entry", list)
	}
}

func TestSpoolRecordFailure(t *testing.T) {
	s := openTestSpool(t)
	if _, err := s.Put(testUUID, writeFileMode(t, "x", 0o600), "run1"); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 2; i++ {
		before := time.Now().Add(-time.Second)
		if err := s.RecordFailure(testUUID, errors.New("failure "+string(rune('0'+i)))); err != nil {
			t.Fatal(err)
		}
		e, _, _ := s.Get(testUUID)
		if e.Attempts != i || e.LastError != "failure "+string(rune('0'+i)) || e.LastAttempt.Before(before) || e.RunID != "run1" {
			t.Errorf("after %d failures: %+v", i, e)
		}
	}
	if err := s.RecordFailure(testUUID2, errors.New("x")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("RecordFailure on a missing entry: %v", err)
	}
}

// The metadata reaches the disk with the first failure: another process (a new Spool on the
// same directory) then sees what this one knew. An entry without a failure is seen from its
// file alone, and a newer Put drops the older file's metadata.
func TestSpoolMetadataWrittenOnFailure(t *testing.T) {
	s := openTestSpool(t)
	src := writeFileMode(t, "x", 0o600)
	put, err := s.Put(testUUID, src, "run1")
	if err != nil {
		t.Fatal(err)
	}
	other := func() Entry {
		t.Helper()
		o, err := OpenSpool(s.Dir())
		if err != nil {
			t.Fatal(err)
		}
		e, ok, err := o.Get(testUUID)
		if err != nil || !ok {
			t.Fatalf("another spool: Get = %+v, %v, %v", e, ok, err)
		}
		return e
	}
	st, _ := os.Stat(put.Path)
	if e := other(); e.RunID != "" || e.Source != "" || e.Attempts != 0 || !e.Added.Equal(st.ModTime().UTC()) {
		t.Errorf("before any failure, another spool sees %+v; want the file's own facts", e)
	}
	if err := s.RecordFailure(testUUID, errors.New("OCA API 503")); err != nil {
		t.Fatal(err)
	}
	assertMode(t, filepath.Join(s.Dir(), testUUID+".json"), 0o600)
	if e := other(); e.RunID != "run1" || e.Source != src || e.Attempts != 1 || e.LastError != "OCA API 503" || !e.Added.Equal(put.Added) {
		t.Errorf("after a failure, another spool sees %+v", e)
	}
	if _, err := s.Put(testUUID, writeFileMode(t, "y", 0o600), "run2"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.Dir(), testUUID+".json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the older file's metadata survived a new Put: %v", err)
	}
	if e := other(); e.Attempts != 0 || e.RunID != "" {
		t.Errorf("after a new Put, another spool sees %+v", e)
	}
	// An entry whose failure was recorded leaves with its metadata.
	if err := s.RecordFailure(testUUID, errors.New("OCA API 503")); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(testUUID); err != nil {
		t.Fatal(err)
	}
	if des, _ := os.ReadDir(s.Dir()); len(des) != 0 {
		t.Errorf("spool after Remove holds %v", des)
	}
}

func TestSpoolNeverListsTempFilesAndKeepsOrphans(t *testing.T) {
	s := openTestSpool(t)
	dir := s.Dir()
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// Leftovers of a crashed writer, metadata without a file, strangers.
	write(testUUID+".txt.tmp-123456", "half written")
	write(testUUID+".json.tmp-99", "{")
	write(testUUID2+".json", `{"asset_uuid":"`+testUUID2+`","run_id":"gone"}`)
	write("README", "not an entry")
	write("not-a-uuid.txt", "x")
	if err := os.Mkdir(filepath.Join(dir, "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa.txt"), 0o700); err != nil {
		t.Fatal(err)
	}
	list, err := s.List()
	if err != nil || len(list) != 0 {
		t.Fatalf("List = %+v, %v; want nothing", list, err)
	}

	// A bulk file without metadata (crash between the two renames) and one with damaged
	// metadata are still listed.
	const orphan = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"
	write(orphan+".txt", "orphan")
	write(testUUID+".txt", "damaged meta")
	write(testUUID+".json", "{not json")
	list, err = s.List()
	if err != nil || len(list) != 2 || list[0].AssetUUID != testUUID || list[1].AssetUUID != orphan {
		t.Fatalf("List = %+v, %v", list, err)
	}
	for _, e := range list {
		if e.Added.IsZero() || e.Path != filepath.Join(dir, e.AssetUUID+".txt") {
			t.Errorf("reconstructed entry = %+v", e)
		}
	}
}

func TestOpenSpoolTightensAndCleans(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "spool")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, testUUID+".txt.tmp-old")
	fresh := filepath.Join(dir, testUUID2+".txt.tmp-new")
	for _, p := range []string{stale, fresh} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-48 * time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenSpool(dir); err != nil {
		t.Fatal(err)
	}
	assertMode(t, dir, 0o700)
	if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stale temp file kept: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("fresh temp file removed: %v", err)
	}

	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenSpool(file); err == nil {
		t.Error("OpenSpool accepted a regular file")
	}
}

func TestSpoolRefusesBadUUID(t *testing.T) {
	s := openTestSpool(t)
	src := writeFileMode(t, "x", 0o600)
	for _, bad := range []string{"", "../../etc/passwd", "1c0f5a2e-1111-4222-8333-44445555666", "1c0f5a2e/1111-4222-8333-444455556666",
		"1c0f5a2e-1111-4222-8333-44445555666g", testUUID + "\n"} {
		if _, err := s.Put(bad, src, "r"); !errors.Is(err, ErrInvalidAssetUUID) {
			t.Errorf("Put(%q) err = %v", bad, err)
		}
		if _, _, err := s.Get(bad); !errors.Is(err, ErrInvalidAssetUUID) {
			t.Errorf("Get(%q) err = %v", bad, err)
		}
		if err := s.RecordFailure(bad, errors.New("x")); !errors.Is(err, ErrInvalidAssetUUID) {
			t.Errorf("RecordFailure(%q) err = %v", bad, err)
		}
		if err := s.Remove(bad); !errors.Is(err, ErrInvalidAssetUUID) {
			t.Errorf("Remove(%q) err = %v", bad, err)
		}
	}
	des, _ := os.ReadDir(s.Dir())
	if len(des) != 0 {
		t.Errorf("spool not empty after refused puts: %v", des)
	}
	if _, err := s.Put(testUUID, filepath.Join(t.TempDir(), "missing.txt"), "r"); err == nil || !strings.Contains(err.Error(), testUUID) {
		t.Errorf("Put of a missing file: %v", err)
	}
}

func TestSpoolPutOfTheSpooledFileItself(t *testing.T) {
	s := openTestSpool(t)
	e, err := s.Put(testUUID, writeFileMode(t, "content", 0o600), "run1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(testUUID, e.Path, "run2"); err != nil {
		t.Fatal(err)
	}
	des, _ := os.ReadDir(s.Dir())
	if len(des) != 1 {
		t.Errorf("spool holds %v, want only the .txt", des)
	}
	got, _, _ := s.Get(testUUID)
	data, _ := os.ReadFile(got.Path)
	if got.RunID != "run2" || string(data) != "content" {
		t.Errorf("entry = %+v, content %q", got, data)
	}
}

// Put and PutSynced both link a 0600 source on the same file system (Put fsyncs its data
// first) and copy any other; a second put of an asset replaces its entry.
func TestSpoolPutAndPutSyncedLinkOrCopy(t *testing.T) {
	for name, put := range map[string]func(*Spool, string, string, string) (Entry, error){
		"Put": (*Spool).Put, "PutSynced": (*Spool).PutSynced,
	} {
		t.Run(name, func(t *testing.T) {
			s := openTestSpool(t)
			const uuid = "6f1e3b0c-1d2e-4f5a-8b9c-0d1e2f3a4b5c"
			linked := writeFileMode(t, "linked\n", 0o600)
			e, err := put(s, uuid, linked, "r1")
			if err != nil {
				t.Fatal(err)
			}
			a, _ := os.Stat(linked)
			b, _ := os.Stat(e.Path)
			if !os.SameFile(a, b) {
				t.Error("a 0600 source was copied, want a hard link")
			}
			copied := writeFileMode(t, "copied\n", 0o644)
			if e, err = put(s, uuid, copied, "r2"); err != nil {
				t.Fatal(err)
			}
			c, _ := os.Stat(copied)
			d, _ := os.Stat(e.Path)
			if os.SameFile(c, d) {
				t.Error("a 0644 source was linked, want a 0600 copy")
			}
			assertMode(t, e.Path, 0o600)
			got, ok, err := s.Get(uuid)
			if err != nil || !ok || got.RunID != "r2" {
				t.Fatalf("entry after the second put: %+v ok %v err %v", got, ok, err)
			}
			if data, _ := os.ReadFile(got.Path); string(data) != "copied\n" {
				t.Errorf("spooled content %q, want the second source", data)
			}
		})
	}
}

// gatedSyncer is a data syncer that blocks each Sync until released and counts them.
type gatedSyncer struct {
	started chan struct{}
	release chan error
	calls   atomic.Int32
}

func (g *gatedSyncer) Sync() error {
	g.calls.Add(1)
	g.started <- struct{}{}
	return <-g.release
}

// Put links a bulk file into the spool only after a file system sync that it waited for has
// returned, and not at all when that sync fails: a name in the spool never points at data that
// may not be on disk. A source on another file system is copied (and the copy fsynced)
// without that sync.
func TestSpoolPutLinksOnlyAfterTheDataSync(t *testing.T) {
	s := openTestSpool(t)
	if s.dataSync == nil {
		t.Skip("no shared file system sync on this system: Put fsyncs each file")
	}
	g := &gatedSyncer{started: make(chan struct{}, 1), release: make(chan error)}
	s.dataSync = g
	src := writeFileMode(t, "config\n", 0o600)
	spooled := filepath.Join(s.Dir(), testUUID+".txt")

	done := make(chan error, 1)
	go func() { _, err := s.Put(testUUID, src, "r1"); done <- err }()
	select {
	case <-g.started:
	case <-time.After(10 * time.Second):
		t.Fatal("Put did not sync the file system")
	}
	if _, err := os.Lstat(spooled); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the spool has the file before its data sync returned: %v", err)
	}
	g.release <- errors.New("syncfs: input/output error")
	if err := <-done; err == nil || !strings.Contains(err.Error(), "input/output error") {
		t.Fatalf("Put after a failed sync: %v, want that error", err)
	}
	if _, err := os.Lstat(spooled); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a failed sync left the file in the spool: %v", err)
	}

	go func() { _, err := s.Put(testUUID, src, "r2"); done <- err }()
	<-g.started
	g.release <- nil
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	a, _ := os.Stat(src)
	b, err := os.Stat(spooled)
	if err != nil || !os.SameFile(a, b) {
		t.Fatalf("after the sync: %v, want the source linked", err)
	}

	// PutSynced trusts its caller: no sync.
	if _, err := s.PutSynced(testUUID, src, "r3"); err != nil {
		t.Fatal(err)
	}
	if n := g.calls.Load(); n != 2 {
		t.Errorf("%d syncs for two Puts and a PutSynced, want 2", n)
	}
}
