package collector

import (
	"bytes"
	"unicode/utf8"
)

// Control bytes the normaliser acts on (besides '\t', '\n' and '\r').
const (
	ctlBEL = 0x07
	ctlBS  = 0x08
	ctlESC = 0x1b
	ctlDEL = 0x7f
)

// replacementChar is U+FFFD encoded, written in place of a run of invalid UTF-8 bytes.
const replacementChar = "\uFFFD"

// AppendNormalized appends the normalised form of raw to dst and returns the extended slice.
// Devices answer with terminal output (CRLF line ends, colours, progress lines redrawn with CR,
// pagers erasing themselves with backspaces); OCA wants the text a person would read. The rules:
//
//   - CRLF becomes LF.
//   - A lone CR followed by more text on the same line means the terminal overwrote the line:
//     only what follows the last lone CR is kept ("50%\r100%\n" -> "100%\n"). A lone CR followed
//     by nothing but the line end (or the end of the data) is dropped and the line kept.
//   - ANSI escape sequences are removed (7-bit forms): CSI (ESC [ ... final byte 0x40-0x7E),
//     the string sequences OSC (ESC ]), DCS (ESC P), SOS (ESC X), PM (ESC ^) and APC (ESC _) up
//     to BEL or ESC \, and ESC [intermediate bytes 0x20-0x2F] final byte 0x30-0x7E, which covers
//     the two-byte forms (ESC 7, ESC =, ESC M ...) and charset selects (ESC ( B). A sequence cut
//     short by another control byte ends there and that byte is processed normally; a string
//     sequence also ends at a newline, so a stray ESC ] cannot swallow the rest of a config. A
//     lone ESC is dropped. 8-bit C1 introducers are not valid UTF-8 and are replaced (below).
//   - Backspace erases the previous character (a whole UTF-8 rune) of the current line and does
//     nothing at the start of a line, so a pager's "--More--" followed by its erase sequence
//     vanishes.
//   - NUL, DEL and every other C0 control except tab and newline (BEL, VT, FF ...) are removed.
//   - Each run of adjacent invalid UTF-8 bytes becomes one U+FFFD, so binary output stays
//     readable instead of tripling in size.
//   - The result ends with a newline unless it is empty.
//
// Trailing spaces are kept: some configurations are whitespace-sensitive. Prompt, echo and pager
// prompt stripping belong to the shell driver, not here.
//
// It makes one pass over raw and allocates nothing when dst has room, so a caller rendering many
// commands reuses one buffer. The result is idempotent: normalising it again changes nothing.
func AppendNormalized(dst, raw []byte) []byte {
	start := len(dst)
	// lineStart is where the current output line begins in dst, as of dst[:seen]: text runs
	// copy whole lines at once, so it is brought up to date (syncLine) only where a CR or a
	// backspace needs it, not at every newline.
	lineStart, seen := start, start
	syncLine := func() {
		if k := bytes.LastIndexByte(dst[seen:], '\n'); k >= 0 {
			lineStart = seen + k + 1
		}
		seen = len(dst)
	}
	pendingCR := false // a lone CR was seen: the next text on this line overwrites it
	prevInvalid := false

	for i := 0; i < len(raw); {
		c := raw[i]

		// Fast path: a run of printable ASCII, tabs and newlines.
		if textByte[c] {
			if pendingCR {
				if c != '\n' {
					syncLine()
					dst = dst[:lineStart]
					seen = len(dst)
				}
				pendingCR = false
			}
			j := i + 1 + textPrefix(raw[i+1:])
			dst = append(dst, raw[i:j]...)
			i = j
			prevInvalid = false
			continue
		}

		if c >= 0x80 {
			r, size := utf8.DecodeRune(raw[i:])
			if pendingCR {
				syncLine()
				dst = dst[:lineStart]
				seen = len(dst)
				pendingCR = false
			}
			if r == utf8.RuneError && size == 1 {
				if !prevInvalid {
					dst = append(dst, replacementChar...)
				}
				prevInvalid = true
			} else {
				dst = append(dst, raw[i:i+size]...)
				prevInvalid = false
			}
			i += size
			continue
		}

		prevInvalid = false
		switch c {
		case '\r':
			if i+1 < len(raw) && raw[i+1] == '\n' {
				i++ // CRLF: let the LF end the line
				continue
			}
			pendingCR = true
			i++
		case ctlBS:
			// With a CR pending the cursor sits at the line start, where backspace does nothing.
			if !pendingCR {
				syncLine()
				if len(dst) > lineStart {
					_, size := utf8.DecodeLastRune(dst[lineStart:])
					dst = dst[:len(dst)-size]
					seen = len(dst)
				}
			}
			i++
		case ctlESC:
			i = skipEscape(raw, i)
		default:
			// NUL, BEL, VT, FF, DEL and the other C0 controls.
			i++
		}
	}

	if len(dst) > start && dst[len(dst)-1] != '\n' {
		dst = append(dst, '\n')
	}
	return dst
}

// skipEscape returns the index just past the escape sequence that starts with the ESC at raw[i].
// When the sequence is cut short by a byte that cannot belong to it, the index of that byte is
// returned so the caller processes it normally.
func skipEscape(raw []byte, i int) int {
	i++ // the ESC
	if i >= len(raw) {
		return i
	}
	switch c := raw[i]; {
	case c == '[':
		return skipCSI(raw, i+1)
	case c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_':
		return skipString(raw, i+1)
	case c >= 0x20 && c <= 0x2f:
		// Intermediate bytes, then one final byte (ESC ( B, ESC # 8 ...).
		for i < len(raw) && raw[i] >= 0x20 && raw[i] <= 0x2f {
			i++
		}
		if i < len(raw) && raw[i] >= 0x30 && raw[i] <= 0x7e {
			i++
		}
		return i
	case c >= 0x30 && c <= 0x7e:
		return i + 1 // two-byte sequence
	default:
		return i // lone ESC: drop it, keep what follows
	}
}

// skipCSI skips a control sequence's parameter and intermediate bytes (0x20-0x3F) and its final
// byte (0x40-0x7E), starting just after "ESC [".
func skipCSI(raw []byte, i int) int {
	for i < len(raw) {
		c := raw[i]
		switch {
		case c >= 0x40 && c <= 0x7e:
			return i + 1
		case c >= 0x20 && c <= 0x3f:
			i++
		default:
			return i // malformed: the sequence ends here
		}
	}
	return i
}

// skipString skips the body of an OSC/DCS/SOS/PM/APC string up to its terminator: BEL, ESC \
// (consumed), or ESC followed by anything else or a newline (left for the caller).
func skipString(raw []byte, i int) int {
	for i < len(raw) {
		switch raw[i] {
		case ctlBEL:
			return i + 1
		case ctlESC:
			if i+1 < len(raw) && raw[i+1] == '\\' {
				return i + 2
			}
			return i
		case '\n':
			return i
		}
		i++
	}
	return i
}
