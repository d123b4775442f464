package devices

import (
	"sort"
	"strconv"
	"strings"
)

// Problem is one validation problem with its position, so an operator can jump straight to the
// offending line instead of bisecting a large inventory.
type Problem struct {
	File      string
	Line, Col int    // 1-based; 0 when the problem has no position (an unreadable file)
	Path      string // where in the document: "devices[3].platform", "collection.connect_timeout"
	Message   string
}

// Error formats the problem the way compilers do ("file:line:col: path: message"), which editors
// and CI annotators already understand.
func (p Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		b.WriteString(":" + strconv.Itoa(p.Line))
		if p.Col > 0 {
			b.WriteString(":" + strconv.Itoa(p.Col))
		}
	}
	b.WriteString(": ")
	if p.Path != "" {
		b.WriteString(p.Path + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Problems is every problem found in one inventory. Load returns it as its error when there is
// at least one, so `collector validate` can print them all in one go rather than one per run.
type Problems []Problem

// Error lists the problems one per line, in file order.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// sortProblems orders problems by position: those of the primary file (the inventory) first,
// then those of other files it names (its platforms_file) by file name. Problems at the same
// position keep the order they were found in, which is the order of the checks.
func sortProblems(ps []Problem, primary string) {
	sort.SliceStable(ps, func(i, j int) bool {
		if pi, pj := ps[i].File == primary, ps[j].File == primary; pi != pj {
			return pi
		}
		if ps[i].File != ps[j].File {
			return ps[i].File < ps[j].File
		}
		if ps[i].Line != ps[j].Line {
			return ps[i].Line < ps[j].Line
		}
		return ps[i].Col < ps[j].Col
	})
}
