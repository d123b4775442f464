package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
)

// envCPUProfile names a file to write a CPU profile of the whole command to. It is a hidden,
// undocumented-in-usage knob for performance work (the fleet benchmark runs the collector as its
// own process, where a test's -cpuprofile cannot reach).
const envCPUProfile = "OCA_COLLECTOR_CPUPROFILE"

// envAllocProfile names a file to write a heap profile to when the command ends (allocations
// over the whole run, and what was live at the last GC), like go test's -memprofile.
const envAllocProfile = "OCA_COLLECTOR_MEMPROFILE"

// startProfiles starts a CPU profile when envCPUProfile is set and returns the function that
// stops it and writes the allocation profile when envAllocProfile is set. A profile that
// cannot be written is reported on stderr and the command runs anyway.
func startProfiles(stderr io.Writer) (stop func()) {
	stopCPU := startCPUProfile(stderr)
	path := os.Getenv(envAllocProfile)
	if path == "" {
		return stopCPU
	}
	return func() {
		stopCPU()
		f, err := os.Create(path)
		if err == nil {
			err = errors.Join(pprof.Lookup("allocs").WriteTo(f, 0), f.Close())
		}
		if err != nil {
			fmt.Fprintf(stderr, "collector: heap profile: %v\n", err)
		}
	}
}

// startCPUProfile is the CPU half of startProfiles.
func startCPUProfile(stderr io.Writer) (stop func()) {
	path := os.Getenv(envCPUProfile)
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(stderr, "collector: cpu profile: %v\n", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		fmt.Fprintf(stderr, "collector: cpu profile: %v\n", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fmt.Fprintf(stderr, "collector: cpu profile: %v\n", err)
		}
	}
}
