// Package dirsync makes renames, links and unlinks in one directory durable with directory
// fsyncs that concurrent callers share (a group commit): a caller waits for the first fsync
// that starts after it asked, and many devices finishing together cost one fsync instead of
// one each.
package dirsync

import (
	"os"
	"sync"
)

// Syncer fsyncs one directory on behalf of any number of goroutines.
type Syncer struct {
	dir   string
	fsync func(dir string) error // Fsync; tests substitute one they control
	// queued, when set (by tests), is called once a caller that does not lead has joined
	// its round.
	queued func()

	mu      sync.Mutex
	running bool   // a round's fsync is in progress
	next    *round // the round that starts when the running one ends; nil when nobody waits
}

// round is one fsync and the callers it answers.
type round struct {
	done chan struct{}
	err  error
}

// New returns a Syncer for dir.
func New(dir string) *Syncer { return &Syncer{dir: dir, fsync: Fsync} }

// Sync returns once a directory fsync that started after the call has finished, with that
// fsync's error. Changes the caller made to the directory before calling are then on disk.
func (s *Syncer) Sync() error {
	s.mu.Lock()
	r := s.next
	if r == nil {
		r = &round{done: make(chan struct{})}
		s.next = r
	}
	lead := !s.running
	if lead {
		s.running, s.next = true, nil
	}
	s.mu.Unlock()
	if lead {
		s.run(r)
	} else if s.queued != nil {
		s.queued()
	}
	<-r.done
	return r.err
}

// run performs round r, then starts the round that gathered while it ran, if any, in its own
// goroutine, so the caller that led r is not held up by later callers.
func (s *Syncer) run(r *round) {
	r.err = s.fsync(s.dir)
	close(r.done)
	s.mu.Lock()
	next := s.next
	s.next = nil
	if next == nil {
		s.running = false
	}
	s.mu.Unlock()
	if next != nil {
		go s.run(next)
	}
}

// Fsync fsyncs the directory (or file) at path once: for a directory, the renames, links and
// unlinks already made in it are then on disk; for a file, its data. Its errors are the os
// package's, which name the path.
func Fsync(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
