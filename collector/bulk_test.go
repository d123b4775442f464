package collector

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oca-collector/collector/devices"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// goldenTemplate exercises every TemplateData field.
const goldenTemplate = `== [{{.Index}}] {{.Command}} (exit {{.ExitStatus}}) on {{.Device}} {{.Host}} {{.AssetUUID}}
{{.Output}}`

func loadFixture(t testing.TB) *Transcript {
	t.Helper()
	tr, err := ReadTranscript(filepath.Join("testdata", "transcript.json"))
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func mustRenderer(t testing.TB, framing, tmpl string) *Renderer {
	t.Helper()
	r, err := NewRenderer(framing, tmpl)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func renderString(t testing.TB, r *Renderer, tr *Transcript) string {
	t.Helper()
	var buf bytes.Buffer
	n, err := r.Render(&buf, tr)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(buf.Len()) {
		t.Fatalf("Render returned %d bytes, wrote %d", n, buf.Len())
	}
	return buf.String()
}

func TestRenderGolden(t *testing.T) {
	tr := loadFixture(t)
	for _, framing := range []string{"markers", "session", "template"} {
		t.Run(framing, func(t *testing.T) {
			got := renderString(t, mustRenderer(t, framing, goldenTemplate), tr)
			path := filepath.Join("testdata", "golden", framing+".txt")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("%s differs from the rendering (go test -run TestRenderGolden -update rewrites it)\ngot:\n%s", path, got)
			}
			// Properties every golden must have, so a careless -update cannot bless a regression.
			if strings.Contains(got, "sysctl") || strings.Contains(got, "kernel.acct") {
				t.Error("the command that did not complete was rendered")
			}
			if !strings.Contains(got, "0 upgraded, 0 newly installed.\n") || strings.ContainsAny(got, "\r\x1b\x00") {
				t.Error("output was not normalised")
			}
			if !strings.Contains(got, "grep: /etc/ssh/sshd_config.d/*.conf: No such file or directory\n") {
				t.Error("the stderr output of a command with a non-zero exit status is missing")
			}
		})
	}
}

func TestRenderMarkersExact(t *testing.T) {
	tr := &Transcript{Device: "d", Platform: "linux", Commands: []CommandRecord{
		{Index: 2, Command: "c", Output: []byte("three\r\n"), ExitStatus: 1},
		{Index: 0, Command: "a", Output: []byte("one")},
		{Index: 3, Command: "d", Output: []byte("lost"), Error: "disconnected", ExitStatus: -1},
		{Index: 1, Command: "b"},
		{Index: 4, Command: "multi\nline\x1b[0m", Output: []byte("x\n")},
	}}
	want := "### BEGIN COMMAND: a\none\n### END COMMAND: a\n" +
		"### BEGIN COMMAND: b\n### END COMMAND: b\n" +
		"### BEGIN COMMAND: c\nthree\n### END COMMAND: c\n" +
		"### BEGIN COMMAND: multi line\nx\n### END COMMAND: multi line\n"
	for _, framing := range []string{"", "markers"} {
		if got := renderString(t, mustRenderer(t, framing, ""), tr); got != want {
			t.Errorf("framing %q:\ngot  %q\nwant %q", framing, got, want)
		}
	}
	if got := renderString(t, mustRenderer(t, "markers", ""), &Transcript{}); got != "" {
		t.Errorf("empty transcript rendered %q", got)
	}
}

func TestRenderSessionPrompt(t *testing.T) {
	cmds := []CommandRecord{{Index: 0, Command: "show clock", Output: []byte("12:00\r\n")}, {Index: 1, Command: "exit"}}
	tests := []struct {
		name     string
		platform string
		prompt   string
		want     string
	}{
		{"linux", "linux", "", "sw1$ show clock\n12:00\nsw1$ exit\n"},
		{"network device", "cisco_ios", "", "sw1#show clock\n12:00\nsw1#exit\n"},
		{"learned prompt", "cisco_ios", "sw1(config)# ", "sw1(config)# show clock\n12:00\nsw1(config)# exit\n"},
		{"learned prompt with escapes", "linux", "\x1b[32muser@sw1:~$\x1b[0m ", "user@sw1:~$ show clock\n12:00\nuser@sw1:~$ exit\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := &Transcript{Device: "sw1", Platform: tc.platform, Prompt: tc.prompt, Commands: cmds}
			if got := renderString(t, mustRenderer(t, "session", ""), tr); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRenderTemplateData(t *testing.T) {
	tr := &Transcript{Device: "dev", Host: "h", AssetUUID: "u", Commands: []CommandRecord{
		{Index: 7, Command: "cmd", Output: []byte("\x1b[1mout\x1b[0m"), ExitStatus: 3},
	}}
	r := mustRenderer(t, "template", "{{.Index}}|{{.Command}}|{{printf \"%q\" .Output}}|{{.ExitStatus}}|{{.Device}}|{{.Host}}|{{.AssetUUID}};")
	if got, want := renderString(t, r, tr), `7|cmd|"out\n"|3|dev|h|u;`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestNewRendererErrors(t *testing.T) {
	tests := []struct{ name, framing, tmpl, want string }{
		{"unknown framing", "xml", "", `bulk framing: unknown framing "xml" (want markers, session or template)`},
		{"empty template", "template", "", "bulk template: framing is template but the template is empty"},
		{"parse error", "template", "{{.Command", "bulk template: template: bulk:1: unclosed action"},
		{"misspelt field", "template", "{{.Comand}}", "bulk template: template: bulk:1:2: executing \"bulk\" at <.Comand>: can't evaluate field Comand"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewRenderer(tc.framing, tc.tmpl)
			if err == nil {
				t.Fatalf("NewRenderer succeeded: %+v", r)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error %q, want prefix %q", err, tc.want)
			}
		})
	}
	// A template is ignored when the framing does not use it.
	if r, err := NewRenderer("markers", "{{.Nope"); err != nil || r.Framing() != "markers" {
		t.Errorf("markers framing with an unused template: %v, %v", r, err)
	}
	if r, err := NewRenderer("", ""); err != nil || r.Framing() != "markers" {
		t.Errorf(`framing "" should mean markers: %v, %v`, r, err)
	}
}

func TestRenderTemplateExecutionError(t *testing.T) {
	// Passes the sample execution in NewRenderer, fails on the third command.
	r := mustRenderer(t, "template", "{{if eq .Index 2}}{{.Output.Missing}}{{end}}{{.Command}};")
	tr := &Transcript{Commands: []CommandRecord{{Index: 0, Command: "a"}, {Index: 1, Command: "b"}, {Index: 2, Command: "c"}}}
	var buf bytes.Buffer
	_, err := r.Render(&buf, tr)
	if err == nil || !strings.Contains(err.Error(), "render bulk file: template, command 2 (c):") {
		t.Fatalf("error %v, want it to name command 2", err)
	}
}

type failingWriter struct{ after int }

var errDiskFull = errors.New("disk full")

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.after {
		n := w.after
		w.after = 0
		return n, errDiskFull
	}
	w.after -= len(p)
	return len(p), nil
}

func TestRenderWriteError(t *testing.T) {
	tr := &Transcript{Commands: []CommandRecord{{Command: "big", Output: bytes.Repeat([]byte("0123456789abcde\n"), 20000)}}}
	for _, framing := range []string{"markers", "session", "template"} {
		t.Run(framing, func(t *testing.T) {
			r := mustRenderer(t, framing, goldenTemplate)
			_, err := r.Render(&failingWriter{after: 1000}, tr)
			if !errors.Is(err, errDiskFull) || !strings.HasPrefix(err.Error(), "render bulk file: ") {
				t.Fatalf("error %v, want the writer's error wrapped once", err)
			}
		})
	}
}

func TestWriteBulk(t *testing.T) {
	tr := loadFixture(t)
	dir := t.TempDir()
	path := filepath.Join(dir, tr.AssetUUID+".txt")
	r := mustRenderer(t, "markers", "")
	n, err := WriteBulk(path, r, tr)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := renderString(t, r, tr); string(got) != want || n != int64(len(want)) {
		t.Errorf("file has %d bytes (WriteBulk said %d), want the %d rendered bytes", len(got), n, len(want))
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("bulk file mode %v, want 0600", fi.Mode().Perm())
	}

	// A failing render leaves the previous file as it was, and no temporary file.
	bad := mustRenderer(t, "template", "{{if eq .Index 3}}{{.Output.Missing}}{{end}}x")
	if _, err := WriteBulk(path, bad, tr); err == nil || !strings.Contains(err.Error(), "command 3") {
		t.Fatalf("error %v, want the template error for command 3", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, got) {
		t.Error("a failed WriteBulk changed the existing file")
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Errorf("directory holds %v, want only the bulk file", names)
	}

	if _, err := WriteBulk(filepath.Join(dir, "missing", "x.txt"), r, tr); err == nil ||
		!strings.HasPrefix(err.Error(), "write bulk file "+filepath.Join(dir, "missing", "x.txt")+": ") {
		t.Errorf("missing directory: error %v, want it wrapped with the stage and path", err)
	}
}

func BenchmarkRenderMarkers(b *testing.B) {
	config := realisticConfig(8<<10, true)
	tr := &Transcript{Device: "core-sw1", Platform: "cisco_ios"}
	for i := range 44 {
		tr.Commands = append(tr.Commands, CommandRecord{Index: i, Command: fmt.Sprintf("show section %d", i), Output: config})
	}
	r := mustRenderer(b, "markers", "")
	var total int64
	for i := range tr.Commands {
		total += int64(len(tr.Commands[i].Output))
	}
	b.SetBytes(total)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Render(io.Discard, tr); err != nil {
			b.Fatal(err)
		}
	}
}

// Devices share pooled buffers: a set reused for another transcript (smaller after larger, and
// a framing change) must render exactly what a fresh Render does.
func TestWriteBulkReusedBuffers(t *testing.T) {
	dir := t.TempDir()
	big := sampleTranscript()
	big.Commands[0].Output = bytes.Repeat([]byte("long line of configuration\r\n"), 5000) // > 64 KiB normalised
	small := sampleTranscript()
	bufs := &writeBuffers{file: bufio.NewWriterSize(nil, atomicBufferSize)}
	for _, framing := range []string{devices.FramingMarkers, devices.FramingSession} {
		r, err := NewRenderer(framing, "")
		if err != nil {
			t.Fatal(err)
		}
		for i, tr := range []*Transcript{big, small} {
			path := filepath.Join(dir, fmt.Sprintf("%s-%d.txt", framing, i))
			n, err := writeBulk(path, r, tr, bufs, syncNone)
			if err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			if _, err := r.Render(&want, tr); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want.Bytes()) || n != int64(len(got)) {
				t.Fatalf("%s transcript %d: file (%d bytes, reported %d) differs from Render (%d bytes)",
					framing, i, len(got), n, want.Len())
			}
		}
	}
}
