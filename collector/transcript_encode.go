package collector

import (
	"bufio"
	"encoding/base64"
	"io"
	"strconv"
	"time"
	"unicode/utf8"
)

// encodeTranscript streams t to w as the indented JSON WriteTranscript has always written (the
// bytes encoding/json with SetIndent("", "  ") and SetEscapeHTML(false) produces), without
// building it in memory first. encoding/json marshals the whole transcript into one buffer, then
// validates every CommandRecord's output again and re-indents it: four passes and several copies
// of about 200 KiB per device, which at hundreds of devices in flight was a fifth of the
// collector's CPU and much of its garbage. Here each output is escaped straight into w in one
// pass (base64 streamed when it is not UTF-8).
func encodeTranscript(w io.Writer, t *Transcript) error {
	e := transcriptEncoder{w: bufio.NewWriterSize(w, atomicBufferSize)}
	e.raw("{\n")
	e.intField(1, "version", int64(t.Version))
	e.stringField(1, "run_id", t.RunID)
	e.stringField(1, "device", t.Device)
	e.stringField(1, "host", t.Host)
	e.intField(1, "port", int64(t.Port))
	e.stringField(1, "asset_uuid", t.AssetUUID)
	e.stringField(1, "platform", t.Platform)
	if t.Prompt != "" {
		e.stringField(1, "prompt", t.Prompt)
	}
	e.stringField(1, "status", t.Status)
	if t.Error != "" {
		e.stringField(1, "error", t.Error)
	}
	e.timeField(1, "started", t.Started)
	e.timeField(1, "finished", t.Finished)
	e.key(1, "commands")
	switch {
	case t.Commands == nil:
		e.raw("null")
	case len(t.Commands) == 0:
		e.raw("[]")
	default:
		e.raw("[\n")
		for i := range t.Commands {
			e.command(&t.Commands[i])
			if i < len(t.Commands)-1 {
				e.raw(",")
			}
			e.raw("\n")
		}
		e.raw("  ]")
	}
	e.raw("\n}\n")
	if e.err != nil {
		return e.err
	}
	return e.w.Flush()
}

// transcriptEncoder writes JSON tokens to a buffered writer and keeps the first error, so the
// layout code reads like the document it writes.
type transcriptEncoder struct {
	w       *bufio.Writer
	err     error
	scratch [64]byte
}

// command writes one record in commandJSON's form, at the indentation of an array element.
func (e *transcriptEncoder) command(c *CommandRecord) {
	const in = 3 // fields of an element of "commands"
	e.raw("    {\n")
	e.intField(in, "index", int64(c.Index))
	e.stringField(in, "command", c.Command)
	if utf8.Valid(c.Output) {
		e.key(in, "output")
		e.jsonBytes(c.Output)
	} else {
		e.key(in, "output_base64")
		e.raw(`"`)
		if e.err == nil {
			b64 := base64.NewEncoder(base64.StdEncoding, e.w)
			if _, err := b64.Write(c.Output); err != nil {
				e.err = err
			} else if err := b64.Close(); err != nil {
				e.err = err
			}
		}
		e.raw(`"`)
	}
	e.raw(",\n")
	e.intField(in, "stderr_bytes", int64(c.Stderr))
	e.intField(in, "exit_status", int64(c.ExitStatus))
	e.stringField(in, "signal", c.Signal)
	e.timeField(in, "started", c.Started)
	e.intField(in, "duration_ms", c.Duration.Milliseconds())
	e.stringField(in, "error", c.Error)
	e.key(in, "truncated")
	e.raw(strconv.FormatBool(c.Truncated))
	e.raw("\n    }")
}

func (e *transcriptEncoder) raw(s string) {
	if e.err == nil {
		_, e.err = e.w.WriteString(s)
	}
}

func (e *transcriptEncoder) bytes(b []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}

func (e *transcriptEncoder) byte(b byte) {
	if e.err == nil {
		e.err = e.w.WriteByte(b)
	}
}

func (e *transcriptEncoder) key(indent int, name string) {
	for range indent {
		e.raw("  ")
	}
	e.raw(`"`)
	e.raw(name)
	e.raw(`": `)
}

func (e *transcriptEncoder) intField(indent int, name string, v int64) {
	e.key(indent, name)
	e.bytes(strconv.AppendInt(e.scratch[:0], v, 10))
	e.raw(",\n")
}

func (e *transcriptEncoder) stringField(indent int, name, v string) {
	e.key(indent, name)
	e.jsonBytes([]byte(v)) // short strings: the copy is cheaper than a second escaper
	e.raw(",\n")
}

// timeField writes t as time.Time's MarshalJSON does (RFC 3339 with nanoseconds). A time that
// has no RFC 3339 form (year outside 0-9999) is an error there and here.
func (e *transcriptEncoder) timeField(indent int, name string, t time.Time) {
	b, err := t.MarshalJSON()
	if err != nil {
		if e.err == nil {
			e.err = err
		}
		return
	}
	e.key(indent, name)
	e.bytes(b)
	e.raw(",\n")
}

// jsonBytes writes s as a JSON string escaped exactly as encoding/json does with
// HTML escaping off: '"' and '\\', control characters (\b \f \n \r \t or \u00XX), U+2028 and
// U+2029. Runs of bytes that need no escape are written straight from s.
func (e *transcriptEncoder) jsonBytes(s []byte) {
	const hex = "0123456789abcdef"
	e.raw(`"`)
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b >= 0x20 && b != '"' && b != '\\' && b < utf8.RuneSelf {
			i++
			continue
		}
		if b >= utf8.RuneSelf {
			// Other runes pass as they are; U+2028 and U+2029 are escaped (JavaScript line
			// ends) and invalid bytes become U+FFFD, as encoding/json does.
			r, size := utf8.DecodeRune(s[i:])
			switch {
			case r == utf8.RuneError && size == 1:
				e.bytes(s[start:i])
				e.raw(`\ufffd`)
			case r == '\u2028' || r == '\u2029':
				e.bytes(s[start:i])
				e.raw(`\u202`)
				e.byte(hex[r&0xf])
			default:
				i += size
				continue
			}
			i += size
			start = i
			continue
		}
		e.bytes(s[start:i])
		switch b {
		case '"', '\\':
			e.byte('\\')
			e.byte(b)
		case '\b':
			e.raw(`\b`)
		case '\f':
			e.raw(`\f`)
		case '\n':
			e.raw(`\n`)
		case '\r':
			e.raw(`\r`)
		case '\t':
			e.raw(`\t`)
		default:
			e.raw(`\u00`)
			e.byte(hex[b>>4])
			e.byte(hex[b&0xf])
		}
		i++
		start = i
	}
	e.bytes(s[start:])
	e.raw(`"`)
}
