package collector

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/oca-collector/collector/internal/sshsim"
)

// linuxCommands is the shipped Linux command set, so the fleet benchmark runs what a real
// compliance run runs.
func linuxCommands(b *testing.B) []string {
	b.Helper()
	fh, err := os.Open("../configs/commands/linux.txt")
	if err != nil {
		b.Fatal(err)
	}
	defer fh.Close()
	var cmds []string
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			cmds = append(cmds, line)
		}
	}
	return cmds
}

// BenchmarkRunFleet collects 50 simulated devices x the Linux command set (about 2 KiB of
// output per command) at concurrency 32, in-process: the simulator shares the CPU, so this
// measures the whole loop's cost per device, not the collector's alone.
func BenchmarkRunFleet(b *testing.B) {
	const devicesN = 50
	cmds := linuxCommands(b)
	responses := map[string]sshsim.Response{}
	for i, c := range cmds {
		responses[c] = sshsim.Stdout(strings.Repeat(fmt.Sprintf("line %02d of %s: value=%d\n", i, c, i), 2048/(len(c)+24)+1))
	}
	f := newFleet(b)
	for i := range devicesN {
		f.device(fmt.Sprintf("dev%03d", i), sshsim.Config{Commands: responses}, cmds...)
	}
	f.inv.Collection.Concurrency = 32
	b.ResetTimer()
	for b.Loop() {
		r, err := NewRunner(f.inv)
		if err != nil {
			b.Fatal(err)
		}
		res, err := r.Run(context.Background(), f.inv.Devices)
		if err != nil {
			b.Fatal(err)
		}
		for _, d := range res {
			if d.Status != StatusOK {
				b.Fatalf("%s: %s %v", d.Device.Name, d.Status, d.Err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/devicesN/1e6, "ms/device")
	b.ReportMetric(float64(devicesN*b.N)/b.Elapsed().Seconds(), "devices/s")
}
