package agent

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/oca-collector/collector/devices"
	"github.com/oca-collector/collector/internal/fleet"
	"github.com/oca-collector/collector/internal/metrics"
	"github.com/oca-collector/collector/internal/runlock"
)

// ErrConfig marks errors New finds in the inventory's agent section or its token file: the
// CLI exits 2 for them, as for any inventory problem.
var ErrConfig = errors.New("agent configuration")

// ErrLocked is returned by New when another collector holds the output directory.
var ErrLocked = fleet.ErrLocked

type configError struct{ err error }

func (e configError) Error() string        { return e.err.Error() }
func (e configError) Unwrap() error        { return e.err }
func (e configError) Is(target error) bool { return target == ErrConfig }

// Config is what the agent needs besides its inventory.
type Config struct {
	Log *slog.Logger
	// Metrics receives every finished run and is served on /metrics; nil makes a new Set.
	Metrics *metrics.Set
	// KeepRuns bounds the finished runs GET /v1/runs/{id} can still answer for; 0 means 100.
	KeepRuns int
	// ShutdownTimeout bounds how long shutdown waits for cancelled runs and open requests;
	// 0 means 30s.
	ShutdownTimeout time.Duration
}

const (
	defaultKeepRuns        = 100
	defaultShutdownTimeout = 30 * time.Second
)

// Agent is a running "collector serve". Create it with New, then call Run.
type Agent struct {
	log             *slog.Logger
	metrics         *metrics.Set
	gauges          gauges
	keepRuns        int
	shutdownTimeout time.Duration
	// outDir is fixed for the agent's life: the agent holds its lock.
	outDir string
	lock   *runlock.Lock
	ln     net.Listener
	socket string // the unix socket to remove on close; "" for TCP
	// reloaded wakes the scheduler after a reload, which may have changed the schedule.
	reloaded chan struct{}

	runCtx     context.Context
	cancelRuns context.CancelFunc
	inflight   sync.WaitGroup
	closeOnce  sync.Once
	reloadMu   sync.Mutex

	mu        sync.Mutex
	inv       *devices.Inventory
	tokenSum  [sha256.Size]byte
	loadedAt  time.Time
	reloadErr string
	draining  bool
	busy      map[string]*run // device name -> the run collecting it
	runs      map[string]*run // by id: running ones and the last keepRuns finished
	finished  []*run          // oldest first
	last      map[string]LastResult
	nextRun   time.Time // zero: no scheduled run pending
	// lastScheduled is when the last scheduled run started (agent-state.json).
	lastScheduled time.Time
}

// New prepares the agent for inv (already loaded and validated): it reads the token, takes
// the output directory's lock, opens the listener and reads the last result of each device
// from the reports on disk. Nothing is contacted until Run.
func New(inv *devices.Inventory, cfg Config) (*Agent, error) {
	if inv.Agent == nil {
		return nil, configError{fmt.Errorf("%s has no agent section: serve needs at least agent.token_file", inv.Path)}
	}
	tok, err := inv.Agent.ReadToken()
	if err != nil {
		return nil, configError{err}
	}
	a := &Agent{
		log: cfg.Log, metrics: cfg.Metrics, keepRuns: cfg.KeepRuns, shutdownTimeout: cfg.ShutdownTimeout,
		outDir: inv.OutputDir, reloaded: make(chan struct{}, 1),
		inv: inv, tokenSum: sha256.Sum256([]byte(tok.Reveal())), loadedAt: time.Now(),
		busy: map[string]*run{}, runs: map[string]*run{},
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.metrics == nil {
		a.metrics = metrics.New()
	}
	if a.keepRuns <= 0 {
		a.keepRuns = defaultKeepRuns
	}
	if a.shutdownTimeout <= 0 {
		a.shutdownTimeout = defaultShutdownTimeout
	}
	if a.gauges, err = newGauges(a.metrics); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	if a.lock, err = runlock.Acquire(a.outDir); err != nil {
		return nil, err
	}
	if a.ln, a.socket, err = listen(inv.Agent); err != nil {
		_ = a.lock.Release()
		return nil, err
	}
	a.runCtx, a.cancelRuns = context.WithCancel(context.Background())
	a.last = loadLastResults(a.outDir, inv, a.log)
	a.lastScheduled = readState(a.outDir, a.log).LastScheduledRun
	a.gauges.loaded(a.loadedAt, true)
	return a, nil
}

// Addr is where the API listens (a *net.UnixAddr for a socket).
func (a *Agent) Addr() net.Addr {
	if a.socket != "" {
		return &net.UnixAddr{Name: a.socket, Net: "unix"} // the listener knows it by its first name
	}
	return a.ln.Addr()
}

// Run serves the API and runs the schedule until ctx ends, then shuts down gracefully (see
// the package comment) and releases the lock. The error is for a server that failed, not for
// runs whose devices failed.
func (a *Agent) Run(ctx context.Context) error {
	defer a.Close()
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// No WriteTimeout: a request with "wait" lasts as long as its collection.
		IdleTimeout: 2 * time.Minute,
		ErrorLog:    slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(a.ln) }()
	schedCtx, stopSched := context.WithCancel(ctx)
	schedDone := make(chan struct{})
	go func() {
		defer close(schedDone)
		a.schedule(schedCtx)
	}()
	a.log.Info("agent serving", "addr", a.Addr().String(), "inventory", a.inventory().Path,
		"devices", len(a.inventory().Devices), "schedule", scheduleText(a.inventory()))

	var err error
	select {
	case <-ctx.Done():
		a.log.Info("agent stopping: no new requests, cancelling collections in flight")
	case err = <-serveErr:
		err = fmt.Errorf("serve: %w", err)
		a.log.Error("agent API failed; stopping", "error", err)
	}
	stopSched()
	a.mu.Lock()
	a.draining = true
	a.mu.Unlock()
	a.cancelRuns()

	deadline, cancel := context.WithTimeout(context.Background(), a.shutdownTimeout)
	defer cancel()
	shutdownDone := make(chan error, 1)
	go func() { shutdownDone <- srv.Shutdown(deadline) }()
	runsDone := make(chan struct{})
	go func() {
		a.inflight.Wait()
		close(runsDone)
	}()
	select {
	case <-runsDone:
	case <-deadline.Done():
		a.log.Error("collections still running after the shutdown timeout; leaving them", "timeout", a.shutdownTimeout)
	}
	<-schedDone
	if serr := <-shutdownDone; serr != nil {
		a.log.Warn("requests still open at shutdown were cut", "error", serr)
		_ = srv.Close()
	}
	a.log.Info("agent stopped")
	return err
}

// Close releases the listener and the lock without serving (Run calls it too). It is safe to
// call more than once.
func (a *Agent) Close() {
	a.closeOnce.Do(func() {
		a.cancelRuns()
		_ = a.ln.Close()
		if a.socket != "" {
			removeSocket(a.socket, a.log)
		}
		if err := a.lock.Release(); err != nil {
			a.log.Warn("could not release the output directory's lock", "error", err)
		}
	})
}

// inventory is the current inventory.
func (a *Agent) inventory() *devices.Inventory {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.inv
}

func scheduleText(inv *devices.Inventory) string {
	if inv.Agent == nil || inv.Agent.Schedule == nil {
		return "on demand only"
	}
	return inv.Agent.Schedule.String()
}
