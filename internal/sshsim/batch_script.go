package sshsim

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"
)

// batchShell is the exec command line the collector's batch mode runs; with Config.POSIXBatch
// the simulator answers it by interpreting the script on stdin.
const batchShell = "/bin/sh -s"

// maxBatchScript bounds the script read from stdin: the collector's for 10,000 commands is
// a few MB; anything larger is a broken client.
const maxBatchScript = 16 << 20

// The statements of the collector's batch script (collector/batch_frame.go, batchScript). The
// interpreter is a test double for exactly this format, not a shell: every statement must be
// one of these shapes, or the whole script is refused before anything runs.
const (
	probePrefix = "if command -v timeout "
	probeSuffix = "; then oca_t=1; else oca_t=0; fi"
	runPrefix   = `if [ "$oca_t" = 1 ]; then timeout `
	runShell    = " /bin/sh -c "
	runElse     = " </dev/null 2>&1; else ( eval "
	runSuffix   = " ) </dev/null 2>&1; fi"
)

// batchStmt is one parsed statement: a printf of a format and an optional variable, or a
// command run (the probe only sets oca_t and is not kept).
type batchStmt struct {
	format  string // printf: the format, escapes already decoded
	arg     string // printf: "oca_t", "?" or "" (no argument)
	command string // a command run: the unquoted command line
}

// errBatchScript marks a script the interpreter does not understand.
var errBatchScript = errors.New("sshsim: unsupported batch script")

// parseBatchScript splits script into statements and checks that each is one the collector
// generates.
func parseBatchScript(script string) ([]batchStmt, error) {
	lines, err := splitStatements(script)
	if err != nil {
		return nil, err
	}
	out := make([]batchStmt, 0, len(lines))
	probed := false
	for n, line := range lines {
		bad := func(why string) error {
			return fmt.Errorf("%w: statement %d (%.60q): %s", errBatchScript, n+1, line, why)
		}
		switch {
		case line == "":
			continue
		case strings.HasPrefix(line, probePrefix) && strings.HasSuffix(line, probeSuffix):
			if probed || strings.Contains(line, "'") {
				return nil, bad("unexpected timeout probe")
			}
			probed = true
		case strings.HasPrefix(line, "printf '"):
			st, err := parsePrintf(line[len("printf "):])
			if err != nil {
				return nil, bad(err.Error())
			}
			out = append(out, st)
		case strings.HasPrefix(line, runPrefix):
			cmd, err := parseRun(line[len(runPrefix):])
			if err != nil {
				return nil, bad(err.Error())
			}
			out = append(out, batchStmt{command: cmd})
		default:
			return nil, bad("not a statement of the collector's batch script")
		}
	}
	if !probed {
		return nil, fmt.Errorf("%w: no timeout probe", errBatchScript)
	}
	return out, nil
}

// splitStatements splits at newlines outside single quotes (a command may hold newlines).
func splitStatements(s string) ([]string, error) {
	var out []string
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quoted:
			quoted = c != '\''
		case c == '\'':
			quoted = true
		case c == '\\':
			i++ // an escaped character outside quotes ('\'' inside a quoted word)
		case c == '\n':
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	if quoted {
		return nil, fmt.Errorf("%w: unterminated quote", errBatchScript)
	}
	if rest := s[start:]; rest != "" {
		out = append(out, rest)
	}
	return out, nil
}

// shellWord reads one word of single-quoted pieces joined by \' (what the collector's
// shellQuote writes) from the start of s, and returns it unquoted with the rest of s.
func shellWord(s string) (word, rest string, err error) {
	var b strings.Builder
	i := 0
	for i < len(s) {
		switch {
		case s[i] == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return "", "", errors.New("unterminated quote")
			}
			b.WriteString(s[i+1 : i+1+j])
			i += j + 2
		case strings.HasPrefix(s[i:], `\'`):
			b.WriteByte('\'')
			i += 2
		default:
			if i == 0 {
				return "", "", errors.New("expected a single-quoted word")
			}
			return b.String(), s[i:], nil
		}
	}
	if i == 0 {
		return "", "", errors.New("expected a single-quoted word")
	}
	return b.String(), "", nil
}

// parsePrintf parses `'<fmt>'` or `'<fmt>' "$oca_t"` or `'<fmt>' "$?"`.
func parsePrintf(s string) (batchStmt, error) {
	f, rest, err := shellWord(s)
	if err != nil {
		return batchStmt{}, err
	}
	var st batchStmt
	switch rest {
	case "":
	case ` "$oca_t"`:
		st.arg = "oca_t"
	case ` "$?"`:
		st.arg = "?"
	default:
		return batchStmt{}, fmt.Errorf("unsupported printf argument %q", rest)
	}
	var b strings.Builder
	verbs := 0
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c == '\\' || c == '%' {
			if i+1 >= len(f) {
				return batchStmt{}, fmt.Errorf("dangling %q in printf format", c)
			}
			i++
			switch e := string([]byte{c, f[i]}); e {
			case `\n`:
				b.WriteByte('\n')
			case `\\`:
				b.WriteByte('\\')
			case "%%":
				b.WriteByte('%')
			case "%s", "%d":
				verbs++
				b.WriteString(e)
			default:
				return batchStmt{}, fmt.Errorf("unsupported printf escape %q", e)
			}
			continue
		}
		b.WriteByte(c)
	}
	if (verbs == 1) != (st.arg != "") || verbs > 1 {
		return batchStmt{}, errors.New("printf verbs do not match its arguments")
	}
	st.format = b.String()
	return st, nil
}

// parseRun parses the rest of a command run after runPrefix:
// `-k K S /bin/sh -c 'Q' </dev/null 2>&1; else ( eval 'Q' ) </dev/null 2>&1; fi`, or, for a
// plain command (a program and its arguments), `-k K S Q </dev/null 2>&1; else ...`.
func parseRun(s string) (string, error) {
	if !strings.HasPrefix(s, "-k ") {
		return "", errors.New("unsupported timeout arguments")
	}
	var q1, rest string
	if sh := strings.Index(s, runShell); sh >= 0 {
		if strings.ContainsAny(s[:sh], "'\"$;") {
			return "", errors.New("unsupported timeout arguments")
		}
		var err error
		if q1, rest, err = shellWord(s[sh+len(runShell):]); err != nil {
			return "", err
		}
	} else {
		// "-k K S " then the command as it is, up to the redirections.
		fields := strings.SplitN(s, " ", 4)
		if len(fields) < 4 {
			return "", errors.New("unsupported command run")
		}
		cmd, after, ok := strings.Cut(fields[3], runElse)
		if !ok {
			return "", errors.New("unsupported command run")
		}
		if cmd == "" || strings.ContainsAny(cmd, "'\"$;|&<>()`\\*?[]{}~#") {
			return "", errors.New("a command timeout(1) runs directly must be plain")
		}
		q1, rest = cmd, runElse+after
	}
	if !strings.HasPrefix(rest, runElse) {
		return "", errors.New("unsupported command run")
	}
	q2, rest, err := shellWord(rest[len(runElse):])
	if err != nil {
		return "", err
	}
	if rest != runSuffix {
		return "", errors.New("unsupported command run ending")
	}
	if q1 != q2 {
		return "", errors.New("the timeout and eval branches run different commands")
	}
	return q1, nil
}

// runBatch answers an exec of `/bin/sh -s` on a POSIXBatch device: it reads the script from
// ch's stdin to EOF, then plays it as sh would on a host with no timeout(1): printf writes its
// text, and each command's scripted Response (from Commands, the personality or Unknown, as for
// exec) is written to stdout with its stderr merged, its exit status (128+n for a signal)
// becoming $?. Delay, Hang and DisconnectAfter act as they do for exec (a hang keeps the
// channel open with no exit status; a disconnect drops the connection). A script the
// interpreter does not understand gets a message on stderr and exit status 2, nothing run.
func (c *conn) runBatch(ch ssh.Channel, stop <-chan struct{}) {
	s := c.s
	data, err := io.ReadAll(io.LimitReader(ch, maxBatchScript+1))
	if err != nil {
		return // the client went away
	}
	stmts, err := parseBatchScript(string(data))
	if err == nil && len(data) > maxBatchScript {
		err = fmt.Errorf("%w: script over %d bytes", errBatchScript, maxBatchScript)
	}
	if err != nil {
		s.log.Debug("sshsim batch script refused", keyHost, s.Addr(), "error", err)
		_, _ = io.WriteString(ch.Stderr(), err.Error()+"\n")
		c.exit(ch, Response{ExitStatus: 2})
		return
	}
	vars := map[string]string{"oca_t": "0", "?": "0"}
	for _, st := range stmts {
		if st.command == "" {
			text := st.format
			if st.arg != "" {
				text = strings.Replace(strings.Replace(text, "%s", vars[st.arg], 1), "%d", vars[st.arg], 1)
			}
			if err := writeString(ch, text); err != nil {
				return
			}
			vars["?"] = "0"
			continue
		}
		r := s.batchCommand(st.command)
		if !c.play(ch, r, stop, true) {
			return
		}
		vars["?"] = strconv.Itoa(shellStatus(r))
	}
	c.exit(ch, Response{})
}

// shellStatus is the $? a shell sees for r: its exit status, or 128+n for a signal.
func shellStatus(r Response) int {
	if r.Signal == "" {
		return r.ExitStatus & 0xff
	}
	signals := map[string]int{"HUP": 1, "INT": 2, "QUIT": 3, "ABRT": 6, "KILL": 9, "SEGV": 11,
		"PIPE": 13, "ALRM": 14, "TERM": 15}
	if n, ok := signals[strings.TrimPrefix(r.Signal, "SIG")]; ok {
		return 128 + n
	}
	return 128 + 15 // an unlisted signal: reported as TERM's status
}
