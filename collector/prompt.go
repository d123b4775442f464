package collector

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/oca-collector/collector/devices"
)

// The prompt/pager scanner: pure functions over the bytes an interactive CLI sent, shared by the
// shell driver and its fuzz target. The rule that makes prompt detection reliable is that a
// prompt is only ever looked for on the last line received (after the last "\n"), rendered the
// way a terminal shows it; a '#' or '>' anywhere else is output.

// maxTailLine bounds how much of the last line is rendered when looking for a prompt or a pager
// marker: both are short, and rendering a multi-megabyte line on every read would make a long
// unbroken output cost quadratic time.
const maxTailLine = 2048

// maxCursorColumn bounds cursor-forward escapes, so "ESC[99999C" cannot make the emulator
// allocate a huge line.
const maxCursorColumn = 4096

// promptLevel says which prompt pattern a line matched.
type promptLevel int

const (
	levelNone promptLevel = iota
	levelUser
	levelPrivileged
)

// answerRule is a compiled Answer: when re matches, send is written to the device.
type answerRule struct {
	re   *regexp.Regexp
	send string
}

// shellPatterns are a platform's patterns, compiled once per device.
type shellPatterns struct {
	user, priv     *regexp.Regexp // either may be nil, not both
	gates          []answerRule
	pagers         []answerRule
	errors         []*regexp.Regexp // compiled multi-line: ^ and $ match at line ends
	enablePassword *regexp.Regexp
	enableFailure  *regexp.Regexp
}

// compilePatterns compiles p's patterns, naming the field of the first bad one: a platform file
// with a broken pattern must fail its devices with a message that points at the file.
func compilePatterns(p devices.Platform) (*shellPatterns, error) {
	var firstErr error
	compile := func(field, expr string, multiline bool) *regexp.Regexp {
		if expr == "" || firstErr != nil {
			return nil
		}
		if multiline {
			expr = "(?m)" + expr
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			firstErr = fmt.Errorf("platform %s: %s: %w", p.Name, field, err)
		}
		return re
	}
	pat := &shellPatterns{
		user: compile("prompt.user", p.Prompt.User, false),
		priv: compile("prompt.privileged", p.Prompt.Privileged, false),
	}
	for i, g := range p.Gates {
		if re := compile(fmt.Sprintf("gates[%d].pattern", i), g.Pattern, false); re != nil {
			pat.gates = append(pat.gates, answerRule{re: re, send: g.Send})
		}
	}
	for i, g := range p.Pagers {
		if re := compile(fmt.Sprintf("pagers[%d].pattern", i), g.Pattern, false); re != nil {
			pat.pagers = append(pat.pagers, answerRule{re: re, send: g.Send})
		}
	}
	for i, e := range p.ErrorPatterns {
		if re := compile(fmt.Sprintf("error_patterns[%d]", i), e, true); re != nil {
			pat.errors = append(pat.errors, re)
		}
	}
	if p.Enable != nil {
		pat.enablePassword = compile("enable.password_prompt", p.Enable.PasswordPrompt, false)
		pat.enableFailure = compile("enable.failure", p.Enable.Failure, true)
	}
	if firstErr != nil {
		return nil, firstErr
	}
	if pat.user == nil && pat.priv == nil {
		return nil, fmt.Errorf("platform %s: no prompt pattern (prompt.user or prompt.privileged) for the shell driver", p.Name)
	}
	return pat, nil
}

// level reports which prompt pattern line matches; the privileged one wins when both do.
func (p *shellPatterns) level(line string) promptLevel {
	switch {
	case p.priv != nil && p.priv.MatchString(line):
		return levelPrivileged
	case p.user != nil && p.user.MatchString(line):
		return levelUser
	}
	return levelNone
}

// pager returns the rule of the pager marker line shows, if any.
func (p *shellPatterns) pager(line string) (answerRule, bool) {
	for _, r := range p.pagers {
		if r.re.MatchString(line) {
			return r, true
		}
	}
	return answerRule{}, false
}

// gate returns the rule of the accept-gate line shows, if any.
func (p *shellPatterns) gate(line string) (answerRule, bool) {
	for _, r := range p.gates {
		if r.re.MatchString(line) {
			return r, true
		}
	}
	return answerRule{}, false
}

// failed reports whether a command's normalised output matches one of the platform's error
// patterns ("% Invalid input", "syntax error").
func (p *shellPatterns) failed(norm []byte) bool {
	for _, re := range p.errors {
		if re.Match(norm) {
			return true
		}
	}
	return false
}

// describe names the prompt patterns for error messages.
func (p *shellPatterns) describe() string {
	switch {
	case p.user != nil && p.priv != nil:
		return fmt.Sprintf("user prompt /%s/ or privileged prompt /%s/", p.user, p.priv)
	case p.user != nil:
		return fmt.Sprintf("user prompt /%s/", p.user)
	default:
		return fmt.Sprintf("privileged prompt /%s/", p.priv)
	}
}

// tailLine returns where buf's last line starts and what a terminal shows of it. ok is false
// when the line is too long to be a prompt or a pager marker (and was not redrawn by a "\r"
// within its last maxTailLine bytes).
func tailLine(buf []byte) (start int, text string, ok bool) {
	start = bytes.LastIndexByte(buf, '\n') + 1
	line := buf[start:]
	if len(line) > maxTailLine {
		win := line[len(line)-maxTailLine:]
		k := bytes.LastIndexByte(win, '\r')
		if k < 0 {
			return start, "", false
		}
		line = win[k:]
	}
	return start, string(renderLine(line)), true
}

// prevLine is like tailLine for the line before the last one, for screens that end with an
// empty line ("Press RETURN to continue\r\n"). It returns ok false when there is none.
func prevLine(buf []byte) (start, end int, text string, ok bool) {
	end = bytes.LastIndexByte(buf, '\n')
	if end < 0 {
		return 0, 0, "", false
	}
	start = bytes.LastIndexByte(buf[:end], '\n') + 1
	if end-start > maxTailLine {
		return start, end, "", false
	}
	return start, end, string(renderLine(buf[start:end])), true
}

// samePrompt reports whether a rendered line is the learned prompt (trailing blanks aside).
func samePrompt(line, learned string) bool {
	return learned != "" && strings.TrimRight(line, " \t") == learned
}

// atPrompt reports whether buf ends with the learned prompt at the start of its last line.
func atPrompt(buf []byte, learned string) bool {
	_, line, ok := tailLine(buf)
	return ok && samePrompt(line, learned)
}

// displayPrompt is the prompt as the terminal shows it, for the session framing: the learned
// prompt with one trailing space if the device sends one ("user@host> ").
func displayPrompt(line string) string {
	t := strings.TrimRight(line, " \t")
	if t != line {
		return t + " "
	}
	return t
}

// renderLine returns what a terminal shows after receiving raw, one line without its "\n". It
// follows the cursor: "\r" returns to the start and, like AppendNormalized, the next printed
// character starts the line afresh; backspace and CSI cursor moves (D, C, G) move it; CSI K
// erases; other escapes and control bytes are dropped. Spaces a pager wrote to erase itself
// and that the text printed afterwards did not cover are trimmed, so "--More--" plus its redraw
// plus a short line renders as the short line. Invalid UTF-8 bytes are kept as they are (the
// renderer replaces them later). The result renders to itself, and is raw itself (not a copy)
// when raw holds only printable ASCII and tabs, as most lines do: a terminal shows those as
// they are.
func renderLine(raw []byte) []byte {
	if textPrefix(raw) == len(raw) && bytes.IndexByte(raw, '\n') < 0 {
		return raw
	}
	return emulateLine(raw)
}

// emulateLine is renderLine by the line emulator, whatever raw holds.
func emulateLine(raw []byte) []byte {
	e := lineEmu{cells: make([]cell, 0, min(len(raw), 256))}
	e.feed(raw)
	return e.text(make([]byte, 0, len(raw)))
}

type cell struct {
	b   [utf8.UTFMax]byte
	n   uint8
	gen int32 // the cursor generation that wrote it; it grows on every leftward move
}

type lineEmu struct {
	cells   []cell
	cur     int
	gen     int32
	lastGen int32 // generation of the last printed character
	clear   bool  // a "\r" was seen: the next printed character starts the line afresh
}

func (e *lineEmu) feed(raw []byte) {
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '\r':
			e.cur, e.clear = 0, true
			e.gen++
			i++
		case c == ctlBS:
			if e.cur > 0 {
				e.cur--
				e.gen++
			}
			i++
		case c == ctlESC:
			i = e.escape(raw, i)
		case c == '\t' || (c >= 0x20 && c != ctlDEL):
			size := 1
			if c >= 0x80 {
				_, size = utf8.DecodeRune(raw[i:])
			}
			e.put(raw[i : i+size])
			i += size
		default: // NUL, BEL, DEL and the other C0 controls
			i++
		}
	}
}

func (e *lineEmu) put(b []byte) {
	if e.clear {
		e.cells, e.clear = e.cells[:0], false
	}
	for len(e.cells) < e.cur {
		e.cells = append(e.cells, cell{b: [4]byte{' '}, n: 1, gen: e.gen})
	}
	cl := cell{gen: e.gen}
	cl.n = uint8(copy(cl.b[:], b))
	if e.cur < len(e.cells) {
		e.cells[e.cur] = cl
	} else {
		e.cells = append(e.cells, cl)
	}
	e.cur++
	e.lastGen = e.gen
}

// escape interprets the escape sequence at raw[i] and returns the index after it.
func (e *lineEmu) escape(raw []byte, i int) int {
	if i+1 >= len(raw) || raw[i+1] != '[' {
		return skipEscape(raw, i)
	}
	j := i + 2
	for j < len(raw) && raw[j] >= 0x20 && raw[j] <= 0x3f {
		j++
	}
	if j >= len(raw) || raw[j] < 0x40 || raw[j] > 0x7e {
		return j // malformed: what follows is processed normally
	}
	n, given := csiParam(raw[i+2 : j])
	switch raw[j] {
	case 'D': // cursor back
		e.cur = max(0, e.cur-max(n, 1))
		e.gen++
	case 'C': // cursor forward
		e.cur = min(e.cur+max(n, 1), maxCursorColumn)
	case 'G': // cursor to column
		e.cur = min(max(n, 1)-1, maxCursorColumn)
		e.gen++
	case 'K': // erase in line
		switch {
		case !given || n == 0:
			if e.cur < len(e.cells) {
				e.cells = e.cells[:e.cur]
			}
		case n == 1:
			for k := 0; k < len(e.cells) && k <= e.cur; k++ {
				e.cells[k] = cell{b: [4]byte{' '}, n: 1, gen: -1}
			}
		case n == 2:
			e.cells = e.cells[:0]
		}
	}
	return j + 1
}

// csiParam reads a CSI sequence's first numeric parameter, capped so it cannot overflow.
func csiParam(p []byte) (n int, given bool) {
	for _, c := range p {
		if c < '0' || c > '9' {
			break
		}
		given = true
		n = min(n*10+int(c-'0'), 1<<20)
	}
	return n, given
}

// text appends the line's characters to dst, without the erase spaces nothing overwrote.
func (e *lineEmu) text(dst []byte) []byte {
	// A "\r" nothing followed leaves the line as it was, like AppendNormalized.
	end := len(e.cells)
	for end > 0 && e.cells[end-1].n == 1 && e.cells[end-1].b[0] == ' ' && e.cells[end-1].gen < e.lastGen {
		end--
	}
	for _, c := range e.cells[:end] {
		dst = append(dst, c.b[:c.n]...)
	}
	return dst
}

// pagerMark records one answered pager marker: its line starts at start and the marker is
// buf[start:end], what the last line held when the marker was answered.
type pagerMark struct{ start, end int }

// echoState is what is known about the command echo at the start of a command's output.
type echoState int

const (
	echoUndecided echoState = iota // more lines are needed
	echoFound
	echoAbsent
)

// findEcho looks for the command's echo at the start of out: after any blank lines or bare
// prompts, the lines that together contain the command, compared without whitespace and after
// rendering (so "\r", backspace redraws and terminal line wraps do not hide it). It returns the
// offset just past the echo when found.
func findEcho(out []byte, cmd, prompt string) (end int, st echoState) {
	want := squash(cmd)
	if want == "" {
		return 0, echoAbsent
	}
	bare := squash(prompt)
	acc := ""
	pos := 0
	for range 4 + len(want)/40 {
		// An echo line is short: do not scan far into a long output line on every read.
		limit := min(len(out), pos+maxTailLine+len(cmd))
		nl := bytes.IndexByte(out[pos:limit], '\n')
		switch {
		case nl < 0 && limit < len(out):
			return 0, echoAbsent
		case nl < 0:
			return 0, echoUndecided
		}
		sq := squash(string(renderLine(out[pos : pos+nl])))
		pos += nl + 1
		if acc == "" && (sq == "" || sq == bare) {
			continue
		}
		acc += sq
		if strings.Contains(acc, want) {
			return pos, echoFound
		}
		if !overlapsPrefix(acc, want) {
			return 0, echoAbsent
		}
	}
	return 0, echoAbsent
}

// squash drops whitespace, which terminals insert and remove when they wrap a long echo.
func squash(s string) string {
	if !strings.ContainsAny(s, " \t") {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, s)
}

// overlapsPrefix reports whether a suffix of acc is a prefix of want: the echo continues on the
// next line.
func overlapsPrefix(acc, want string) bool {
	for k := min(len(acc), len(want)); k > 0; k-- {
		if strings.HasSuffix(acc, want[:k]) {
			return true
		}
	}
	return false
}

// commandScan follows one command's output as it arrives and decides when it is complete: the
// learned prompt at the start of the last line ends it at once when the echo was seen; without
// an echo (or before it arrives) the prompt must also settle, so a stray prompt cannot end a
// command early. A pager marker on the last line is answered once and remembered for
// stripPagers.
type commandScan struct {
	pat         *shellPatterns
	cmd, prompt string
	marks       []pagerMark
	answered    int // len(buf) when the last marker was answered
	echo        echoState
}

func newCommandScan(pat *shellPatterns, cmd, prompt string) *commandScan {
	return &commandScan{pat: pat, cmd: cmd, prompt: prompt, answered: -1}
}

// step is a shell.wait step.
func (c *commandScan) step(buf []byte, quiet bool) action {
	if c.echo == echoUndecided {
		_, c.echo = findEcho(buf, c.cmd, c.prompt)
	}
	start, line, ok := tailLine(buf)
	switch {
	case !ok:
	case samePrompt(line, c.prompt):
		if c.echo == echoFound || quiet {
			return action{done: true}
		}
		return action{wantQuiet: true}
	case len(buf) > c.answered:
		if r, ok := c.pat.pager(line); ok {
			c.marks = append(c.marks, pagerMark{start: start, end: len(buf)})
			c.answered = len(buf)
			return action{send: r.send}
		}
	}
	return action{}
}

// cleanOutput turns what a device sent after a command into the command's output: pager markers
// and their redraws removed, the echo stripped and, when complete, the trailing prompt line
// dropped. The result does not alias buf.
func cleanOutput(buf []byte, cmd, prompt string, marks []pagerMark, complete bool) []byte {
	out := stripPagers(buf, marks)
	if end, st := findEcho(out, cmd, prompt); st == echoFound {
		out = out[end:]
	}
	if complete {
		out = stripPrompt(out, prompt)
	}
	if len(out) == 0 {
		return nil
	}
	return bytes.Clone(out)
}

// stripPrompt drops out's last line when it is the learned prompt.
func stripPrompt(out []byte, prompt string) []byte {
	start := bytes.LastIndexByte(out, '\n') + 1
	if samePrompt(string(renderLine(out[start:])), prompt) {
		return out[:start]
	}
	return out
}

// stripPagers replaces each answered marker's line (marker, redraw and whatever was printed on
// the same line afterwards) with what a terminal shows of it once the marker is gone. A marker
// the device did not erase is cut out, and its line dropped when nothing else is on it. Marks
// that do not describe a marker line of buf are ignored.
func stripPagers(buf []byte, marks []pagerMark) []byte {
	if len(marks) == 0 {
		return buf
	}
	out := make([]byte, 0, len(buf))
	prev := 0
	for k := 0; k < len(marks); k++ {
		m := marks[k]
		if m.start < prev || m.end > len(buf) || m.start >= m.end || bytes.IndexByte(buf[m.start:m.end], '\n') >= 0 {
			continue
		}
		lineEnd, next := len(buf), len(buf)
		if nl := bytes.IndexByte(buf[m.end:], '\n'); nl >= 0 {
			lineEnd, next = m.end+nl, m.end+nl+1
		}
		marker := strings.TrimSpace(string(renderLine(buf[m.start:m.end])))
		line := renderLine(buf[m.start:lineEnd])
		out = append(out, buf[prev:m.start]...)
		if marker != "" {
			if i := bytes.Index(line, []byte(marker)); i >= 0 {
				// Not erased: the device moved on without a redraw.
				line = append(line[:i:i], line[i+len(marker):]...)
				if len(bytes.TrimSpace(line)) == 0 {
					prev = next
					continue
				}
			}
		}
		if len(bytes.Trim(line, " ")) == 0 {
			line = line[:0]
		}
		out = append(out, line...)
		if next > lineEnd {
			out = append(out, '\n')
		}
		prev = next
	}
	return append(out, buf[prev:]...)
}

// lastTextLine returns the last line of norm (normalised output) that is not blank.
func lastTextLine(norm []byte) string {
	norm = bytes.TrimRight(norm, " \t\n")
	return string(norm[bytes.LastIndexByte(norm, '\n')+1:])
}

// promptStem is the host-name-like part of a learned prompt ("R1" in "R1#", "sw-01" in
// "<sw-01>"): the longest run of letters, digits, '.', '-' and '_'.
func promptStem(prompt string) string {
	best, run := "", 0
	for i := 0; i <= len(prompt); i++ {
		if i < len(prompt) && isStemByte(prompt[i]) {
			run++
			continue
		}
		if run > len(best) {
			best = prompt[i-run : i]
		}
		run = 0
	}
	if len(best) < 2 {
		return ""
	}
	return best
}

func isStemByte(c byte) bool {
	return c == '.' || c == '-' || c == '_' || (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

// foreignPrompt reports whether line is a prompt of this device other than the learned one: it
// matches a prompt pattern and carries the learned prompt's host name, like "R1(config)#" or
// "R1>" where "R1#" was learned. Output that merely ends in '#' or '>' does not qualify.
func (p *shellPatterns) foreignPrompt(line, learned string) bool {
	t := strings.TrimRight(line, " \t")
	if t == "" || t == learned || p.level(line) == levelNone {
		return false
	}
	stem := promptStem(learned)
	return stem != "" && strings.Contains(t, stem)
}

// quoteTail shows the last n bytes of buf escaped (strconv.Quote), so an error message can say
// exactly what the device sent last, control characters included.
func quoteTail(buf []byte, n int) string {
	if len(buf) > n {
		buf = buf[len(buf)-n:]
	}
	return strconv.Quote(string(buf))
}
