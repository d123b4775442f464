package bench

import (
	"testing"
	"time"
)

// TestBenchHarnessSmoke runs the fleet benchmarks' harness with tiny fleets, so `make test`
// (and CI) keeps `make bench` from rotting without paying for the real runs: simfleet and the
// collector as processes, the gateway, the metrics, and (where sshd can run) the baselines and
// the key exchange probe.
func TestBenchHarnessSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the collector and simfleet and runs them")
	}
	once := func(run func()) { run() }

	t.Run("sim", func(t *testing.T) {
		m, env := simRuns(t, simParams{Devices: 5, Concurrency: 4}, once)
		expectMetric(t, m, "wall_s", 0.001, 60)
		expectMetric(t, m, "devices_per_s", 0.05, 1e6)
		expectMetric(t, m, "cpu_ms_per_device", 0.01, 10000)
		expectMetric(t, m, "peak_rss_mb", 1, 4096)
		expectMetric(t, m, "goroutines_end", 1, 1000)
		expectMetric(t, m, "fds_end", 3, 1000)
		expectMetric(t, m, "logins_per_device", 1, 1)
		expectMetric(t, m, "channels_per_device", 1, 1) // batch: the whole set in one channel
		if _, ok := m.vals["round_trips_max"]; ok {
			t.Error("round trips reported without a simulated latency")
		}
		if env.kex == "" || env.kex == "unknown" {
			t.Errorf("kex probe: %q", env.kex)
		}
	})

	t.Run("sim-latency-addresses", func(t *testing.T) {
		const lat = 50 * time.Millisecond
		m, _ := simRuns(t, simParams{Devices: 2, Concurrency: 2, Latency: lat, Addresses: 2, MaxSessions: 10, Exec: true}, once)
		// 44 channels, each an open and an exec of one round trip each, at most 10 at once:
		// no fewer than 10 round trips (less rounding), and far fewer than one command after
		// another (88), with room for a loaded CI machine.
		expectMetric(t, m, "round_trips_max", 9, 60)
		expectMetric(t, m, "max_channels_at_once", 2, 10)
		expectMetric(t, m, "channels_per_device", 44, 44) // batch: false, one channel per command
	})

	t.Run("sim-batch-wan", func(t *testing.T) {
		const lat = 50 * time.Millisecond
		m, _ := simRuns(t, simParams{Devices: 2, Concurrency: 2, Latency: lat, WAN: true}, once)
		// Handshake, authentication, channel open and the script: several round trips, all
		// paid on the wire, but nowhere near one per command.
		expectMetric(t, m, "round_trips_max", 5, 30)
		expectMetric(t, m, "channels_per_device", 1, 1)
	})

	t.Run("sshd", func(t *testing.T) {
		t.Setenv(envSSHDAnsible, "1") // where Ansible is installed, two devices take seconds
		res := sshdRuns(t, 2, 2, 0, once)
		m := res.m
		expectMetric(t, m, "wall_s", 0.001, 120)
		expectMetric(t, m, "xargs_wall_s", 0.001, 120)
		expectMetric(t, m, "xargs_cpu_ms_per_device", 0.1, 60000)
		expectMetric(t, m, "xargs_c25519_cpu_ms_per_device", 0.1, 60000)
		expectMetric(t, m, "wall_ratio_xargs", 0.001, 1000)
		expectMetric(t, m, "cpu_ratio_xargs", 0.0001, 1000)
		expectMetric(t, m, "channels_per_device", 1, 44)
		expectMetric(t, m, "logins_per_device", 1, 1)
		// sshd, its session and 44 commands per device: well over a millisecond anywhere.
		expectMetric(t, m, "device_side_cpu_ms_per_device", 1, 1e6)
		expectMetric(t, m, "xargs_device_side_cpu_ms_per_device", 1, 1e6)
		expectMetric(t, m, "xargs_c25519_device_side_cpu_ms_per_device", 1, 1e6)
		for name := range res.tools {
			expectMetric(t, m, name+"_wall_s", 0.001, 120)
			expectMetric(t, m, name+"_cpu_ms_per_device", 0.1, 60000)
			expectMetric(t, m, name+"_device_side_cpu_ms_per_device", 1, 1e6)
		}
		if len(res.notes) < 5 {
			t.Errorf("notes: %q", res.notes)
		}
	})

	t.Run("sshd-wan", func(t *testing.T) {
		const lat = 40 * time.Millisecond
		res := sshdRuns(t, 2, 2, lat, once)
		// Handshake, authentication, the channel and the script cost several round trips on
		// the wire; the commands' own time is in the figure too.
		expectMetric(t, res.m, "device_round_trips_max", 5, 500)
		expectMetric(t, res.m, "xargs_wall_s", lat.Seconds()*5, 120)
		for name := range res.tools {
			expectMetric(t, res.m, name+"_wall_s", lat.Seconds()*5, 120)
		}
	})
}

// expectMetric fails unless the metric was reported within [lo, hi].
func expectMetric(t *testing.T, m *metrics, name string, lo, hi float64) {
	t.Helper()
	if _, ok := m.vals[name]; !ok {
		t.Errorf("metric %s not reported (have %v)", name, m.names)
		return
	}
	if v := m.value(name); v < lo || v > hi {
		t.Errorf("metric %s = %g, want within [%g, %g]", name, v, lo, hi)
	}
}
