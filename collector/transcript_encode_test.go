package collector

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"
)

// encodeTranscriptStdlib is how WriteTranscript encoded before it streamed: the reference
// encodeTranscript must match byte for byte.
func encodeTranscriptStdlib(t *testing.T, tr *Transcript) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(tr); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestEncodeTranscriptMatchesEncodingJSON(t *testing.T) {
	big := strings.Repeat("interface Gi0/1\r\n description \"uplink\" <to core> & \\ \t\x01\x7f é\u2028\u2029\n", 3000) // > 64 KiB: crosses the buffer
	bigBinary := bytes.Repeat([]byte{0xff, 'a', 0x80, '\n'}, 40000)
	t0 := time.Date(2026, 12, 3, 16, 0, 0, 120000000, time.FixedZone("X", 3600))
	cases := map[string]*Transcript{
		"sample":       sampleTranscript(),
		"nil commands": {Version: 1, Device: "d", Status: "failed", Error: "dial: refused"},
		"no commands":  {Version: 1, Device: "d", Commands: []CommandRecord{}, Started: t0},
		"escapes": {Version: 1, RunID: "r", Device: "sw\"1\\", Host: "h\x00\b\f\n\r\t\x1f", Port: 22,
			AssetUUID: "a<b>&", Platform: "p\u2028", Prompt: "sw1# \xff\xfe", Status: "ok",
			Error: "bad \xc3\x28 utf8 \xe2\x80", Started: t0, Finished: t0.Add(time.Nanosecond),
			Commands: []CommandRecord{
				{Index: 0, Command: "show \xff run", Output: []byte(big), Stderr: 3, ExitStatus: 255, Signal: "TERM",
					Started: t0, Duration: 1500 * time.Microsecond, Error: "x\ny", Truncated: true},
				{Index: 1, Command: "bin", Output: bigBinary, ExitStatus: -1},
				{Index: 2, Command: "empty", Output: []byte{}},
				{Index: 3, Command: "utf8 edge", Output: []byte("\xe2\x80\xa8\xe2\x80\xa9\xe2\x80\xaa€𝄞")},
			}},
	}
	for name, tr := range cases {
		t.Run(name, func(t *testing.T) {
			want := encodeTranscriptStdlib(t, tr)
			var got bytes.Buffer
			if err := encodeTranscript(&got, tr); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				g, w := got.String(), string(want)
				i := 0
				for i < len(g) && i < len(w) && g[i] == w[i] {
					i++
				}
				t.Fatalf("differs at byte %d of %d/%d:\ngot  %q\nwant %q", i, len(g), len(w),
					g[max(0, i-40):min(len(g), i+40)], w[max(0, i-40):min(len(w), i+40)])
			}
		})
	}
}

func TestEncodeTranscriptTimeOutOfRange(t *testing.T) {
	tr := &Transcript{Version: 1, Started: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
	if err := encodeTranscript(&bytes.Buffer{}, tr); err == nil {
		t.Fatal("a year encoding/json cannot write was accepted")
	}
}

// BenchmarkWriteTranscriptEncode encodes a device's worth of output into a buffered writer, as
// WriteFileAtomic hands it.
func BenchmarkWriteTranscriptEncode(b *testing.B) {
	tr := benchTranscript()
	w := bufio.NewWriterSize(io.Discard, atomicBufferSize)
	b.ReportAllocs()
	for b.Loop() {
		if err := encodeTranscript(w, tr); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteTranscriptEncodeStdlib is the encoding/json path encodeTranscript replaced, for
// comparison.
func BenchmarkWriteTranscriptEncodeStdlib(b *testing.B) {
	tr := benchTranscript()
	b.ReportAllocs()
	for b.Loop() {
		enc := json.NewEncoder(io.Discard)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(tr); err != nil {
			b.Fatal(err)
		}
	}
}

// benchTranscript is a device's worth of output: 44 commands of ~4 KiB.
func benchTranscript() *Transcript {
	tr := &Transcript{Version: 1, Device: "d", Started: time.Now(), Finished: time.Now()}
	for i := range 44 {
		tr.Commands = append(tr.Commands, CommandRecord{Index: i, Command: "cat /etc/thing",
			Output: []byte(strings.Repeat("key = \"value\"\twith some text\n", 140)), Started: time.Now()})
	}
	return tr
}

// FuzzEncodeStringMatchesEncodingJSON: any bytes encode as encoding/json encodes them as a
// string (HTML escaping off), through a buffer small enough that escapes and multi-byte runes
// fall across its boundaries.
func FuzzEncodeStringMatchesEncodingJSON(f *testing.F) {
	f.Add([]byte("key = \"value\"\twith some text\n"), 0)
	f.Add([]byte("\xe2\x80\xa8\xff\x00é𝄞\\"), 1)
	f.Add(bytes.Repeat([]byte("abcdefgh"), 40), 7)
	f.Fuzz(func(t *testing.T, s []byte, size int) {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(string(s)); err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		e := transcriptEncoder{w: bufio.NewWriterSize(&got, 16+(size&63))}
		e.jsonBytes(s)
		e.raw("\n")
		if e.err != nil {
			t.Fatal(e.err)
		}
		if err := e.w.Flush(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("got  %q\nwant %q", got.Bytes(), want.Bytes())
		}
	})
}

// BenchmarkWriteTranscriptEncodeText is BenchmarkWriteTranscriptEncode with output as most
// commands print it: lines of plain text, where the escapes are only the line ends.
func BenchmarkWriteTranscriptEncodeText(b *testing.B) {
	tr := benchTranscript()
	line := []byte(strings.Repeat("net.ipv4.conf.all.accept_redirects = 0 # from sysctl -a on a host ", 1)[:64] + "\n")
	for i := range tr.Commands {
		tr.Commands[i].Output = bytes.Repeat(line, 65)
	}
	w := bufio.NewWriterSize(io.Discard, atomicBufferSize)
	b.ReportAllocs()
	for b.Loop() {
		if err := encodeTranscript(w, tr); err != nil {
			b.Fatal(err)
		}
	}
}
