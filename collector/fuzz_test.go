package collector

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// normalizeSeeds are terminal outputs worth mutating: progress lines, pagers, colours, broken
// escapes, invalid UTF-8.
var normalizeSeeds = []string{
	"",
	"hostname web01\n",
	"a\r\nb\r\n",
	"50%\r100%\n",
	"abc\b\bxy",
	"--More--\b\b\b\b\b\b\b\b        \b\b\b\b\b\b\b\b",
	"\x1b[01;32mgreen\x1b[0m\n",
	"\x1b]0;title\x07x\x1b]2;t\x1b\\y",
	"\x1bPdata\x1b\\\x1b(B\x1b7\x1b[?25l",
	"\x1b[12",
	"\x1b",
	"\xff\xfe\x00\x9b31m\xe2\x82",
	"caf\xc3\xa9\b\r\r\n\t ",
}

func FuzzNormalize(f *testing.F) {
	for _, s := range normalizeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		out := AppendNormalized(nil, raw)
		if !utf8.Valid(out) {
			t.Fatalf("output is not valid UTF-8: %q", out)
		}
		for i, c := range out {
			if (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f {
				t.Fatalf("control byte %#x at %d in %q", c, i, out)
			}
		}
		if len(out) > 0 && out[len(out)-1] != '\n' {
			t.Fatalf("non-empty output does not end with a newline: %q", out)
		}
		if again := AppendNormalized(nil, out); !bytes.Equal(again, out) {
			t.Fatalf("not idempotent:\nonce  %q\ntwice %q", out, again)
		}
		// What dst already holds is neither read nor changed.
		prefix := []byte("prefix\xff\b")
		withPrefix := AppendNormalized(append([]byte(nil), prefix...), raw)
		if !bytes.Equal(withPrefix, append(prefix, out...)) {
			t.Fatalf("prefix changed the result: %q vs %q", withPrefix, out)
		}
	})
}

func FuzzRender(f *testing.F) {
	f.Add("show version", []byte("Cisco IOS\r\n"), "show clock", []byte(""), false)
	f.Add("a\nb", []byte("x"), "\x1b[0mc\r", []byte("\xff\b"), true)
	f.Add("", []byte("\x1b[31m"), "### END COMMAND: x", []byte("### END COMMAND: x\n"), false)
	f.Fuzz(func(t *testing.T, cmd1 string, out1 []byte, cmd2 string, out2 []byte, secondFails bool) {
		tr := &Transcript{Device: "d", Commands: []CommandRecord{
			{Index: 1, Command: cmd2, Output: out2},
			{Index: 0, Command: cmd1, Output: out1},
			{Index: 2, Command: "never rendered", Output: []byte("partial"), Error: "timeout"},
		}}
		if secondFails {
			tr.Commands[0].Error = "disconnect"
		}
		r, err := NewRenderer("markers", "")
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		n, err := r.Render(&buf, tr)
		if err != nil {
			t.Fatal(err)
		}
		got := buf.String()
		if n != int64(len(got)) {
			t.Fatalf("Render returned %d, wrote %d bytes", n, len(got))
		}

		// The file is exactly the frames of the completed commands, in Index order, each
		// header on one line.
		frame := func(cmd string, out []byte) string {
			line := string(appendOneLine(nil, cmd))
			if strings.ContainsAny(line, "\n\r\x1b") {
				t.Fatalf("command %q renders as a header line with a line break or escape: %q", cmd, line)
			}
			return "### BEGIN COMMAND: " + line + "\n" + string(AppendNormalized(nil, out)) +
				"### END COMMAND: " + line + "\n"
		}
		want := frame(cmd1, out1)
		if !secondFails {
			want += frame(cmd2, out2)
		}
		if got != want {
			t.Fatalf("rendered\n%q\nwant\n%q", got, want)
		}
		if !utf8.ValidString(got) || strings.ContainsAny(got, "\r\x1b\x00") {
			t.Fatalf("bulk file is not clean text: %q", got)
		}
	})
}

func FuzzTranscriptRoundTrip(f *testing.F) {
	f.Add([]byte("Cisco IOS <x> & \"y\"\r\n"), "show version", 0, int64(1764777600123456789), int64(42*time.Millisecond), 0, "")
	f.Add([]byte{0xff, 0xfe, 0x00, 0x80}, "cat /bin/ls", 1, int64(0), int64(-1), 2, "KILL")
	f.Add([]byte(nil), "", -1, int64(-1), int64(1<<62), -5, "timeout")
	f.Add([]byte("\u2028\u2029\x7f"), "a\xffb", 255, int64(1), int64(999999), 3, "x\x00y")
	f.Fuzz(func(t *testing.T, output []byte, command string, exit int, startedNS, durNS int64, stderr int, text string) {
		rec := CommandRecord{
			Index: 3, Command: command, Output: output, Stderr: stderr, ExitStatus: exit, Signal: text,
			Started: time.Unix(0, startedNS).UTC(), Duration: time.Duration(durNS), Error: text,
			Truncated: stderr%2 == 0,
		}
		tr := &Transcript{Version: TranscriptVersion, Device: "d", Commands: []CommandRecord{rec}}
		data, err := json.Marshal(tr)
		if err != nil {
			t.Fatal(err)
		}
		if !json.Valid(data) {
			t.Fatalf("invalid JSON: %s", data)
		}
		var back Transcript
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatalf("unmarshal: %v\n%s", err, data)
		}
		if len(back.Commands) != 1 {
			t.Fatalf("%d commands after the round trip", len(back.Commands))
		}
		got := back.Commands[0]
		// Output must survive byte for byte, whatever it is.
		if !bytes.Equal(got.Output, output) {
			t.Fatalf("output: got %q, want %q", got.Output, output)
		}
		// Strings are JSON strings: exact when valid UTF-8 (always, for inventory commands).
		if utf8.ValidString(command) && got.Command != command {
			t.Fatalf("command: got %q, want %q", got.Command, command)
		}
		if utf8.ValidString(text) && (got.Signal != text || got.Error != text) {
			t.Fatalf("signal/error: got %q/%q, want %q", got.Signal, got.Error, text)
		}
		if !got.Started.Equal(rec.Started) {
			t.Fatalf("started: got %v, want %v", got.Started, rec.Started)
		}
		if want := rec.Duration.Truncate(time.Millisecond); got.Duration != want {
			t.Fatalf("duration: got %v, want %v", got.Duration, want)
		}
		if got.Index != rec.Index || got.Stderr != rec.Stderr || got.ExitStatus != rec.ExitStatus ||
			got.Truncated != rec.Truncated {
			t.Fatalf("fields: got %+v, want %+v", got, rec)
		}
	})
}

// FuzzPromptScanner feeds arbitrary device output, cut into reads at arbitrary points, through
// the shell driver's command scanner and output cleaner. It must never panic, never take a
// prompt that is not the last line for the end of a command, and render lines idempotently.
func FuzzPromptScanner(f *testing.F) {
	bs, sp := strings.Repeat("\b", 10), strings.Repeat(" ", 10)
	for _, s := range []string{
		"show run\r\nline1\r\n --More-- " + bs + sp + bs + "line2\r\ncore-sw1#",
		"show ver\r\n! comment #\r\ncore-sw1#\r\nmore\r\n\rcore-sw1# ",
		"shwo\b\bow ver\r\n\x1b[1mcore-sw1\x1b[0m#",
		"show x\r\n  ---- More ----\x1b[16D                \x1b[16D undo\r\ncore-sw1#",
		"show x\r\n<--- More --->\r              \r!\r\ncore-sw1(config)#\r\ncore-sw1#",
		"\r\ncore-sw1#\r\nshow x\r\n---(more 50%)---\r\n\x1b[99999Cx\x1b[2K\x1b[1K",
	} {
		f.Add([]byte(s), uint8(7), "show x")
	}
	pat, err := compilePatterns(iosLike)
	if err != nil {
		f.Fatal(err)
	}
	const prompt = "core-sw1#"
	f.Fuzz(func(t *testing.T, data []byte, cut uint8, cmd string) {
		step := int(cut%64) + 1
		sc := newCommandScan(pat, cmd, prompt)
		var buf []byte
		done := false
		for i := 0; i < len(data) && !done; i += step {
			buf = append(buf, data[i:min(i+step, len(data))]...)
			done = sc.step(buf, i+step >= len(data)).done
		}
		if done {
			last := buf[bytes.LastIndexByte(buf, '\n')+1:]
			if len(last) <= maxTailLine && !samePrompt(string(renderLine(last)), prompt) {
				t.Fatalf("completed on a last line that is not the prompt: %q", last)
			}
			if atPrompt(append(bytes.Clone(buf), "\nx"...), prompt) {
				t.Fatal("a prompt followed by another line was still taken for the prompt")
			}
		}
		for _, line := range bytes.Split(buf, []byte("\n")) {
			once := renderLine(line)
			if emu := emulateLine(line); !bytes.Equal(once, emu) {
				t.Fatalf("renderLine(%q) = %q, but the emulator shows %q", line, once, emu)
			}
			if bytes.ContainsAny(once, "\r\n\b\x1b\x00") {
				t.Fatalf("rendered line keeps control bytes: %q -> %q", line, once)
			}
			if again := renderLine(once); !bytes.Equal(again, once) {
				t.Fatalf("renderLine not idempotent: %q -> %q -> %q", line, once, again)
			}
		}
		out := cleanOutput(buf, cmd, prompt, sc.marks, done)
		if plain := cleanOutput(buf, cmd, prompt, nil, done); !bytes.Contains(buf, plain) {
			t.Fatalf("without pager marks the output must be a part of what was received: %q", plain)
		}
		if stripped := stripPagers(buf, sc.marks); len(out) > len(stripped) {
			t.Fatalf("echo and prompt stripping made the output longer: %q -> %q", stripped, out)
		}
	})
}
