package collector

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// sampleTranscript has outputs of every kind a device can send: valid UTF-8 with characters
// JSON escapes, raw non-UTF-8 bytes, nothing at all.
func sampleTranscript() *Transcript {
	t0 := time.Date(2026, 12, 3, 16, 0, 0, 123456789, time.UTC)
	return &Transcript{
		Version: TranscriptVersion, RunID: "20261203T160000Z", Device: "core-sw1", Host: "10.0.1.1",
		Port: 2222, AssetUUID: "7d2e0000-1111-4222-8333-444455556666", Platform: "cisco_ios",
		Prompt: "core-sw1#", Status: "partial", Error: "1 of 4 commands did not complete",
		Started: t0, Finished: t0.Add(3 * time.Second),
		Commands: []CommandRecord{
			{Index: 0, Command: "show version", Output: []byte("Cisco IOS <x> & \"y\" \u2028\x00\x1b[0m\r\n"),
				ExitStatus: 0, Started: t0.Add(time.Millisecond), Duration: 42 * time.Millisecond},
			{Index: 1, Command: "show binary", Output: []byte{0xff, 0xfe, 'o', 'k', 0x00, 0x80, '\n'},
				Stderr: 2, ExitStatus: 1, Started: t0.Add(50 * time.Millisecond), Duration: time.Second},
			{Index: 2, Command: "true", Output: nil, ExitStatus: 0, Started: t0.Add(time.Second)},
			{Index: 3, Command: "sleep 100", Output: []byte("partial"), ExitStatus: -1, Signal: "KILL",
				Started: t0.Add(2 * time.Second), Duration: 60 * time.Second, Error: "command timeout after 60s",
				Truncated: true},
		},
	}
}

// equalTranscripts compares everything, times by instant, outputs by bytes (nil == empty).
func equalTranscripts(t *testing.T, got, want *Transcript) {
	t.Helper()
	g, w := *got, *want
	if !g.Started.Equal(w.Started) || !g.Finished.Equal(w.Finished) {
		t.Errorf("times: got %v..%v, want %v..%v", g.Started, g.Finished, w.Started, w.Finished)
	}
	g.Started, g.Finished, w.Started, w.Finished = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	gc, wc := g.Commands, w.Commands
	g.Commands, w.Commands = nil, nil
	if g.Version != w.Version || g.RunID != w.RunID || g.Device != w.Device || g.Host != w.Host ||
		g.Port != w.Port || g.AssetUUID != w.AssetUUID || g.Platform != w.Platform ||
		g.Prompt != w.Prompt || g.Status != w.Status || g.Error != w.Error {
		t.Errorf("header: got %+v, want %+v", g, w)
	}
	if len(gc) != len(wc) {
		t.Fatalf("got %d commands, want %d", len(gc), len(wc))
	}
	for i := range wc {
		equalRecords(t, gc[i], wc[i])
	}
}

func equalRecords(t *testing.T, got, want CommandRecord) {
	t.Helper()
	if !bytes.Equal(got.Output, want.Output) {
		t.Errorf("command %d output: got %q, want %q", want.Index, got.Output, want.Output)
	}
	if !got.Started.Equal(want.Started) {
		t.Errorf("command %d started: got %v, want %v", want.Index, got.Started, want.Started)
	}
	if got.Duration != want.Duration.Truncate(time.Millisecond) {
		t.Errorf("command %d duration: got %v, want %v", want.Index, got.Duration, want.Duration)
	}
	got.Output, want.Output = nil, nil
	got.Started, want.Started = time.Time{}, time.Time{}
	got.Duration, want.Duration = 0, 0
	if !reflect.DeepEqual(got, want) {
		t.Errorf("command record: got %+v, want %+v", got, want)
	}
}

func TestTranscriptRoundTrip(t *testing.T) {
	want := sampleTranscript()
	path := filepath.Join(t.TempDir(), "asset.json")
	if err := WriteTranscript(path, want); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("transcript mode %v, want 0600", fi.Mode().Perm())
	}
	got, err := ReadTranscript(path)
	if err != nil {
		t.Fatal(err)
	}
	equalTranscripts(t, got, want)
}

func TestCommandRecordJSONForm(t *testing.T) {
	tr := sampleTranscript()
	path := filepath.Join(t.TempDir(), "asset.json")
	if err := WriteTranscript(path, tr); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, want := range []string{
		`"version": 1,`,
		`"prompt": "core-sw1#",`,
		"\n  \"commands\": [\n    {\n      \"index\": 0,",              // indented
		`"output": "Cisco IOS <x> & \"y\" \u2028\u0000\u001b[0m\r\n",`, // readable, no HTML escaping
		`"output_base64": "//5vawCACg==",`,
		`"stderr_bytes": 2,`,
		`"exit_status": -1,`,
		`"signal": "KILL",`,
		`"started": "2026-12-03T16:00:00.124456789Z",`,
		`"duration_ms": 42,`,
		`"duration_ms": 60000,`,
		`"error": "command timeout after 60s",`,
		`"truncated": true`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("transcript JSON lacks %s\n%s", want, text)
		}
	}
	if n := strings.Count(text, `"output_base64"`); n != 1 {
		t.Errorf("output_base64 appears %d times, want once (only the non-UTF-8 output)", n)
	}
	if n := strings.Count(text, `"output": ""`); n != 1 {
		t.Errorf(`"output": "" appears %d times, want once (the empty output)`, n)
	}
}

func TestCommandRecordUnmarshalErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"both outputs", `{"index":3,"output":"a","output_base64":"YQ=="}`, "command 3: both output and output_base64"},
		{"bad base64", `{"index":4,"output_base64":"!!"}`, "command 4: output_base64: illegal base64"},
		{"wrong type", `{"index":"x"}`, "cannot unmarshal"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var c CommandRecord
			err := json.Unmarshal([]byte(tc.in), &c)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestReadTranscriptRejects(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name     string
		path     string
		want     string
		sentinel error
	}{
		{"newer version", write("v2.json", `{"version":2,"commands":{"new":"shape"}}`),
			"v2.json: unsupported transcript version 2 (this collector reads version 1)", ErrTranscriptVersion},
		{"no version", write("nov.json", `{"device":"x"}`),
			"nov.json: unsupported transcript version: no version field", ErrTranscriptVersion},
		{"not JSON", write("bad.json", `{"version":1,`), "bad.json: unexpected end of JSON input", nil},
		{"bad record", write("rec.json", `{"version":1,"commands":[{"index":1,"output":"a","output_base64":"YQ=="}]}`),
			"rec.json: command 1: both output and output_base64 are set", nil},
		{"missing file", filepath.Join(dir, "missing.json"), "missing.json: no such file", os.ErrNotExist},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadTranscript(tc.path)
			if err == nil {
				t.Fatalf("ReadTranscript succeeded: %+v", got)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to contain %q", err, tc.want)
			}
			if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
				t.Errorf("error %v is not %v", err, tc.sentinel)
			}
		})
	}
}

func TestReadTranscriptFixture(t *testing.T) {
	tr, err := ReadTranscript(filepath.Join("testdata", "transcript.json"))
	if err != nil {
		t.Fatal(err)
	}
	if tr.Device != "web01" || len(tr.Commands) != 10 {
		t.Fatalf("fixture: device %q, %d commands", tr.Device, len(tr.Commands))
	}
	if got, want := tr.Commands[8].Output, []byte("state: ok \xff\xfe\x00v1\r\n"); !bytes.Equal(got, want) {
		t.Errorf("base64 output: got %q, want %q", got, want)
	}
	if c := tr.Commands[7]; c.Completed() || !c.Truncated || c.ExitStatus != -1 {
		t.Errorf("command 7 should be an incomplete, truncated record: %+v", c)
	}
	if c := tr.Commands[5]; !c.Completed() || c.ExitStatus != 2 || c.Stderr != len(c.Output) {
		t.Errorf("command 5 should be a completed stderr-only record with exit 2: %+v", c)
	}
}
