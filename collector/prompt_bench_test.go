package collector

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// promptBenchStream is what an IOS-like device sends for one long command over a shell
// session: the echo, pages of 24 configuration lines each ending in a --More-- marker (where the
// device stops until answered) and starting with the marker's redraw, then the prompt. It is
// returned as the reads the collector would see: up to 1 KiB each, a page's last read ending at
// its marker.
func promptBenchStream(cmd, prompt string, pages int) (reads [][]byte, total int) {
	const marker = " --More-- "
	redraw := strings.Repeat("\b", len(marker)) + strings.Repeat(" ", len(marker)) + strings.Repeat("\b", len(marker))
	var page strings.Builder
	for p := range pages {
		page.Reset()
		if p == 0 {
			page.WriteString(cmd + "\r\n")
		} else {
			page.WriteString(redraw)
		}
		for l := range 24 {
			fmt.Fprintf(&page, "interface GigabitEthernet1/0/%d\r\n description uplink %d to distribution switch\r\n", p*24+l, l)
		}
		if p < pages-1 {
			page.WriteString(marker)
		} else {
			page.WriteString(prompt)
		}
		s := page.String()
		total += len(s)
		for len(s) > 0 {
			n := min(1<<10, len(s))
			reads = append(reads, []byte(s[:n]))
			s = s[n:]
		}
	}
	return reads, total
}

// BenchmarkPromptScan measures the shell driver's prompt and pager scanning of one command's
// output as it arrives (commandScan.step after every read, as shell.wait calls it), then the
// cleaning of the whole into the command's record (cleanOutput).
func BenchmarkPromptScan(b *testing.B) {
	const cmd, prompt, pages = "show running-config", "core-sw1#", 40
	pat := mustPatterns(b, iosLike)
	reads, total := promptBenchStream(cmd, prompt, pages)
	buf := make([]byte, 0, total)
	b.SetBytes(int64(total))
	b.ReportAllocs()
	for b.Loop() {
		buf = buf[:0]
		scan := newCommandScan(pat, cmd, prompt)
		answers, done := 0, false
		for _, r := range reads {
			buf = append(buf, r...)
			a := scan.step(buf, false)
			if a.send != "" {
				answers++
			}
			done = a.done
		}
		if !done || answers != pages-1 {
			b.Fatalf("done %v after %d pager answers, want true after %d", done, answers, pages-1)
		}
		out := cleanOutput(buf, cmd, prompt, scan.marks, true)
		if bytes.Contains(out, []byte("More")) || !bytes.HasPrefix(out, []byte("interface GigabitEthernet1/0/0\r\n")) {
			b.Fatalf("cleaned output: %q...", out[:min(len(out), 80)])
		}
	}
}
