package upload

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/oca-collector/collector/internal/dirsync"
)

// staleTempAge is how old a temporary file must be before OpenSpool deletes it as the remains of
// a crashed run; younger ones may belong to a writer that is still running.
const staleTempAge = 24 * time.Hour

// maxLastError bounds the error text kept in an entry's metadata.
const maxLastError = 4096

// Spool is a directory of bulk files the API has not accepted yet, one per asset: <uuid>.txt
// and its metadata <uuid>.json. A newer file for the same asset replaces the older one, since
// only the latest configuration matters. Files leave only through Remove, after a 200: whatever
// else goes wrong, a collected file is never lost.
//
// The metadata is advisory and written only once there is something to remember beyond the
// file itself: a failed attempt. Until then an entry's metadata lives in this Spool's memory,
// so the usual life of an entry (put, uploaded, removed) creates and deletes no file besides
// the bulk file's link. Another process, or this one after a crash, sees such an entry with
// what the file tells (Added is its modification time; RunID and Source are unknown).
//
// A Spool is safe for concurrent use within one process; across processes the collector's run
// lock keeps a single writer.
type Spool struct {
	dir string
	mu  sync.Mutex
	// fresh holds, under mu, the metadata of entries put by this Spool that have no file yet.
	fresh map[string]Entry
	// dirSync makes entries' renames and removals durable; concurrent callers share fsyncs,
	// which is why they run after mu is released.
	dirSync *dirsync.Syncer
	// dataSync, when not nil, makes the data of files on the spool's own file system (device
	// dev) durable before Put links them: one syncfs(2) shared by the Puts that arrive
	// together, instead of an fsync per file.
	dataSync syncer
	dev      uint64
}

// syncer is a dirsync.Syncer (tests substitute one they control).
type syncer interface{ Sync() error }

// Entry is one pending upload.
type Entry struct {
	AssetUUID   string    `json:"asset_uuid"`
	Path        string    `json:"-"` // the .txt in the spool; always recomputed, never trusted from disk
	RunID       string    `json:"run_id"`
	Source      string    `json:"source"` // the bulk file the entry was copied from
	Added       time.Time `json:"added"`
	Attempts    int       `json:"attempts"`
	LastError   string    `json:"last_error,omitempty"`
	LastAttempt time.Time `json:"last_attempt,omitzero"`
}

// OpenSpool opens (creating it if needed) the spool directory dir with mode 0700, tightening
// the mode of an existing directory that is open to group or others: the files are device
// configurations. Temporary files left by a crash more than a day ago are removed.
func OpenSpool(dir string) (*Spool, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open spool: %w", err)
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("open spool: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("open spool: %s is not a directory", dir)
	}
	if st.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil { //nolint:gosec // 0700 is the strictest mode a directory can have and still be used
			return nil, fmt.Errorf("open spool: %w", err)
		}
	}
	s := &Spool{dir: dir, dirSync: dirsync.New(dir), fresh: make(map[string]Entry)}
	if fs := dirsync.NewFS(dir); fs != nil {
		if dev, ok := dirsync.Device(st); ok {
			s.dataSync, s.dev = fs, dev
		}
	}
	s.removeStaleTemps(time.Now().Add(-staleTempAge))
	return s, nil
}

// Dir returns the spool directory.
func (s *Spool) Dir() string { return s.dir }

// Put places a copy of srcPath in the spool as the pending file of assetUUID, replacing any
// older entry for that asset (its attempts are reset). The copy is a hard link when srcPath is
// on the same file system and already mode 0600, a full copy otherwise; either way it
// appears atomically with mode 0600, with its data on disk, and is durable when Put returns.
//
// Before linking, srcPath's data is made durable by a syncfs(2) of the spool's file system
// that concurrent Puts share (on Linux; an fsync of the file elsewhere). That also writes back
// whatever else is pending on that file system, which a run's transcripts need by its end
// anyway: a fleet's bulk files then cost a few syncs and disk cache flushes a second instead
// of one per device.
func (s *Spool) Put(assetUUID, srcPath, runID string) (Entry, error) {
	return s.putFile(assetUUID, srcPath, runID, true)
}

// PutSynced is Put for a srcPath whose data is already on disk, as WriteFileAtomic leaves the
// files it writes (`collector render`'s output): a hard link to it is not fsynced again, which
// costs a journal commit per file. A run's bulk files are written without an fsync: Put.
func (s *Spool) PutSynced(assetUUID, srcPath, runID string) (Entry, error) {
	return s.putFile(assetUUID, srcPath, runID, false)
}

func (s *Spool) putFile(assetUUID, srcPath, runID string, syncSrc bool) (Entry, error) {
	if !ValidAssetUUID(assetUUID) {
		return Entry{}, fmt.Errorf("spool put %q: %w", assetUUID, ErrInvalidAssetUUID)
	}
	st, err := os.Stat(srcPath)
	if err != nil {
		return Entry{}, fmt.Errorf("spool put %s: %w", assetUUID, err)
	}
	if !st.Mode().IsRegular() {
		return Entry{}, fmt.Errorf("spool put %s: %s is not a regular file", assetUUID, srcPath)
	}
	src, err := filepath.Abs(srcPath)
	if err != nil {
		return Entry{}, fmt.Errorf("spool put %s: %w", assetUUID, err)
	}
	linkable := st.Mode().Perm() == 0o600 && s.sameFS(st)
	if linkable && syncSrc {
		// The data must be on disk before a name in the spool points at it.
		if err := s.syncData(src, st); err != nil {
			return Entry{}, fmt.Errorf("spool put %s: %w", assetUUID, err)
		}
	}
	e, err := s.put(assetUUID, src, runID, linkable)
	if err != nil {
		return Entry{}, fmt.Errorf("spool put %s: %w", assetUUID, err)
	}
	if err := s.dirSync.Sync(); err != nil {
		return Entry{}, fmt.Errorf("spool put %s: %w", assetUUID, err)
	}
	return e, nil
}

// sameFS reports whether the file st describes may be on the spool's file system: false only
// when both devices are known and differ, where a link cannot work and put copies instead.
func (s *Spool) sameFS(st os.FileInfo) bool {
	dev, ok := dirsync.Device(st)
	return !ok || s.dataSync == nil || dev == s.dev
}

// syncData makes the data of src (described by st), a file put is about to link, durable: by
// the shared syncfs when src is known to be on the spool's file system, by an fsync of src
// otherwise.
func (s *Spool) syncData(src string, st os.FileInfo) error {
	if dev, ok := dirsync.Device(st); ok && s.dataSync != nil && dev == s.dev {
		return s.dataSync.Sync()
	}
	return dirsync.Fsync(src)
}

// put links or copies src into the spool, under s.mu, and keeps its metadata in memory after
// deleting an older entry's (a missing one costs a failed lookup, no inode); the directory
// fsync that makes the link durable is the caller's.
func (s *Spool) put(assetUUID, src, runID string, linkable bool) (Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := assetUUID + ".txt"
	if !linkable || linkInto(src, s.dir, name) != nil {
		err := writeFileAtomic(s.dir, name, true, func(f *os.File) error {
			in, err := os.Open(src)
			if err != nil {
				return err
			}
			defer in.Close()
			_, err = io.Copy(f, in)
			return err
		})
		if err != nil {
			return Entry{}, err
		}
	}
	e := Entry{
		AssetUUID: assetUUID,
		Path:      filepath.Join(s.dir, name),
		RunID:     runID,
		Source:    src,
		Added:     time.Now().UTC().Round(0),
	}
	if err := os.Remove(s.metaPath(assetUUID)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return Entry{}, err
	}
	s.fresh[assetUUID] = e
	return e, nil
}

// Get returns the pending entry of assetUUID; ok is false when there is none.
func (s *Spool) Get(assetUUID string) (e Entry, ok bool, err error) {
	if !ValidAssetUUID(assetUUID) {
		return Entry{}, false, fmt.Errorf("spool get %q: %w", assetUUID, ErrInvalidAssetUUID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok, err = s.get(assetUUID)
	if err != nil {
		return Entry{}, false, fmt.Errorf("spool get %s: %w", assetUUID, err)
	}
	return e, ok, nil
}

// List returns every pending entry, sorted by asset UUID. A bulk file whose metadata is missing
// or unreadable is still listed, with what the file itself tells (its modification time as
// Added); temporary files are never listed.
func (s *Spool) List() ([]Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	des, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("spool list: %w", err)
	}
	var out []Entry
	for _, de := range des {
		uuid, isTxt := strings.CutSuffix(de.Name(), ".txt")
		if !isTxt || !ValidAssetUUID(uuid) || !de.Type().IsRegular() {
			continue // temp files ("<uuid>.txt.tmp-..."), metadata, strangers
		}
		e, ok, err := s.get(uuid)
		if err != nil {
			return nil, fmt.Errorf("spool list: %w", err)
		}
		if ok {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].AssetUUID < out[j].AssetUUID })
	return out, nil
}

// RecordFailure notes a failed upload of assetUUID's pending file: one more attempt, the error's
// text and the time. Errors from this package carry no secret, so their text is kept as is.
func (s *Spool) RecordFailure(assetUUID string, uploadErr error) error {
	if !ValidAssetUUID(assetUUID) {
		return fmt.Errorf("spool record failure %q: %w", assetUUID, ErrInvalidAssetUUID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok, err := s.get(assetUUID)
	if err != nil {
		return fmt.Errorf("spool record failure %s: %w", assetUUID, err)
	}
	if !ok {
		return fmt.Errorf("spool record failure %s: %w", assetUUID, fs.ErrNotExist)
	}
	e.Attempts++
	e.LastError = ""
	if uploadErr != nil {
		e.LastError = uploadErr.Error()
		if len(e.LastError) > maxLastError {
			e.LastError = e.LastError[:maxLastError]
		}
	}
	e.LastAttempt = time.Now().UTC().Round(0)
	if err := s.writeMeta(e); err != nil {
		return fmt.Errorf("spool record failure %s: %w", assetUUID, err)
	}
	return nil
}

// Remove deletes assetUUID's pending file and metadata. Call it only after the API answered 200
// for that file. Removing an absent entry is not an error.
//
// The removal is not fsynced: if the machine loses power before the kernel writes the
// directory back, the file is back in the spool afterwards and is sent once more, which
// replaces the same configuration with itself. A directory fsync per upload would pay for
// that on every run.
func (s *Spool) Remove(assetUUID string) error {
	if !ValidAssetUUID(assetUUID) {
		return fmt.Errorf("spool remove %q: %w", assetUUID, ErrInvalidAssetUUID)
	}
	if err := s.remove(assetUUID); err != nil {
		return fmt.Errorf("spool remove %s: %w", assetUUID, err)
	}
	return nil
}

// remove deletes the entry's files under s.mu. The bulk file goes first: a crash in between
// leaves stray metadata, never a file without the chance of being listed.
func (s *Spool) remove(assetUUID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := []string{assetUUID + ".txt", assetUUID + ".json"}
	if _, fresh := s.fresh[assetUUID]; fresh {
		names = names[:1] // a fresh entry has no metadata file
	}
	for _, name := range names {
		if err := os.Remove(filepath.Join(s.dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	delete(s.fresh, assetUUID)
	return nil
}

// get reads one entry; the caller holds s.mu and has validated uuid.
func (s *Spool) get(uuid string) (Entry, bool, error) {
	path := filepath.Join(s.dir, uuid+".txt")
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Entry{}, false, nil
	}
	if err != nil {
		return Entry{}, false, err
	}
	e, ok := s.fresh[uuid]
	if ok {
		e.Path = path
		return e, true, nil
	}
	data, err := os.ReadFile(s.metaPath(uuid))
	if err != nil || json.Unmarshal(data, &e) != nil || e.AssetUUID != uuid {
		// Missing or damaged metadata: keep the file, rebuild what can be known.
		e = Entry{AssetUUID: uuid, Added: st.ModTime().UTC()}
	}
	e.Path = path
	return e, true, nil
}

// metaPath is the name of uuid's metadata file.
func (s *Spool) metaPath(uuid string) string { return filepath.Join(s.dir, uuid+".json") }

// writeMeta stores e as <uuid>.json; the caller holds s.mu. The metadata is advisory (get
// rebuilds what it can when it is missing or damaged), so its data is not fsynced and its
// rename is made durable only by the next directory fsync: a crash may cost an attempt count,
// never a pending file.
func (s *Spool) writeMeta(e Entry) error {
	data, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	err = writeFileAtomic(s.dir, e.AssetUUID+".json", false, func(f *os.File) error {
		_, err := f.Write(append(data, '\n'))
		return err
	})
	if err == nil {
		delete(s.fresh, e.AssetUUID)
	}
	return err
}

// removeStaleTemps deletes temporary files last modified before cutoff. Failures are ignored:
// a leftover temp file is clutter, never an entry.
func (s *Spool) removeStaleTemps(cutoff time.Time) {
	des, err := os.ReadDir(s.dir)
	if err != nil {
		return
	}
	for _, de := range des {
		if !strings.Contains(de.Name(), tempMarker) || !de.Type().IsRegular() {
			continue
		}
		if info, err := de.Info(); err == nil && info.ModTime().Before(cutoff) {
			os.Remove(filepath.Join(s.dir, de.Name()))
		}
	}
}
