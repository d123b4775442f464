// Package sshdtest runs Debian's real OpenSSH sshd on loopback for integration tests and
// benchmarks, so the collector is exercised against the server it will meet in production and
// not only against our in-process simulator.
//
// Start gives a test one or more private daemons (own config, host key, PidFile and log under a
// temporary directory, kernel-chosen ports, never port 22, never the system's sshd), a login user
// with a key and a password, and a known_hosts file that pins the host key for every address.
// t.Cleanup stops every process it started, including sessions still open, and prints the tail
// of sshd's log when the test failed.
//
// The daemons need root (sshd's privilege separation, and the dedicated local account UserName
// that Start creates on first use). Where sshd is missing or the test is not root, Start skips
// the test with the reason, so `go test ./...` stays green on a laptop; CI installs
// openssh-server and runs as root, so there these tests always run.
package sshdtest
