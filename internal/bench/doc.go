// Package bench is what `make bench` measures the collector with: a simulated Linux fleet that
// runs in its own process (cmd/simfleet, built on sshsim), so the collector's CPU and memory are
// its own and not the simulator's, and the fleet benchmarks (in this package's tests) that run the
// built collector binary against that fleet and against real OpenSSH sshd, beside the baselines
// people use today (xargs + ssh with the joined script; parallel-ssh, pdsh and ClusterShell when
// installed).
//
// The non-test code here is the simulator's side: realistic command outputs, the fleet of
// sshsim devices (optionally spread over several 127.0.x.y addresses), the manifest that tells
// a harness how to reach it, and the file-descriptor limit a big fleet needs.
package bench
