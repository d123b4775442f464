package bench

import (
	"fmt"
	"syscall"
)

// RaiseNoFile makes sure the process may open at least want file descriptors (a big fleet holds
// one listener per device, and a collector one socket per device in flight), raising the hard
// limit too when allowed (root). It returns the soft limit now in force; an error means it is
// still below want.
func RaiseNoFile(want uint64) (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("getrlimit: %w", err)
	}
	if lim.Cur >= want {
		return lim.Cur, nil
	}
	next := syscall.Rlimit{Cur: want, Max: max(lim.Max, want)}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &next); err == nil {
		return want, nil
	}
	// Not allowed to raise the hard limit: take all of it.
	next = syscall.Rlimit{Cur: lim.Max, Max: lim.Max}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &next); err != nil {
		return lim.Cur, fmt.Errorf("setrlimit: %w", err)
	}
	if lim.Max < want {
		return lim.Max, fmt.Errorf("open file limit %d is below the %d needed (raise it with ulimit -n or prlimit)", lim.Max, want)
	}
	return lim.Max, nil
}
