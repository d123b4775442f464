package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
)

// envCPUProfile names a file to write a CPU profile of the whole command to. It is a hidden,
// undocumented-in-usage knob for performance work (the fleet benchmark runs the collector as its
// own process, where a test's -cpuprofile cannot reach).
const envCPUProfile = "OCA_COLLECTOR_CPUPROFILE"

// startCPUProfile starts profiling when envCPUProfile is set and returns the function that stops
// it. A profile that cannot be started is reported on stderr and the command runs anyway.
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
