package sshsim

import (
	"strings"
)

// crlf turns LF line endings into what a PTY sends (ONLCR): CRLF. Existing CRLFs are kept.
func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

// write sends text with LF line endings as a PTY would.
func (k *cli) write(text string) error {
	return k.emit(crlf(text))
}

// writeRaw sends s as is (prompts, escape sequences, the pager's redraw).
func (k *cli) writeRaw(s string) error {
	return k.emit(s)
}

// emit writes s after any echo owed, cutting the connection once a DropAfter budget is spent.
func (k *cli) emit(s string) error {
	if err := k.flushEcho(); err != nil {
		return err
	}
	cut := false
	if k.budget >= 0 && len(s) >= k.budget {
		s, cut = s[:k.budget], true
	}
	if k.budget >= 0 {
		k.budget -= len(s)
	}
	if s != "" {
		if _, err := k.ch.Write([]byte(s)); err != nil {
			return err
		}
	}
	if cut {
		k.c.disconnect()
		return errDropped
	}
	return nil
}

// page writes a command's output, stopping at the pager marker every PageLines lines while
// paging is on, and going on as the key pressed there says.
func (k *cli) page(out string) error {
	lines := strings.SplitAfter(crlf(out), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	limit := k.p.PageLines
	var b strings.Builder
	for i, line := range lines {
		if k.paging && i >= limit {
			b.WriteString(k.p.PagerMarker)
			k.c.s.notePager() // counted before the client can see it, like every other stat
			if err := k.emit(b.String()); err != nil {
				return err
			}
			b.Reset()
			act, err := k.pagerKey()
			if err != nil {
				return err
			}
			b.WriteString(k.p.PagerRedraw)
			switch act {
			case pagerNextPage:
				limit = i + k.p.PageLines
			case pagerNextLine:
				limit = i + 1
			case pagerQuit:
				return k.emit(b.String())
			}
		}
		b.WriteString(line)
	}
	return k.emit(b.String())
}
