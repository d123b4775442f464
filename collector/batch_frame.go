package collector

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// The batch script and its frames. The script is written to `/bin/sh -s` on the device's
// stdin, so neither the frames nor the nonce show on the exec command line (`ps`) and no command
// can read them (each runs with </dev/null). Its output is a stream of frame lines, each
// "\n<nonce> <kind> ...\n", around the raw output of every command:
//
//	\n<nonce> S <1 if timeout(1) is used, else 0>\n    once, first
//	\n<nonce> B <index>\n                               command index begins
//	<the command's stdout and stderr, raw>
//	\n<nonce> E <index> <exit status>\n                 command index ended
//
// A frame counts only at a line start and only with this run's nonce: 128 random bits a command
// cannot know, so no output can forge a frame. The "\n" the script prints before each frame
// line makes a last output line without a newline end where the frame begins; the parser
// removes exactly that one added byte.

// batchKillAfter is timeout(1)'s -k: seconds between TERM and KILL for a command that ignores
// TERM. The client-side watchdog waits this long (plus a little) more than command_timeout
// when timeout(1) enforces it on the device.
const batchKillAfter = 5

// newBatchNonce returns a fresh nonce for one script: 16 random bytes, hex (32 characters that
// need no shell quoting).
func newBatchNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (it crashes the program instead)
	return hex.EncodeToString(b[:])
}

// batchCommand is one command of a script and the record index its frames carry.
type batchCommand struct {
	index   int
	command string
}

// batchScript generates the script that runs cmds in order, framed with nonce. Each command
// runs in its own shell (a subshell, or sh -c under timeout(1)) so a syntax error, `exit` or
// `cd` in one cannot end or change the script, with stdin from /dev/null and stderr merged
// into stdout. timeout(1) is used when the host has one that accepts `-k` (probed once, so an
// old busybox timeout with other syntax is not mistaken for it).
func batchScript(nonce string, cmds []batchCommand, commandTimeout time.Duration) []byte {
	secs := strconv.FormatFloat(commandTimeout.Seconds(), 'f', -1, 64)
	kill := strconv.Itoa(batchKillAfter)
	// One allocation of the script's size (within a few bytes) instead of a growing buffer and
	// a string per line: per command the three lines' fixed text, the nonce twice, the timeout
	// twice and the command at most three times (quoting adds at most 3 bytes per quote).
	size := 200 + 2*len(nonce) + len(kill) + len(secs)
	for _, c := range cmds {
		size += 200 + 2*len(nonce) + len(kill) + len(secs) + 3*(len(c.command)+3*strings.Count(c.command, "'"))
	}
	b := make([]byte, 0, size)
	b = append(b, "if command -v timeout >/dev/null 2>&1 && timeout -k "...)
	b = append(b, kill...)
	b = append(b, ' ')
	b = append(b, secs...)
	b = append(b, " true </dev/null >/dev/null 2>&1; then oca_t=1; else oca_t=0; fi\n"...)
	b = append(b, "printf '\\n"...)
	b = append(b, nonce...)
	b = append(b, " S %s\\n' \"$oca_t\"\n"...)
	for _, c := range cmds {
		b = append(b, "printf '\\n"...)
		b = append(b, nonce...)
		b = append(b, " B "...)
		b = strconv.AppendInt(b, int64(c.index), 10)
		b = append(b, "\\n'\n"...)
		b = append(b, "if [ \"$oca_t\" = 1 ]; then timeout -k "...)
		b = append(b, kill...)
		b = append(b, ' ')
		b = append(b, secs...)
		b = append(b, ' ')
		if plainCommand(c.command) {
			b = append(b, c.command...) // timeout(1) runs it itself: one exec fewer on the device
		} else {
			b = append(b, "/bin/sh -c "...)
			b = appendShellQuoted(b, c.command)
		}
		b = append(b, " </dev/null 2>&1; else ( eval "...)
		b = appendShellQuoted(b, c.command)
		b = append(b, " ) </dev/null 2>&1; fi\n"...)
		b = append(b, "printf '\\n"...)
		b = append(b, nonce...)
		b = append(b, " E "...)
		b = strconv.AppendInt(b, int64(c.index), 10)
		b = append(b, " %d\\n' \"$?\"\n"...)
	}
	return b
}

// shellWords are the first words timeout(1) cannot run as a program, or would run as a
// different one: the shell's reserved words and builtins (POSIX's and the common extensions),
// including those that also exist as programs (echo, printf, kill, test...), whose builtin
// behaviour the one-by-one exec (`sh -c`) would give.
var shellWords = map[string]bool{
	"!": true, "{": true, "}": true, "case": true, "do": true, "done": true, "elif": true, "else": true,
	"esac": true, "fi": true, "for": true, "function": true, "if": true, "in": true, "select": true,
	"then": true, "time": true, "until": true, "while": true,
	".": true, ":": true, "[": true, "alias": true, "bg": true, "break": true, "builtin": true, "cd": true,
	"command": true, "continue": true, "declare": true, "echo": true, "eval": true, "exec": true,
	"exit": true, "export": true, "false": true, "fc": true, "fg": true, "getopts": true, "hash": true,
	"jobs": true, "kill": true, "let": true, "local": true, "printf": true, "pwd": true, "read": true,
	"readonly": true, "return": true, "set": true, "shift": true, "source": true, "test": true,
	"times": true, "trap": true, "true": true, "type": true, "typeset": true, "ulimit": true,
	"umask": true, "unalias": true, "unset": true, "wait": true,
}

// plainCommand reports whether the shell would run command as it is, a program and its
// arguments, with nothing to expand, quote, redirect or chain, so timeout(1) can run it
// without a `sh -c` between: words of letters, digits and _ . / : = @ % + , - separated by
// single spaces, the first neither a builtin nor a reserved word nor an assignment nor
// option-like (timeout(1) could take it for its own). The one visible difference is the
// message for a program the host does not have: timeout's "failed to run command" instead of
// the shell's "not found" (the status is 127 either way).
func plainCommand(command string) bool {
	if command == "" || command[0] == ' ' || command[len(command)-1] == ' ' || strings.Contains(command, "  ") {
		return false
	}
	for i := 0; i < len(command); i++ {
		c := command[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("_./:=@%+,- ", c) >= 0:
		default:
			return false
		}
	}
	first, _, _ := strings.Cut(command, " ")
	return !shellWords[first] && !strings.Contains(first, "=") && first[0] != '-'
}

// appendShellQuoted appends s to b as one single-quoted shell word: inside single quotes
// nothing is special but the quote itself, written as '\” (close, escaped quote, reopen).
func appendShellQuoted(b []byte, s string) []byte {
	b = append(b, '\'')
	for {
		i := strings.IndexByte(s, '\'')
		if i < 0 {
			break
		}
		b = append(b, s[:i]...)
		b = append(b, `'\''`...)
		s = s[i+1:]
	}
	b = append(b, s...)
	return append(b, '\'')
}

// frameSink receives what frameParser finds. An error stops the parse; feed returns it.
type frameSink interface {
	// frameStart reports the script's first frame: whether timeout(1) enforces command_timeout.
	frameStart(timeoutOnDevice bool) error
	// frameBegin reports that command index began.
	frameBegin(index int) error
	// frameOutput passes the next piece of the current command's output. p is only valid
	// during the call.
	frameOutput(p []byte) error
	// frameEnd reports that command index ended with status.
	frameEnd(index, status int) error
}

// errFrameOrder is returned by a sink for a well-formed frame of this run that breaks the
// script's order (a command index out of sequence): the script or the shell is broken.
var errFrameOrder = errors.New("batch frames out of order")

// maxFrameBody bounds a frame line after the nonce: "E <index> <status>" with up to 9 digits
// each. A line that has the nonce prefix but grows longer is output.
const maxFrameBody = len("E 123456789 123456789")

// frameParser splits the byte stream of a batch script into frames and command output as it
// arrives. It keeps nothing but a possible frame line cut by a read boundary (bounded by
// maxFrameBody) and the one "\n" that may turn out to be the script's added byte before a
// frame; everything else goes to the sink at once. It scans with bytes.Index over whole chunks
// and does not allocate after construction.
type frameParser struct {
	sink   frameSink
	prefix []byte // "<nonce> "
	needle []byte // "\n<nonce> ": where a frame line can begin inside a chunk
	nl     [1]byte

	carry     []byte // the current line so far, while it may still be a frame line
	atLine    bool   // at a line start: carry is a (partial) match of prefix [+ body]
	pendingNL bool   // a "\n" held back: the script's added byte if the next line is a frame
	started   bool   // the S frame was seen
	inFrame   bool   // between B and E
	cur       int    // the command index inside the frame
	stray     int64  // bytes outside any frame (dropped)
	err       error
}

func newFrameParser(nonce string, sink frameSink) *frameParser {
	f := &frameParser{sink: sink}
	f.needle = []byte("\n" + nonce + " ")
	f.prefix = f.needle[1:]
	f.carry = make([]byte, 0, len(f.prefix)+maxFrameBody)
	f.nl[0] = '\n'
	f.reset()
	return f
}

// reset readies the parser for a new stream with the same nonce and sink.
func (f *frameParser) reset() {
	f.carry = f.carry[:0]
	f.atLine = true // the stream starts at a line start
	f.pendingNL, f.started, f.inFrame = false, false, false
	f.cur, f.stray, f.err = -1, 0, nil
}

// feed consumes the next chunk of the stream. After an error (the sink's), it consumes nothing.
func (f *frameParser) feed(p []byte) error {
	for len(p) > 0 && f.err == nil {
		if f.atLine {
			p = f.scanLine(p)
		} else {
			p = f.scanOutput(p)
		}
	}
	return f.err
}

// finish ends the stream: whatever was held back belongs to the output of a command that
// did not end (the stream stopped before its E frame).
func (f *frameParser) finish() error {
	if f.err == nil {
		f.notFrame()
	}
	return f.err
}

// scanOutput passes output up to the next place a frame line could start and returns the rest.
func (f *frameParser) scanOutput(p []byte) []byte {
	if j := bytes.Index(p, f.needle); j >= 0 {
		f.output(p[:j])
		f.pendingNL, f.atLine = true, true
		return p[j+1:]
	}
	// The chunk may end inside a frame's "\n<nonce> ": the needle holds '\n' only at its start,
	// so such a tail begins at the last '\n'.
	if k := bytes.LastIndexByte(p, '\n'); k >= 0 && bytes.HasPrefix(f.needle, p[k:]) {
		f.output(p[:k])
		f.pendingNL, f.atLine = true, true
		return p[k+1:]
	}
	f.output(p)
	return nil
}

// scanLine continues a line that began at a line start and may be a frame line.
func (f *frameParser) scanLine(p []byte) []byte {
	if c := len(f.carry); c < len(f.prefix) {
		m := min(len(f.prefix)-c, len(p))
		if !bytes.Equal(p[:m], f.prefix[c:c+m]) {
			f.notFrame()
			return p
		}
		if c+m < len(f.prefix) {
			f.carry = append(f.carry, p...)
			return nil
		}
	}
	e := bytes.IndexByte(p, '\n')
	if e < 0 {
		if len(f.carry)+len(p) > len(f.prefix)+maxFrameBody {
			f.notFrame()
			return p
		}
		f.carry = append(f.carry, p...)
		return nil
	}
	if len(f.carry)+e > len(f.prefix)+maxFrameBody {
		f.notFrame()
		return p
	}
	line, old := p[:e], len(f.carry)
	if old > 0 {
		f.carry = append(f.carry, p[:e]...)
		line = f.carry
	}
	if !f.frame(line[len(f.prefix):]) {
		f.carry = f.carry[:old]
		f.notFrame()
		return p
	}
	// A frame: the held "\n" was the script's, the next byte starts a line.
	f.carry = f.carry[:0]
	f.pendingNL = false
	return p[e+1:]
}

// notFrame gives up on the current line as a frame: the held "\n" and the line so far are output.
func (f *frameParser) notFrame() {
	if f.pendingNL {
		f.output(f.nl[:])
	}
	if len(f.carry) > 0 {
		f.output(f.carry)
	}
	f.pendingNL, f.atLine = false, false
	f.carry = f.carry[:0]
}

func (f *frameParser) output(p []byte) {
	if len(p) == 0 || f.err != nil {
		return
	}
	if !f.inFrame {
		f.stray += int64(len(p))
		return
	}
	f.err = f.sink.frameOutput(p)
}

// frame handles body (a line after the nonce prefix) if it is a frame that fits here, and
// reports whether it was. A frame that does not fit (an E outside a command, a second S) is
// treated as output.
func (f *frameParser) frame(body []byte) bool {
	if len(body) < 3 || body[1] != ' ' {
		return false
	}
	rest := body[2:]
	switch body[0] {
	case 'S':
		if f.started || f.inFrame || len(rest) != 1 || (rest[0] != '0' && rest[0] != '1') {
			return false
		}
		f.started = true
		f.err = f.sink.frameStart(rest[0] == '1')
	case 'B':
		i, ok := parseFrameInt(rest)
		if !ok || !f.started || f.inFrame {
			return false
		}
		f.inFrame, f.cur = true, i
		f.err = f.sink.frameBegin(i)
	case 'E':
		sp := bytes.IndexByte(rest, ' ')
		if sp < 0 || !f.inFrame {
			return false
		}
		i, ok1 := parseFrameInt(rest[:sp])
		status, ok2 := parseFrameInt(rest[sp+1:])
		if !ok1 || !ok2 || i != f.cur {
			return false
		}
		f.inFrame, f.cur = false, -1
		f.err = f.sink.frameEnd(i, status)
	default:
		return false
	}
	return true
}

// parseFrameInt parses 1 to 9 decimal digits, without allocating.
func parseFrameInt(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
