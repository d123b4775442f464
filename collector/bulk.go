package collector

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"text/template"
	"unicode/utf8"

	"github.com/oca-collector/collector/devices"
)

// TemplateData is what a `template` framing is executed with, once per command. Output is already
// normalised (see AppendNormalized) and ends with a newline unless it is empty.
type TemplateData struct {
	Command    string
	Output     string
	Index      int
	ExitStatus int
	Device     string
	Host       string
	AssetUUID  string
}

// Renderer turns a transcript into the bulk file OCA ingests. OCA does not publish the file's
// inner layout, so the framing is configurable and rendering is kept apart from collection: a
// transcript can be re-rendered with another framing without contacting the device again.
// A Renderer is immutable once built and safe for concurrent use.
type Renderer struct {
	framing string
	tmpl    *template.Template // only for the template framing
}

// NewRenderer checks the framing ("" means markers) and, for the template framing, parses
// templateSrc with text/template (missingkey=error) and executes it once on sample data, so a
// misspelt field fails at startup rather than after the fleet has been collected. templateSrc
// is ignored for the other framings.
func NewRenderer(framing, templateSrc string) (*Renderer, error) {
	switch framing {
	case "":
		return &Renderer{framing: devices.FramingMarkers}, nil
	case devices.FramingMarkers, devices.FramingSession:
		return &Renderer{framing: framing}, nil
	case devices.FramingTemplate:
	default:
		return nil, fmt.Errorf("bulk framing: unknown framing %q (want %s, %s or %s)", framing,
			devices.FramingMarkers, devices.FramingSession, devices.FramingTemplate)
	}
	if templateSrc == "" {
		return nil, errors.New("bulk template: framing is template but the template is empty")
	}
	tmpl, err := template.New("bulk").Option("missingkey=error").Parse(templateSrc)
	if err != nil {
		return nil, fmt.Errorf("bulk template: %w", err)
	}
	sample := TemplateData{
		Command: "show version", Output: "sample output\n", Device: "sample-device",
		Host: "192.0.2.1", AssetUUID: "00000000-0000-4000-8000-000000000000",
	}
	if err := tmpl.Execute(io.Discard, sample); err != nil {
		return nil, fmt.Errorf("bulk template: %w", err)
	}
	return &Renderer{framing: devices.FramingTemplate, tmpl: tmpl}, nil
}

// Framing returns the framing the renderer writes (never "").
func (r *Renderer) Framing() string { return r.framing }

// Render writes t's bulk file to w and returns the number of bytes written. Every command that
// completed goes in, in Index order, with its output normalised; a non-zero exit status is
// rendered like any other (it is evidence). Commands that did not complete are left out: their
// error is in the transcript and the report, and a half output must not pass for the real one.
//
// The framings, for each command:
//
//	markers:  "### BEGIN COMMAND: <command>\n" <output> "### END COMMAND: <command>\n"
//	session:  "<prompt><command>\n" <output>
//	template: the template executed with TemplateData
//
// An empty output renders as nothing (no blank line). In the markers and session framings the
// command and prompt are written on one line, normalised like output with any newline turned
// into a space, so a line break in a command cannot break the framing. The session prompt is
// t.Prompt when the shell driver learned one, else "<device>$ " on linux and "<device>#"
// elsewhere, which is how those terminals look.
func (r *Renderer) Render(w io.Writer, t *Transcript) (int64, error) {
	n, _, err := r.render(w, t, nil)
	return n, err
}

// render is Render with the normaliser's buffer passed in and handed back (grown as needed),
// so a caller rendering many devices reuses one.
func (r *Renderer) render(w io.Writer, t *Transcript, norm []byte) (int64, []byte, error) {
	order := completedInOrder(t.Commands)
	cw := &countingWriter{w: bufio.NewWriterSize(w, atomicBufferSize)}
	if norm == nil {
		norm = make([]byte, 0, 64<<10) // reused for every command's output
	}
	var cmd []byte // reused for the command's one-line form
	var prompt []byte
	if r.framing == devices.FramingSession {
		prompt = appendOneLine(nil, sessionPrompt(t))
	}

	for _, i := range order {
		c := &t.Commands[i]
		norm = AppendNormalized(norm[:0], c.Output)
		switch r.framing {
		case devices.FramingMarkers:
			cmd = append(appendOneLine(cmd[:0], c.Command), '\n')
			cw.writeString("### BEGIN COMMAND: ")
			cw.write(cmd)
			cw.write(norm)
			cw.writeString("### END COMMAND: ")
			cw.write(cmd)
		case devices.FramingSession:
			cmd = append(appendOneLine(cmd[:0], c.Command), '\n')
			cw.write(prompt)
			cw.write(cmd)
			cw.write(norm)
		case devices.FramingTemplate:
			data := TemplateData{
				Command: c.Command, Output: string(norm), Index: c.Index, ExitStatus: c.ExitStatus,
				Device: t.Device, Host: t.Host, AssetUUID: t.AssetUUID,
			}
			if err := r.tmpl.Execute(cw, data); err != nil && cw.err == nil {
				return cw.n, norm, fmt.Errorf("render bulk file: template, command %d (%s): %w", c.Index, c.Command, err)
			}
		}
		if cw.err != nil {
			return cw.n, norm, fmt.Errorf("render bulk file: %w", cw.err)
		}
	}
	if err := cw.w.Flush(); err != nil {
		return cw.n, norm, fmt.Errorf("render bulk file: %w", err)
	}
	return cw.n, norm, nil
}

// WriteBulk renders t into path atomically (see WriteFileAtomic) and returns the file's size.
func WriteBulk(path string, r *Renderer, t *Transcript) (int64, error) {
	return writeBulk(path, r, t, &writeBuffers{}, syncAll)
}

// writeBulk is WriteBulk with writeFileAtomic's directory fsync knob and reusable buffers (bufs
// keeps the normaliser buffer it grew).
func writeBulk(path string, r *Renderer, t *Transcript, bufs *writeBuffers, mode atomicSync) (int64, error) {
	var n int64
	var renderErr error
	err := writeFileAtomic(path, bufs.file, mode, func(w io.Writer) error {
		n, bufs.norm, renderErr = r.render(w, t, bufs.norm)
		return renderErr
	})
	switch {
	case err == nil:
		return n, nil
	case renderErr != nil:
		return 0, renderErr // already says where it failed
	default:
		return 0, fmt.Errorf("write bulk file %s: %w", path, err)
	}
}

// writeBuffers are the buffers writing one device's files needs: the file buffer and the
// normaliser's output. The Runner pools them, so the devices of a run share a few sets
// instead of allocating ~130 KiB each. Zero fields are allocated on first use.
type writeBuffers struct {
	file *bufio.Writer
	norm []byte
}

// completedInOrder returns the positions in cmds of the completed commands, sorted by Index.
func completedInOrder(cmds []CommandRecord) []int {
	order := make([]int, 0, len(cmds))
	for i := range cmds {
		if cmds[i].Completed() {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(cmds[a].Index, cmds[b].Index) })
	return order
}

// sessionPrompt is the prompt the session framing writes before each command.
func sessionPrompt(t *Transcript) string {
	switch {
	case t.Prompt != "":
		return t.Prompt
	case t.Platform == "linux":
		return t.Device + "$ "
	default:
		return t.Device + "#"
	}
}

// appendOneLine appends s as one line of text: normalised like output (so escapes and invalid
// UTF-8 stay out of the file), with newlines turned into spaces and no final newline. Clean
// strings, the usual case, are appended as they are.
func appendOneLine(dst []byte, s string) []byte {
	if isOneLineClean(s) {
		return append(dst, s...)
	}
	start := len(dst)
	dst = AppendNormalized(dst, []byte(s))
	if len(dst) > start && dst[len(dst)-1] == '\n' {
		dst = dst[:len(dst)-1]
	}
	for i := start; i < len(dst); i++ {
		if dst[i] == '\n' {
			dst[i] = ' '
		}
	}
	return dst
}

// isOneLineClean reports whether s is valid UTF-8 without control characters other than tab.
func isOneLineClean(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\t') || c == ctlDEL {
			return false
		}
	}
	return utf8.ValidString(s)
}

// countingWriter counts the bytes handed to a bufio.Writer and keeps its first error, so the
// framing code can write without checking every call and Render can report the size.
type countingWriter struct {
	w   *bufio.Writer
	n   int64
	err error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}

func (c *countingWriter) write(p []byte) { _, _ = c.Write(p) }

func (c *countingWriter) writeString(s string) {
	if c.err != nil {
		return
	}
	n, err := c.w.WriteString(s)
	c.n += int64(n)
	c.err = err
}
