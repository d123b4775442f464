// Package sshsim plays SSH devices in process on loopback, so the collector's tests, the demo
// fleet and benchmarks exercise real SSH (x/crypto/ssh's server side) without real devices,
// daemons or network. Each Server is one scripted device: who may log in, what each exec'd
// command prints and how it ends (exit status, signal, hang, mid-output disconnect), and how the
// device misbehaves (tarpit, slow auth, WAN latency, sshd's MaxSessions limit, no exec).
//
// A device costs one listener and one accept goroutine while idle, so thousands fit in one
// process; every wait is a timer that also watches for the client going away and for
// Server.Close, and Close waits for every goroutine the server started.
package sshsim
