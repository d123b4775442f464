package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/oca-collector/collector/internal/agent"
)

// serveCmd is "collector serve": the agent (internal/agent) until SIGTERM or SIGINT. It exits
// 0 after a graceful stop, whatever the runs it cut short (their reports say interrupted),
// because stopping is the normal end of a service; 2 for an inventory or agent section that
// cannot be used, 3 when another collector holds the output directory, 1 when the API fails,
// and 130 on a second signal, which does not wait.
func serveCmd(args []string, _, stderr io.Writer) int {
	fs := newFlagSet("serve", stderr)
	invPath := fs.String("i", "", "inventory file (required; needs an agent section)")
	fs.StringVar(invPath, "inventory", "", "inventory file (same as -i)")
	logFormat := fs.String("log-format", "text", "log format on stderr: text or json")
	verbose := fs.Bool("v", false, "debug logging")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return flagExit(err)
	}
	if len(pos) > 0 {
		fmt.Fprintf(stderr, "collector serve: unexpected argument %q\n", pos[0])
		return exitUsage
	}
	log, err := newLogger(stderr, *logFormat, *verbose)
	if err != nil {
		fmt.Fprintf(stderr, "collector serve: %v\n", err)
		return exitUsage
	}
	inv, code := loadInventory(*invPath, stderr)
	if inv == nil {
		return code
	}
	// The agent may run a scheduled collection and on-demand ones at once: the limit allows
	// for twice the inventory's concurrency (a reload keeps the settings of the start).
	tuneGC(2*inv.Collection.Concurrency, os.Getenv, log)
	a, err := agent.New(inv, agent.Config{Log: log})
	switch {
	case errors.Is(err, agent.ErrLocked):
		fmt.Fprintf(stderr, "collector serve: %v\n", err)
		return exitLocked
	case errors.Is(err, agent.ErrConfig):
		fmt.Fprintf(stderr, "collector serve: %v\n", err)
		return exitUsage
	case err != nil:
		fmt.Fprintf(stderr, "collector serve: %v\n", err)
		return exitFailures
	}
	ctx, stop := serveSignals(a, log)
	defer stop()
	if err := a.Run(ctx); err != nil {
		fmt.Fprintf(stderr, "collector serve: %v\n", err)
		return exitFailures
	}
	return exitOK
}

// serveSignals reloads the agent's inventory on SIGHUP and ends the returned context on the
// first SIGINT or SIGTERM; a second one exits at once (the lock dies with the process, and
// every file is written by rename, so nothing is left half-written).
func serveSignals(a *agent.Agent, log *slog.Logger) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 4)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		stopping := false
		for {
			select {
			case <-done:
				return
			case sig := <-ch:
				switch {
				case sig == syscall.SIGHUP:
					log.Info("SIGHUP: reloading the inventory")
					_ = a.Reload() // logged by the agent; the old inventory stays on error
				case stopping:
					log.Error("second signal: exiting now")
					os.Exit(exitInterrupted)
				default:
					stopping = true
					log.Info("stopping", "signal", sig.String())
					cancel()
				}
			}
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel()
	}
}
