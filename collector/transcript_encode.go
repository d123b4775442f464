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
	const longest = len(`\ufffd`) // the longest escape, and room to spare for the quote
	if e.err != nil {
		return
	}
	// Escaped text is appended straight into the bufio.Writer's free space (its
	// AvailableBuffer), a chunk at a time, instead of one Write per line of output.
	buf := e.available(1)
	buf = append(buf, '"')
	for i := 0; i < len(s); {
		if cap(buf)-len(buf) < 2*longest {
			if buf = e.commit(buf, 2*longest); buf == nil {
				return
			}
		}
		room := cap(buf) - len(buf) - longest
		j := i + plainPrefix(s[i:min(len(s), i+room)])
		buf = append(buf, s[i:j]...)
		if i = j; i == len(s) || jsonPlain[s[i]] {
			continue // the end, or no room left for the run
		}
		b := s[i]
		if b >= utf8.RuneSelf {
			// Other runes pass as they are; U+2028 and U+2029 are escaped (JavaScript line
			// ends) and invalid bytes become U+FFFD, as encoding/json does.
			r, size := utf8.DecodeRune(s[i:])
			switch {
			case r == utf8.RuneError && size == 1:
				buf = append(buf, `\ufffd`...)
			case r == '\u2028' || r == '\u2029':
				buf = append(buf, `\u202`...)
				buf = append(buf, hex[r&0xf])
			default:
				buf = append(buf, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch b {
		case '"', '\\':
			buf = append(buf, '\\', b)
		case '\b':
			buf = append(buf, `\b`...)
		case '\f':
			buf = append(buf, `\f`...)
		case '\n':
			buf = append(buf, `\n`...)
		case '\r':
			buf = append(buf, `\r`...)
		case '\t':
			buf = append(buf, `\t`...)
		default:
			buf = append(buf, `\u00`...)
			buf = append(buf, hex[b>>4], hex[b&0xf])
		}
		i++
	}
	if cap(buf)-len(buf) < 1 {
		if buf = e.commit(buf, 1); buf == nil {
			return
		}
	}
	buf = append(buf, '"')
	e.commit(buf, 0)
}

// available returns the writer's free space as an empty slice, flushing first when less than
// n bytes are free.
func (e *transcriptEncoder) available(n int) []byte {
	if e.w.Available() < n {
		if e.err = e.w.Flush(); e.err != nil {
			return nil
		}
	}
	return e.w.AvailableBuffer()
}

// commit hands buf (appended onto AvailableBuffer) to the writer and returns the free space
// that follows, at least n bytes; nil after an error.
func (e *transcriptEncoder) commit(buf []byte, n int) []byte {
	if _, e.err = e.w.Write(buf); e.err != nil {
		return nil
	}
	if n == 0 {
		return nil
	}
	return e.available(n)
}
