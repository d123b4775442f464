// Package metrics keeps the collector's Prometheus metrics: what the last run did (devices and
// uploads by status, duration, bytes), the spool's backlog, and when each asset last succeeded.
// A Set has its own registry, never the global one, so the CLI can write it for node_exporter's
// textfile collector and the agent can serve it on /metrics without either seeing the other's
// or the Go runtime's metrics by accident.
package metrics
