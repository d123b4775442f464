package bench

import (
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/oca-collector/collector/collector"
)

// Knobs of BenchmarkFleetSim (environment variables), with their defaults.
const (
	envSimDevices     = "BENCH_SIM_DEVICES"      // 200
	envSimConcurrency = "BENCH_SIM_CONCURRENCY"  // 64
	envSimLatency     = "BENCH_SIM_LATENCY"      // "0,50ms": one sub-benchmark each
	envSimAddresses   = "BENCH_SIM_ADDRESSES"    // 0: every device on 127.0.0.1
	envSimMaxSessions = "BENCH_SIM_MAX_SESSIONS" // unset: the collector's default
	envSimBig         = "BENCH_SIM_BIG"          // "1": also 10,000 devices at concurrency 500
	envSimExec        = "BENCH_SIM_EXEC"         // "1": batch: false, one exec channel per command
	envSimWAN         = "BENCH_SIM_WAN"          // "0": latency per channel open and request, not on the wire
)

// BenchmarkFleetSim runs the built collector (its own process, measured alone) against a
// simulated Linux fleet served by simfleet (another process): N devices x the shipped 44-command
// Linux set with realistic output sizes, uploads to a fake OCA gateway included. With a
// simulated round trip it also reports how many round trips each device cost beyond its
// commands' own time (zero in the simulator).
//
// The devices run batch mode (the simulator interprets the collector's batch script), unless
// BENCH_SIM_EXEC=1 measures per-command exec channels pipelined up to max_sessions. A latency
// is put on the wire (every byte, half each way) so the handshake and authentication pay it as
// over a real link; BENCH_SIM_WAN=0 charges it per channel open and request instead.
func BenchmarkFleetSim(b *testing.B) {
	settleBeforeMeasure.Store(true)
	devices := envInt(b, envSimDevices, 200)
	conc := envInt(b, envSimConcurrency, 64)
	addrs := envIntZero(b, envSimAddresses)
	maxSessions := envIntZero(b, envSimMaxSessions)
	big := os.Getenv(envSimBig) == "1"
	execMode := os.Getenv(envSimExec) == "1"
	wan := os.Getenv(envSimWAN) != "0"
	for i, lat := range envDurations(b, envSimLatency, []time.Duration{0, 50 * time.Millisecond}) {
		p := simParams{Devices: devices, Concurrency: conc, Latency: lat, Addresses: addrs, MaxSessions: maxSessions,
			Exec: execMode, WAN: wan && lat > 0}
		b.Run(fmt.Sprintf("devices=%d,conc=%d,latency=%s", devices, conc, lat), func(b *testing.B) {
			benchSim(b, p)
			if i == 0 && !big {
				// A skipped benchmark's reason is only printed with -v; say it here instead.
				b.Logf("not run: 10,000 devices at concurrency 500 (set %s=1; several minutes, ~5 GB of files in TMPDIR)", envSimBig)
			}
		})
	}
	if big {
		p := simParams{Devices: 10000, Concurrency: 500, Addresses: addrs, MaxSessions: maxSessions, Discard: true, Exec: execMode}
		b.Run("devices=10000,conc=500,latency=0s", func(b *testing.B) { benchSim(b, p) })
	}
}

// envIntZero reads a non-negative integer knob; unset is 0.
func envIntZero(tb testing.TB, name string) int {
	tb.Helper()
	if os.Getenv(name) == "" || os.Getenv(name) == "0" {
		return 0
	}
	return envInt(tb, name, 0)
}

// benchSim is one fleet size and latency: simfleet up once, then a measured collector run per
// iteration.
func benchSim(b *testing.B, p simParams) {
	m, env := simRuns(b, p, func(run func()) {
		for b.Loop() {
			run()
		}
	})
	mode := "batch: true (the simulator interprets the collector's batch script): one exec channel per device"
	if p.Exec {
		mode = "batch: false: one exec channel per command, max_sessions " + maxSessionsNote(p.MaxSessions)
	}
	latency := "per channel open and request"
	if p.WAN {
		latency = "on the wire, half each way (handshake and auth included; TCP's own handshake not)"
	}
	b.Logf("simulator: %d devices on %s, latency %s %s; devices are %s",
		p.Devices, addressNote(p.Addresses), p.Latency, latency, mode)
	b.Logf("kex negotiated: collector (x/crypto client) with the simulator (x/crypto server): %s", env.kex)
	b.Logf("uploads: %s", env.uploadNote)
	m.report(b)
}

// simEnv is what simRuns learnt besides the metrics.
type simEnv struct {
	kex        string
	uploadNote string
}

// simRuns starts simfleet and a gateway, writes the inventory, and calls loop with a function
// that performs one measured, checked collector run; then it stops simfleet and adds the
// devices' view (logins and channels per device). The benchmark and the smoke test share it.
func simRuns(tb testing.TB, p simParams, loop func(run func())) (*metrics, simEnv) {
	tb.Helper()
	collectorBin, simfleetBin, root := built(tb)
	cmdFile := linuxCommandFile(root)
	commands, err := ReadCommandFile(cmdFile)
	if err != nil {
		tb.Fatal(err)
	}
	base := LinuxOutputs(commands) // what simfleet's devices answer
	// The collector inherits this limit: one socket per device in flight, plus files.
	if _, err := RaiseNoFile(uint64(p.Concurrency)*4 + 4096); err != nil {
		tb.Logf("file descriptor limit: %v", err)
	}
	fleet := startSimFleet(tb, simfleetBin, cmdFile, p)
	gw := startGateway(tb, p.Discard)
	dir := keptDir(tb)
	batch := !p.Exec
	inv := writeInventory(tb, dir, inventorySpec{
		Targets: simTargets(fleet.Manifest), User: fleet.Manifest.User, Key: fleet.Manifest.UserKey,
		KnownHosts: writeKnownHosts(tb, dir, fleet.Manifest), CommandFile: cmdFile,
		Concurrency: p.Concurrency, MaxSessions: p.MaxSessions, Batch: &batch, Gateway: &gw,
	})
	dev0 := fleet.Manifest.Devices[0]
	hostKey, _, _, _, err := ssh.ParseAuthorizedKey([]byte(dev0.HostKey))
	if err != nil {
		tb.Fatal(err)
	}
	kex := kexProbe(tb, collectorBin, dev0.Address(), hostKey, fleet.Manifest.User, fleet.Manifest.UserKey, &batch)
	env := simEnv{kex: kex, uploadNote: "fake OCA gateway on loopback (bodies checked and kept)"}
	if p.Discard {
		env.uploadNote = "loopback sink (shape checked, bodies discarded; /auth by the fake gateway)"
	}
	timeout := 10*time.Minute + time.Duration(p.Devices)*100*time.Millisecond
	m := &metrics{}
	runs := 0
	loop(func() {
		runs++
		before := gw.uploads()
		simBefore, simErr := procCPU(fleet.cmd.Process.Pid)
		r := runCollector(tb, collectorBin, inv, &gw, timeout)
		// This test process during the run is the fake gateway (and the wait for the
		// collector): more CPU on the two cores the collector and simulator share.
		gwCPU, simCPU := r.Proc.Self, time.Duration(0)
		if gwCPU > 0 {
			m.add("gateway_cpu_ms_per_device", ms(gwCPU)/float64(p.Devices))
		}
		simAfter, err := procCPU(fleet.cmd.Process.Pid)
		if err == nil && simErr == nil {
			// The peer's share of the machine: with collector and simulator on two cores,
			// either one's CPU delays the other's round trips.
			simCPU = simAfter - simBefore
			m.add("sim_cpu_ms_per_device", ms(simCPU)/float64(p.Devices))
		}
		if r.Proc.Machine > 0 {
			// Everything else the machine did meanwhile, mostly kernel threads working for the
			// collector (writing its files back, completing their I/O): work the collector
			// leaves to the kernel still shows, here.
			other := r.Proc.Machine - r.Proc.CPU() - gwCPU - simCPU
			m.add("other_cpu_ms_per_device", max(ms(other), 0)/float64(p.Devices))
			// The share of the machine's CPU time the hypervisor took: runs with more of it
			// measure more CPU for the same work.
			m.add("steal_pct", 100*r.Proc.Steal.Seconds()/(r.Proc.Wall.Seconds()*float64(runtime.NumCPU())))
		}
		checkComplete(tb, r.Report, p.Devices, len(commands), true)
		checkTranscripts(tb, r.Report, len(commands), func(device string, rec collector.CommandRecord) string {
			want := DeviceOutputs(base, device)[rec.Command]
			data := ""
			for _, c := range want.Output {
				data += c.Data
			}
			if string(rec.Output) != data || rec.ExitStatus != want.ExitStatus {
				return fmt.Sprintf("%d bytes, exit %d; the simulator sent %d bytes, exit %d", len(rec.Output), rec.ExitStatus, len(data), want.ExitStatus)
			}
			return ""
		})
		if got := gw.uploads() - before; got != p.Devices {
			tb.Fatalf("gateway accepted %d uploads, want %d", got, p.Devices)
		}
		m.addCollector("", r, p.Devices)
		if p.Latency > 0 {
			// Every simulated command takes no time of its own, so a device's duration over
			// the latency is the round trips it paid (with WAN, all of them but TCP's).
			ds := deviceDurations(r.Report)
			m.add("round_trips_p50", ms(ds[len(ds)/2])/ms(p.Latency))
			m.add("round_trips_max", ms(ds[len(ds)-1])/ms(p.Latency))
		}
	})
	st := fleet.stop(tb)
	if runs > 0 {
		perRun := float64(p.Devices * runs)
		m.add("logins_per_device", float64(st.Logins-kexProbeLogins)/perRun)
		m.add("channels_per_device", float64(st.Execs-kexProbeLogins)/perRun)
		m.add("max_channels_at_once", float64(st.MaxConcurrentChannels))
		if st.AuthFailures > 0 {
			tb.Errorf("simulator saw %d refused logins", st.AuthFailures)
		}
	}
	return m, env
}

func addressNote(n int) string {
	if n == 0 {
		return "127.0.0.1"
	}
	return fmt.Sprintf("%d addresses from 127.0.1.1 (forwarded inside simfleet)", n)
}

func maxSessionsNote(n int) string {
	if n == 0 {
		return "default"
	}
	return fmt.Sprint(n)
}
