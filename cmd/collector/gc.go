package main

import (
	"log/slog"
	"runtime/debug"
)

// The collector's garbage collector settings, unless GOGC or GOMEMLIMIT is set in the
// environment (then Go's own handling of those applies, untouched).
//
// Go's default (GOGC=100) collects whenever the heap has doubled. A run of a few hundred
// devices has a live heap of a few MB, so that is a collection every few MB allocated: 36 in a
// 2-second run of 200 devices, each one stopping the world and slowing the key exchanges in
// flight. gcPercent lets the heap grow to five times the live heap instead, and the memory
// limit, which grows with the concurrency (memory grows with the devices in flight, not with
// the fleet), keeps large runs where GOGC=100 would have kept them: at 500 devices in flight
// the limit, not GOGC, decides when to collect.
const (
	gcPercent        = 400
	gcLimitBase      = 64 << 20  // the process without devices: runtime, inventory, HTTP client
	gcLimitPerDevice = 384 << 10 // one device in flight: SSH connection, goroutine stacks, output
)

// gcSettings returns the GC percentage and soft memory limit for a run of conc devices in
// flight, and false when the environment sets either knob.
func gcSettings(conc int, getenv func(string) string) (percent int, limit int64, ok bool) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return 0, 0, false
	}
	return gcPercent, gcLimitBase + int64(max(conc, 1))*gcLimitPerDevice, true
}

// tuneGC applies gcSettings to this process.
func tuneGC(conc int, getenv func(string) string, log *slog.Logger) {
	percent, limit, ok := gcSettings(conc, getenv)
	if !ok {
		log.Debug("GC settings from the environment (GOGC / GOMEMLIMIT)")
		return
	}
	debug.SetGCPercent(percent)
	debug.SetMemoryLimit(limit)
	log.Debug("GC settings", "gogc", percent, "memory_limit_mib", limit>>20, "concurrency", conc)
}
