package collector

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
	"unicode/utf8"
)

// TranscriptVersion is the transcript format this collector writes and reads. Transcripts are
// kept so a bulk file can be re-rendered later, possibly by a newer collector: the version says
// which reader may trust the file.
const TranscriptVersion = 1

// ErrTranscriptVersion is returned by ReadTranscript for a transcript written in a format this
// collector does not understand, so `collector render` can say so instead of guessing.
var ErrTranscriptVersion = errors.New("unsupported transcript version")

// Transcript is everything a device answered in one run, raw, in command order. It is written
// beside the bulk file so the bulk file can be re-rendered (another framing, a fixed normaliser)
// and re-uploaded without contacting the device again.
type Transcript struct {
	Version   int             `json:"version"`
	RunID     string          `json:"run_id"`
	Device    string          `json:"device"`
	Host      string          `json:"host"`
	Port      int             `json:"port"`
	AssetUUID string          `json:"asset_uuid"`
	Platform  string          `json:"platform"`
	Prompt    string          `json:"prompt,omitempty"` // shell mode: the learned prompt; exec mode: empty
	Status    string          `json:"status"`           // ok | partial | failed
	Error     string          `json:"error,omitempty"`
	Started   time.Time       `json:"started"`
	Finished  time.Time       `json:"finished"`
	Commands  []CommandRecord `json:"commands"`
}

// CommandRecord is one command's raw result. Output is kept byte for byte as the device sent it
// (normalisation happens only when rendering) so no information is lost to a normaliser bug.
type CommandRecord struct {
	Index      int           // 0-based position in the command set
	Command    string        // as configured
	Output     []byte        // raw bytes as received (stdout and stderr interleaved in arrival order)
	Stderr     int           // number of those bytes that came from stderr
	ExitStatus int           // -1 when unknown (timeout, disconnect, signal)
	Signal     string        // exit-signal name, if any
	Started    time.Time     // when the command was sent
	Duration   time.Duration // stored with millisecond precision
	Error      string        // why the command did not complete ("" when it did)
	Truncated  bool          // output cut (cap reached, timeout, disconnect)
}

// Completed reports whether the command ran to its end. Only completed commands go into the bulk
// file; a non-zero exit status still counts as completed, because it is evidence too.
func (c CommandRecord) Completed() bool { return c.Error == "" }

// commandJSON is the on-disk form of CommandRecord. Output goes in "output" when it is valid
// UTF-8 (readable with any JSON tool), otherwise in "output_base64", so arbitrary bytes survive
// exactly: encoding/json would silently replace invalid UTF-8 with U+FFFD.
type commandJSON struct {
	Index        int       `json:"index"`
	Command      string    `json:"command"`
	Output       *string   `json:"output,omitempty"`
	OutputBase64 *string   `json:"output_base64,omitempty"`
	StderrBytes  int       `json:"stderr_bytes"`
	ExitStatus   int       `json:"exit_status"`
	Signal       string    `json:"signal"`
	Started      time.Time `json:"started"`
	DurationMS   int64     `json:"duration_ms"`
	Error        string    `json:"error"`
	Truncated    bool      `json:"truncated"`
}

// MarshalJSON writes the record in its documented on-disk form (see commandJSON).
func (c CommandRecord) MarshalJSON() ([]byte, error) {
	j := commandJSON{
		Index:       c.Index,
		Command:     c.Command,
		StderrBytes: c.Stderr,
		ExitStatus:  c.ExitStatus,
		Signal:      c.Signal,
		Started:     c.Started,
		DurationMS:  c.Duration.Milliseconds(),
		Error:       c.Error,
		Truncated:   c.Truncated,
	}
	if utf8.Valid(c.Output) {
		s := string(c.Output)
		j.Output = &s
	} else {
		s := base64.StdEncoding.EncodeToString(c.Output)
		j.OutputBase64 = &s
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep "<cr>" and "->" readable in transcripts
	if err := enc.Encode(j); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// UnmarshalJSON reads the on-disk form. An empty output is returned as a nil Output.
func (c *CommandRecord) UnmarshalJSON(data []byte) error {
	var j commandJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	var out []byte
	switch {
	case j.Output != nil && j.OutputBase64 != nil:
		return fmt.Errorf("command %d: both output and output_base64 are set", j.Index)
	case j.OutputBase64 != nil:
		b, err := base64.StdEncoding.DecodeString(*j.OutputBase64)
		if err != nil {
			return fmt.Errorf("command %d: output_base64: %w", j.Index, err)
		}
		out = b
	case j.Output != nil:
		out = []byte(*j.Output)
	}
	if len(out) == 0 {
		out = nil
	}
	*c = CommandRecord{
		Index:      j.Index,
		Command:    j.Command,
		Output:     out,
		Stderr:     j.StderrBytes,
		ExitStatus: j.ExitStatus,
		Signal:     j.Signal,
		Started:    j.Started,
		Duration:   time.Duration(j.DurationMS) * time.Millisecond,
		Error:      j.Error,
		Truncated:  j.Truncated,
	}
	return nil
}

// WriteTranscript writes t to path atomically (0600, indented JSON), so a crash never leaves a
// half-written transcript that a later `collector render` would trust.
func WriteTranscript(path string, t *Transcript) error {
	return writeTranscript(path, t, nil, syncAll)
}

// writeTranscript is WriteTranscript with writeFileAtomic's buffer and directory fsync knobs.
func writeTranscript(path string, t *Transcript, bw *bufio.Writer, mode atomicSync) error {
	err := writeFileAtomic(path, bw, mode, func(w io.Writer) error { return encodeTranscript(w, t) })
	if err != nil {
		return fmt.Errorf("write transcript %s: %w", path, err)
	}
	return nil
}

// ReadTranscript reads a transcript written by WriteTranscript. A transcript of another version
// is rejected with ErrTranscriptVersion before the rest is decoded, so a newer format is never
// half-understood.
func ReadTranscript(path string) (*Transcript, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read transcript: %w", err) // the os error names the file
	}
	var v struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("read transcript %s: %w", path, err)
	}
	if v.Version == nil {
		return nil, fmt.Errorf("read transcript %s: %w: no version field", path, ErrTranscriptVersion)
	}
	if *v.Version != TranscriptVersion {
		return nil, fmt.Errorf("read transcript %s: %w %d (this collector reads version %d)",
			path, ErrTranscriptVersion, *v.Version, TranscriptVersion)
	}
	var t Transcript
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("read transcript %s: %w", path, err)
	}
	return &t, nil
}
